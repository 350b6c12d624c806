"""Email addresses and web links written before they were stored in one spelling
(crm/services/canonical_values.py) are rewritten in it, so filters, duplicate search and
merges treat old records as they treat new ones.

Every EMAILS and LINKS field is visited, standard or custom, on standard and custom
objects: a standard field's values are columns, a custom field's live in ``custom``
(as do every value of a custom object). Only the rows whose spelling changes are saved.
"""

from typing import Any

from django.db import migrations

from crm.metadata.schema import snake_case
from crm.services.canonical_values import CANONICAL_SUB_FIELDS, canonical_sub_value

STANDARD_MODELS = {
    "person": "Person",
    "company": "Company",
    "opportunity": "Opportunity",
    "note": "Note",
    "task": "Task",
    "noteTarget": "NoteTarget",
    "taskTarget": "TaskTarget",
}
BATCH = 500


def rewrite(apps: Any, schema_editor: Any) -> None:
    field_metadata = apps.get_model("crm", "FieldMetadata")
    custom_record = apps.get_model("crm", "CustomRecord")
    for field in field_metadata.objects.filter(type__in=CANONICAL_SUB_FIELDS).select_related("object"):
        subs = CANONICAL_SUB_FIELDS[field.type]
        obj = field.object
        if obj.is_custom:
            rows, in_custom = custom_record.objects.filter(object_id=obj.id), True
        else:
            model = apps.get_model("crm", STANDARD_MODELS[obj.name_singular])
            rows, in_custom = model.objects.filter(workspace_id=field.workspace_id), field.is_custom
        if in_custom:
            _rewrite_custom(rows, field.name, subs)
        else:
            _rewrite_columns(rows, [f"{snake_case(field.name)}_{snake_case(sub)}" for sub in subs], subs)


def _rewrite_columns(rows: Any, columns: list[str], subs: tuple[str, ...]) -> None:
    changed = []
    for row in rows.only("id", *columns).iterator(chunk_size=BATCH):
        values = {column: canonical_sub_value(sub, getattr(row, column)) for column, sub in zip(columns, subs, strict=True)}
        if any(getattr(row, column) != value for column, value in values.items()):
            for column, value in values.items():
                setattr(row, column, value)
            changed.append(row)
    rows.model.objects.bulk_update(changed, columns, batch_size=BATCH)


def _rewrite_custom(rows: Any, name: str, subs: tuple[str, ...]) -> None:
    changed = []
    for row in rows.only("id", "custom").iterator(chunk_size=BATCH):
        value = (row.custom or {}).get(name)
        if not isinstance(value, dict):
            continue
        rewritten = {**value, **{sub: canonical_sub_value(sub, value.get(sub)) for sub in subs if sub in value}}
        if rewritten != value:
            row.custom = {**row.custom, name: rewritten}
            changed.append(row)
    rows.model.objects.bulk_update(changed, ["custom"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [("crm", "0008_live_record_counts")]

    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop)]
