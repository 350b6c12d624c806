"""Relation fields between objects, created and deleted in pairs.

A relation has two sides: a MANY_TO_ONE field whose records hold the related id
(``project.company`` with its id field ``companyId``) and its ONE_TO_MANY inverse on the
target (``company.projects``). Creating either side with Twenty's input creates both::

    {"objectMetadataId": <project>, "name": "company", "label": "Company", "type": "RELATION",
     "relationCreationPayload": {"targetObjectMetadataId": <company>, "type": "MANY_TO_ONE",
                                 "targetFieldLabel": "Projects", "targetFieldIcon": "IconBuilding"}}

Custom relations keep the related id in the MANY_TO_ONE side's ``custom`` JSON under the
id field's name, on standard and custom objects alike, so no table changes; reads,
filters (``companyId[eq]:...``), depth=1 and GraphQL selections go through the same
relation metadata as the standard relations (crm.metadata.schema).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Max

from crm.metadata.camel_case import lodash_camel_case
from crm.models import FieldMetadata, ObjectMetadata, Workspace
from crm.query.record_queries import UnknownObjectError
from crm.services import custom_record_indexes
from crm.services.metadata_rules import (
    MAX_DESCRIPTION,
    MAX_LABEL,
    Errors,
    add_error,
    check_field_name,
    clean_text,
    get_object_metadata,
    unknown_keys,
)
from crm.services.stored_custom_values import rewrite_custom_values

RELATION_TYPES = ("MANY_TO_ONE", "ONE_TO_MANY")
OPPOSITE = {"MANY_TO_ONE": "ONE_TO_MANY", "ONE_TO_MANY": "MANY_TO_ONE"}
PAYLOAD_KEYS = frozenset({"targetObjectMetadataId", "type", "targetFieldLabel", "targetFieldIcon", "targetFieldName"})


def relation_sides(
    workspace: Workspace, obj: ObjectMetadata, data: dict[str, Any], errors: Errors
) -> tuple[FieldMetadata, FieldMetadata] | None:
    """The two unsaved fields of the relation ``data`` describes (None when invalid;
    ``errors`` then says why)."""
    payload = data.get("relationCreationPayload")
    if not isinstance(payload, dict):
        add_error(errors, "relationCreationPayload", "required: {targetObjectMetadataId, type, targetFieldLabel}")
        return None
    unknown_keys(payload, PAYLOAD_KEYS, errors)
    kind = payload.get("type")
    if kind not in RELATION_TYPES:
        add_error(errors, "relationCreationPayload.type", f"must be one of {', '.join(RELATION_TYPES)}")
    try:
        target = get_object_metadata(workspace, payload.get("targetObjectMetadataId"))
    except UnknownObjectError:
        add_error(errors, "relationCreationPayload.targetObjectMetadataId", "no such object in this workspace")
        return None
    name = data.get("name")
    check_field_name(workspace, obj, name, errors)
    label = clean_text(data, "label", errors, required=True, max_length=MAX_LABEL)
    description = clean_text(data, "description", errors, max_length=MAX_DESCRIPTION)
    icon = clean_text(data, "icon", errors, max_length=63)
    target_label = clean_text(payload, "targetFieldLabel", errors, max_length=MAX_LABEL)
    target_icon = clean_text(payload, "targetFieldIcon", errors, max_length=63)
    if errors or kind not in RELATION_TYPES:
        return None
    inverse_kind = OPPOSITE[kind]
    default_inverse = obj.name_plural if kind == "MANY_TO_ONE" else obj.name_singular
    inverse = payload.get("targetFieldName") or (camel_case(target_label) if target_label else default_inverse)
    inverse_key = "relationCreationPayload.targetFieldName"
    check_field_name(workspace, target, inverse, errors, key=inverse_key)
    if target.pk == obj.pk and inverse == name:
        add_error(errors, inverse_key, "must differ from the field's own name on the same object")
    # The MANY_TO_ONE side also takes its id field's name (companyId).
    for side_obj, side_name, side_kind, key in (
        (obj, name, kind, "name"),
        (target, inverse, inverse_kind, inverse_key),
    ):
        if side_kind == "MANY_TO_ONE" and isinstance(side_name, str) and key not in errors:
            check_field_name(workspace, side_obj, f"{side_name}Id", errors, key=key)
    if errors:
        return None
    source_field = _side(workspace, obj, name, label or name, kind, target, inverse, description or "", icon or "")
    target_field = _side(
        workspace, target, inverse, target_label or inverse, inverse_kind, obj, name, "", target_icon or ""
    )
    if target.pk == obj.pk:
        target_field.position = source_field.position + 1
    return source_field, target_field


def _side(
    workspace: Workspace,
    obj: ObjectMetadata,
    name: str,
    label: str,
    kind: str,
    target: ObjectMetadata,
    inverse: str,
    description: str,
    icon: str,
) -> FieldMetadata:
    settings: dict[str, Any] = {"relationType": kind, "targetObject": target.name_singular, "inverseField": inverse}
    if kind == "MANY_TO_ONE":
        settings["joinColumnName"] = f"{name}Id"
    position = (FieldMetadata.objects.filter(object=obj).aggregate(Max("position"))["position__max"] or 0) + 1
    return FieldMetadata(
        workspace=workspace,
        object=obj,
        name=name,
        label=label,
        description=description,
        icon=icon,
        type="RELATION",
        is_custom=True,
        is_nullable=True,
        settings=settings,
        position=position,
    )


def save_relation(source: FieldMetadata, target: FieldMetadata) -> None:
    source.save()
    target.save()
    for side in (source, target):
        custom_record_indexes.create_field_indexes(side)


def inverse_of(field: FieldMetadata) -> FieldMetadata | None:
    settings = field.settings or {}
    return (
        FieldMetadata.objects.select_related("object")
        .filter(
            workspace_id=field.workspace_id,
            type="RELATION",
            object__name_singular=settings.get("targetObject"),
            name=settings.get("inverseField"),
        )
        .first()
    )


def delete_relation(workspace: Workspace, field: FieldMetadata) -> None:
    """Delete both sides of a custom relation and the ids its records hold."""
    for side in filter(None, (field, inverse_of(field))):
        drop_stored_ids(workspace, side)
        custom_record_indexes.drop_field_indexes(side)
        side.delete()


def drop_stored_ids(workspace: Workspace, field: FieldMetadata) -> None:
    """Remove the related ids a MANY_TO_ONE relation field kept in its records."""
    settings = field.settings or {}
    join = settings.get("joinColumnName")
    if settings.get("relationType") != "MANY_TO_ONE" or not join:
        return

    def drop(custom: dict[str, Any]) -> bool:
        del custom[join]
        return True

    rewrite_custom_values(workspace, field.object, join, drop)


def camel_case(label: str) -> str:
    """A field name from a label, spelled as lodash spells it so that it passes Twenty's
    name check: "Main contacts" -> "mainContacts", "VIP contacts" -> "vipContacts"."""
    name = lodash_camel_case(label)
    return name if name[:1].isalpha() else ""
