"""Custom text fields get a second index, on their lowered value, which lists sort by
(crm.services.custom_record_indexes): made here for the fields that exist already."""

from django.db import migrations


def create_lowered_indexes(apps, schema_editor):
    from crm.services import custom_record_indexes

    field_metadata = apps.get_model("crm", "FieldMetadata")
    for field in field_metadata.objects.filter(object__is_custom=True, is_system=False).select_related("object"):
        custom_record_indexes.create_field_indexes(field)  # IF NOT EXISTS: the others are kept


class Migration(migrations.Migration):
    dependencies = [("crm", "0014_rating_fields")]

    operations = [migrations.RunPython(create_lowered_indexes, migrations.RunPython.noop)]
