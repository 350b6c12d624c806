"""Objects and fields as the metadata APIs return them (Twenty's camelCase shapes)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from crm.metadata import default_spelling
from crm.metadata.composite_types import COMPOSITE_TYPES
from crm.models import FieldMetadata, ObjectMetadata, Workspace
from crm.query.serialize import format_datetime
from crm.services.duplicates import DUPLICATE_CRITERIA
from crm.services.unique_values import is_unique, unique_values

# Keys of a relation field's id: (the object's singular name, the field's name).
RelationIds = dict[tuple[str, str], str]


def object_refs(workspace: Workspace) -> dict[str, ObjectMetadata]:
    return {o.name_singular: o for o in ObjectMetadata.objects.filter(workspace=workspace)}


def relation_ids(workspace: Workspace) -> RelationIds:
    """The id of every relation field, so each relation can name the field on its other side."""
    rows = FieldMetadata.objects.filter(workspace=workspace, type="RELATION")
    return {(name, field): str(pk) for name, field, pk in rows.values_list("object__name_singular", "name", "id")}


def describe_objects(workspace: Workspace, objects: Iterable[ObjectMetadata] | None = None) -> list[dict[str, Any]]:
    """Objects with their fields, in two queries (three for some of the objects)."""
    by_name = object_refs(workspace)
    wanted = list(objects) if objects is not None else sorted(by_name.values(), key=lambda o: o.name_singular)
    fields_by_object: dict[Any, list[FieldMetadata]] = {}
    rows = FieldMetadata.objects.filter(workspace=workspace, object__in=[o.id for o in wanted]).order_by(
        "position", "name"
    )
    for row in rows:
        fields_by_object.setdefault(row.object_id, []).append(row)
    if objects is None:
        # Every field is at hand: the relations' other sides are among them.
        names = {o.id: o.name_singular for o in wanted}
        relations = {
            (names[f.object_id], f.name): str(f.id)
            for fields in fields_by_object.values()
            for f in fields
            if f.type == "RELATION"
        }
    else:
        relations = relation_ids(workspace)
    return [describe_object(o, fields_by_object.get(o.id, []), by_name, relations) for o in wanted]


def describe_object(
    obj: ObjectMetadata,
    fields: list[FieldMetadata],
    by_name: dict[str, ObjectMetadata],
    relations: RelationIds | None = None,
) -> dict[str, Any]:
    by_id = {f.id: f for f in fields}
    label_field = (
        by_id.get(obj.label_identifier_field_id)
        or next((f for f in fields if f.name == "name"), None)
        or next((f for f in fields if f.name == "title"), None)
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
        "imageIdentifierFieldMetadataId": str(obj.image_identifier_field_id) if obj.image_identifier_field_id else None,
        "labelIdentifierFieldName": label_field.name if label_field else None,
        # What Twenty's newer clients read besides: none of it applies here.
        "dataSourceId": None,
        "applicationId": None,
        "universalIdentifier": None,
        "duplicateCriteria": DUPLICATE_CRITERIA.get(obj.name_singular) if not obj.is_custom else None,
        "indexMetadataList": describe_indexes(obj, fields),
        "createdAt": format_datetime(obj.created_at),
        "updatedAt": format_datetime(obj.updated_at),
        "fields": [describe_field(f, obj, by_name, relations) for f in fields],
    }


def describe_indexes(obj: ObjectMetadata, fields: list[FieldMetadata]) -> list[dict[str, Any]]:
    """The unique indexes of a standard object (a person's primary email, a company's
    domain), as Twenty's clients read them to spot duplicates before an import."""
    if obj.is_custom:
        return []
    field_ids = {f.name: str(f.id) for f in fields}
    indexes = []
    for unique in unique_values():
        if unique.object_name != obj.name_singular or unique.field not in field_ids:
            continue
        # Stable ids: an index is described, not stored.
        index_id = str(uuid.uuid5(obj.id, unique.constraint.name))
        when = format_datetime(obj.created_at)
        indexes.append(
            {
                "id": index_id,
                "name": unique.constraint.name,
                "indexWhereClause": '"deletedAt" IS NULL',
                "indexType": "BTREE",
                "isUnique": True,
                "isCustom": False,
                "createdAt": when,
                "updatedAt": when,
                "indexFieldMetadataList": [
                    {
                        "id": str(uuid.uuid5(obj.id, f"{unique.constraint.name}.{unique.field}")),
                        "fieldMetadataId": field_ids[unique.field],
                        "order": 0,
                        "createdAt": when,
                        "updatedAt": when,
                    }
                ],
            }
        )
    return indexes


def _object_ref(name: str, by_name: dict[str, ObjectMetadata]) -> dict[str, Any]:
    found = by_name.get(name)
    if found is None:
        # Workspace members are not a metadata object but can be related to.
        return {"id": None, "nameSingular": name, "namePlural": f"{name}s"}
    return {"id": str(found.id), "nameSingular": found.name_singular, "namePlural": found.name_plural}


def describe_field(
    field: FieldMetadata,
    obj: ObjectMetadata,
    by_name: dict[str, ObjectMetadata],
    relations: RelationIds | None = None,
) -> dict[str, Any]:
    settings = field.settings or {}
    relation = None
    if field.type == "RELATION":
        if relations is None:
            relations = relation_ids(field.workspace)
        target, inverse = settings.get("targetObject", ""), settings.get("inverseField")
        relation = {
            "type": settings.get("relationType"),
            "sourceObjectMetadata": _object_ref(obj.name_singular, by_name),
            "targetObjectMetadata": _object_ref(target, by_name),
            "sourceFieldMetadata": {"id": str(field.id), "name": field.name},
            "targetFieldMetadata": {"id": relations.get((target, inverse)), "name": inverse} if inverse else None,
            "targetFieldName": inverse,
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
        "defaultValue": default_spelling.quoted(field.type, field.default_value),
        "options": field.options,
        "settings": settings,
        "subFields": [{"name": s.name, "kind": s.kind} for s in COMPOSITE_TYPES.get(field.type, ())] or None,
        "relation": relation,
        # Twenty's newer flags, with what holds for every field here.
        "isUIReadOnly": False,
        "applicationId": None,
        "universalIdentifier": None,
        "morphId": None,
        "morphRelations": [],
        "createdAt": format_datetime(field.created_at),
        "updatedAt": format_datetime(field.updated_at),
    }


def describe_picklists(workspace: Workspace) -> list[dict[str, Any]]:
    """Every SELECT / MULTI_SELECT field with its options."""
    rows = (
        FieldMetadata.objects.filter(workspace=workspace, type__in=("SELECT", "MULTI_SELECT", "RATING"), is_active=True)
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
            "defaultValue": default_spelling.quoted(row.type, row.default_value),
            "options": sorted(row.options or [], key=lambda o: (o.get("position", 0), o.get("value", ""))),
        }
        for row in rows
    ]
