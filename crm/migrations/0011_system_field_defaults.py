"""The system fields of every object say what the server fills in, as Twenty's do: ``id``
defaults to ``"uuid"``, ``createdAt`` and ``updatedAt`` to ``"now"``
(crm.metadata.standard_objects.SYSTEM_FIELDS). Rows written before had no default, which
clients such as Twenty's Zapier app read as fields they must send."""

from typing import Any

from django.db import migrations
from django.db.models import F

DEFAULTS = {"id": "uuid", "createdAt": "now", "updatedAt": "now"}


def fill_in_defaults(apps: Any, schema_editor: Any) -> None:
    field_metadata = apps.get_model("crm", "FieldMetadata")
    for name, default in DEFAULTS.items():
        field_metadata.objects.filter(is_system=True, name=name, default_value__isnull=True).update(
            default_value=default
        )
    # Compiled schemas are cached per metadata version: the next request sees the defaults.
    apps.get_model("crm", "Workspace").objects.update(metadata_version=F("metadata_version") + 1)


class Migration(migrations.Migration):
    dependencies = [("crm", "0010_unique_primary_email_and_domain")]

    operations = [migrations.RunPython(fill_in_defaults, migrations.RunPython.noop)]
