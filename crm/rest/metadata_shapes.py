"""Objects and fields as the metadata APIs return them (Twenty's camelCase shapes)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crm.metadata.composite_types import COMPOSITE_TYPES
from crm.models import FieldMetadata, ObjectMetadata, Workspace
from crm.query.serialize import format_datetime
from crm.services.unique_values import is_unique


def object_refs(workspace: Workspace) -> dict[str, ObjectMetadata]:
    return {o.name_singular: o for o in ObjectMetadata.objects.filter(workspace=workspace)}


def describe_objects(workspace: Workspace, objects: Iterable[ObjectMetadata] | None = None) -> list[dict[str, Any]]:
    """Objects with their fields, in two queries."""
    by_name = object_refs(workspace)
    wanted = list(objects) if objects is not None else sorted(by_name.values(), key=lambda o: o.name_singular)
    fields_by_object: dict[Any, list[FieldMetadata]] = {}
    rows = FieldMetadata.objects.filter(workspace=workspace, object__in=[o.id for o in wanted]).order_by(
        "position", "name"
    )
    for row in rows:
        fields_by_object.setdefault(row.object_id, []).append(row)
    return [describe_object(o, fields_by_object.get(o.id, []), by_name) for o in wanted]


def describe_object(
    obj: ObjectMetadata, fields: list[FieldMetadata], by_name: dict[str, ObjectMetadata]
) -> dict[str, Any]:
    label_field = next((f for f in fields if f.name == "name"), None) or next(
        (f for f in fields if f.name == "title"), None
    )
    return {
        "id": str(obj.id),
        "nameSingular": obj.name_singular,
        "namePlural": obj.name_plural,
        "labelSingular": obj.label_singular,
        "labelPlural": obj.label_plural,
        "description": obj.description,
        "icon": obj.icon,
        "isCustom": obj.is_custom,
        "isActive": obj.is_active,
        "isSystem": False,
        # Twenty's flags, with what holds for every object here.
        "isRemote": False,
        "isSearchable": True,
        "isUIReadOnly": False,
        "isLabelSyncedWithName": False,
        "shortcut": None,
        "labelIdentifierFieldMetadataId": str(label_field.id) if label_field else None,
        "imageIdentifierFieldMetadataId": None,
        "labelIdentifierFieldName": label_field.name if label_field else None,
        "createdAt": format_datetime(obj.created_at),
        "updatedAt": format_datetime(obj.updated_at),
        "fields": [describe_field(f, obj, by_name) for f in fields],
    }


def _object_ref(name: str, by_name: dict[str, ObjectMetadata]) -> dict[str, Any]:
    found = by_name.get(name)
    if found is None:
        # Workspace members are not a metadata object but can be related to.
        return {"id": None, "nameSingular": name, "namePlural": f"{name}s"}
    return {"id": str(found.id), "nameSingular": found.name_singular, "namePlural": found.name_plural}


def describe_field(field: FieldMetadata, obj: ObjectMetadata, by_name: dict[str, ObjectMetadata]) -> dict[str, Any]:
    settings = field.settings or {}
    relation = None
    if field.type == "RELATION":
        relation = {
            "type": settings.get("relationType"),
            "sourceObjectMetadata": _object_ref(obj.name_singular, by_name),
            "targetObjectMetadata": _object_ref(settings.get("targetObject", ""), by_name),
            "targetFieldName": settings.get("inverseField"),
            "joinColumnName": settings.get("joinColumnName"),
        }
    return {
        "id": str(field.id),
        "objectMetadataId": str(obj.id),
        "type": field.type,
        "name": field.name,
        "label": field.label,
        "description": field.description,
        "icon": field.icon,
        "isCustom": field.is_custom,
        "isActive": field.is_active,
        "isSystem": field.is_system,
        "isNullable": field.is_nullable,
        "isUnique": not field.is_custom and is_unique(obj.name_singular, field.name),
        # Accepted on writes as Twenty's clients send it; labels and names are not synced here.
        "isLabelSyncedWithName": False,
        "defaultValue": field.default_value,
        "options": field.options,
        "settings": settings,
        "subFields": [{"name": s.name, "kind": s.kind} for s in COMPOSITE_TYPES.get(field.type, ())] or None,
        "relation": relation,
        "createdAt": format_datetime(field.created_at),
        "updatedAt": format_datetime(field.updated_at),
    }


def describe_picklists(workspace: Workspace) -> list[dict[str, Any]]:
    """Every SELECT / MULTI_SELECT field with its options."""
    rows = (
        FieldMetadata.objects.filter(workspace=workspace, type__in=("SELECT", "MULTI_SELECT"), is_active=True)
        .select_related("object")
        .order_by("object__name_singular", "position", "name")
    )
    return [
        {
            "objectMetadataId": str(row.object_id),
            "objectNameSingular": row.object.name_singular,
            "objectNamePlural": row.object.name_plural,
            "fieldMetadataId": str(row.id),
            "fieldName": row.name,
            "fieldLabel": row.label,
            "type": row.type,
            "isCustom": row.is_custom,
            "defaultValue": row.default_value,
            "options": sorted(row.options or [], key=lambda o: (o.get("position", 0), o.get("value", ""))),
        }
        for row in rows
    ]
