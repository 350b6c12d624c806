"""Custom date-time values are stored in Twenty's spelling (``2026-01-31T09:30:00.000Z``),
as the APIs answer every other date-time; values and defaults written before in
Python's (``2026-01-31T09:30:00+00:00``) are respelled, so all of them sort and compare
as text alike (crm.date_input.twenty_spelling)."""

from django.db import migrations

BATCH_SIZE = 500


def respell(apps, schema_editor):
    from crm.date_input import parse_datetime, twenty_spelling
    from crm.metadata.standard_objects import STANDARD_OBJECTS_BY_NAME

    def respelled(value):
        if not isinstance(value, str) or value == "now":
            return value
        try:
            return twenty_spelling(parse_datetime(value))
        except ValueError:
            return value

    field_metadata = apps.get_model("crm", "FieldMetadata")
    for field in field_metadata.objects.filter(type="DATE_TIME", is_system=False).select_related("object"):
        obj = field.object
        if not (field.is_custom or obj.is_custom):
            continue  # a standard column, stored as a timestamp
        if obj.is_custom:
            rows = apps.get_model("crm", "CustomRecord").objects.filter(object_id=obj.id)
        elif obj.name_singular in STANDARD_OBJECTS_BY_NAME:
            model = STANDARD_OBJECTS_BY_NAME[obj.name_singular].model
            rows = apps.get_model("crm", model.__name__).objects.all()
        else:
            continue
        changed = []
        for row in rows.filter(workspace_id=field.workspace_id, custom__has_key=field.name).iterator(BATCH_SIZE):
            value = row.custom[field.name]
            new_value = respelled(value)
            if new_value != value:
                row.custom[field.name] = new_value
                changed.append(row)
        rows.model.objects.bulk_update(changed, ["custom"], batch_size=BATCH_SIZE)
        new_default = respelled(field.default_value)
        if new_default != field.default_value:
            field.default_value = new_default
            field.save(update_fields=["default_value"])


class Migration(migrations.Migration):
    dependencies = [("crm", "0015_case_blind_custom_indexes")]

    operations = [migrations.RunPython(respell, migrations.RunPython.noop)]
