"""A person's primary email and a company's domain name become unique among a
workspace's live records (crm/services/unique_values.py).

Records stored before may share one. Of each such group the oldest keeps the value; on
the others it moves, not away: a person's primary email becomes the first of its
additional emails, a company's domain the first of its secondary links. Nothing is
lost, and a merge can bring the records together later. No event is sent for these
moves, as for any upgrade.
"""

from typing import Any

from django.db import migrations, models
from django.db.models import Count


def _demote_email(person: Any) -> list[str]:
    additional = [a for a in person.emails_additional_emails or [] if a != person.emails_primary_email]
    person.emails_additional_emails = [person.emails_primary_email, *additional]
    person.emails_primary_email = ""
    return ["emails_primary_email", "emails_additional_emails"]


def _demote_domain(company: Any) -> list[str]:
    link = {"url": company.domain_name_primary_link_url, "label": company.domain_name_primary_link_label}
    company.domain_name_secondary_links = [link, *(company.domain_name_secondary_links or [])]
    company.domain_name_primary_link_url = company.domain_name_primary_link_label = ""
    return ["domain_name_primary_link_url", "domain_name_primary_link_label", "domain_name_secondary_links"]


UNIQUE_COLUMNS = (("Person", "emails_primary_email", _demote_email), ("Company", "domain_name_primary_link_url", _demote_domain))


def keep_one_live_record_per_value(apps: Any, schema_editor: Any) -> None:
    for model_name, column, demote in UNIQUE_COLUMNS:
        model = apps.get_model("crm", model_name)
        live = model.objects.filter(deleted_at__isnull=True).exclude(**{column: ""})
        shared = live.values("workspace_id", column).annotate(records=Count("id")).filter(records__gt=1)
        for group in list(shared):
            same = live.filter(workspace_id=group["workspace_id"], **{column: group[column]})
            for record in same.order_by("created_at", "id")[1:]:
                record.save(update_fields=demote(record))


class Migration(migrations.Migration):
    dependencies = [("crm", "0009_canonical_emails_and_links")]

    operations = [
        migrations.RunPython(keep_one_live_record_per_value, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="company",
            constraint=models.UniqueConstraint(
                condition=models.Q(("deleted_at__isnull", True), models.Q(("domain_name_primary_link_url", ""), _negated=True)),
                fields=("workspace", "domain_name_primary_link_url"),
                name="company_unique_domain_name",
            ),
        ),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.UniqueConstraint(
                condition=models.Q(("deleted_at__isnull", True), models.Q(("emails_primary_email", ""), _negated=True)),
                fields=("workspace", "emails_primary_email"),
                name="person_unique_primary_email",
            ),
        ),
    ]
