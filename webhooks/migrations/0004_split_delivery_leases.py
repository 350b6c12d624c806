"""claimed_until held the queue lease while a delivery was pending and the worker lease
while it was delivering: each now has a field of its own, empty in every other state."""

from django.db import migrations, models


def split_leases(apps, schema_editor):
    Delivery = apps.get_model("webhooks", "Delivery")
    leased = Delivery.objects.filter(claimed_until__isnull=False)
    leased.filter(status="pending").update(queued_until=models.F("claimed_until"))
    leased.filter(status="delivering").update(sending_until=models.F("claimed_until"))


def join_leases(apps, schema_editor):
    Delivery = apps.get_model("webhooks", "Delivery")
    Delivery.objects.filter(status="pending", queued_until__isnull=False).update(
        claimed_until=models.F("queued_until")
    )
    Delivery.objects.filter(status="delivering", sending_until__isnull=False).update(
        claimed_until=models.F("sending_until")
    )


class Migration(migrations.Migration):

    dependencies = [
        ('webhooks', '0003_fewer_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='delivery',
            name='queued_until',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='delivery',
            name='sending_until',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(split_leases, join_leases),
        migrations.RemoveField(
            model_name='delivery',
            name='claimed_until',
        ),
    ]
