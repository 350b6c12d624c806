"""The standard objects of a workspace, as metadata rows.

A new workspace gets every standard object and field. A workspace created before a
standard object or field existed gets the missing ones (``sync_standard_metadata``),
from the migration that added their columns: rows that are already there are left
alone, since an admin may have relabelled them, so running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.db.models import F, Max

from crm.metadata.standard_objects import STANDARD_OBJECTS, SYSTEM_FIELDS, ObjectSpec
from crm.models import FieldMetadata, ObjectMetadata, Workspace


def seed_workspace_metadata(workspace: Workspace) -> None:
    """Describe the standard objects of a new workspace as metadata rows."""
    sync_standard_metadata(workspace)


def sync_standard_metadata(
    workspace: Any,
    *,
    object_model: Any = ObjectMetadata,
    field_model: Any = FieldMetadata,
    workspace_model: Any = Workspace,
) -> bool:
    """Add the standard objects and fields this workspace lacks; whether any were added.

    The model classes are parameters so that a data migration can pass its historical
    models. A custom field that already uses a new standard field's name keeps it: the
    standard field is then left out of that workspace rather than failing the upgrade.
    """
    existing_workspace = object_model.objects.filter(workspace_id=workspace.pk).exists()
    added = False
    for spec in STANDARD_OBJECTS:
        obj = None
        if existing_workspace:
            obj = object_model.objects.filter(workspace_id=workspace.pk, name_singular=spec.name_singular).first()
        taken: set[str] = set()
        first_position: float = 0
        if obj is None:
            obj = object_model.objects.create(workspace_id=workspace.pk, **_object_values(spec))
            added = True
        else:
            taken = set(field_model.objects.filter(object_id=obj.pk).values_list("name", flat=True))
            last = field_model.objects.filter(object_id=obj.pk).aggregate(last=Max("position"))["last"]
            first_position = 0 if last is None else last + 1
        missing = [field for field in SYSTEM_FIELDS + spec.fields if field.name not in taken]
        if missing:
            field_model.objects.bulk_create(
                # A FieldSpec's attributes are the metadata row's columns.
                field_model(workspace_id=workspace.pk, object_id=obj.pk, position=first_position + offset, **asdict(f))
                for offset, f in enumerate(missing)
            )
            added = True
    if added and existing_workspace:
        # Compiled schemas are cached per metadata version: the next request sees the new fields.
        workspace_model.objects.filter(pk=workspace.pk).update(metadata_version=F("metadata_version") + 1)
        workspace.refresh_from_db(fields=["metadata_version"])
    return added


def sync_every_workspace(apps: Any, schema_editor: Any) -> None:
    """For the migrations that add standard objects or fields (``RunPython``), with their
    historical models."""
    models = {
        "object_model": apps.get_model("crm", "ObjectMetadata"),
        "field_model": apps.get_model("crm", "FieldMetadata"),
        "workspace_model": apps.get_model("crm", "Workspace"),
    }
    for workspace in models["workspace_model"].objects.all():
        sync_standard_metadata(workspace, **models)


def _object_values(spec: ObjectSpec) -> dict[str, Any]:
    names = ("name_singular", "name_plural", "label_singular", "label_plural", "description", "icon")
    return {name: getattr(spec, name) for name in names}
