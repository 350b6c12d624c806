"""Custom objects: creating, changing, deactivating and deleting them.

The REST (``/rest/metadata/objects``) and GraphQL (``createOneObject``, ...) metadata
APIs call these with Twenty's inputs (``nameSingular``, ``namePlural``,
``labelSingular``, ``labelPlural``, ``description``, ``icon``). Every change bumps the
workspace's metadata version, so the next request of every process serves the object
in REST, GraphQL, OpenAPI, webhooks and the record pages.

Design: the records of every custom object live in one shared table
(``CustomRecord``), told apart by ``object_id``, with all values but the system
columns in the JSONB ``custom`` column, where custom fields of standard objects
already live. Creating an object is then a metadata change only: no migration runs
while the app serves requests, no table is created per object (PostgreSQL handles
millions of rows in one table better than thousands of tables, and backups and
migrations of the app stay the same for every workspace), and every query path of
the standard objects (filters, cursors, depth, bulk writes) serves custom objects
once it reads the table through ``crm.query.object_scope``. Filters and orders use
per-field expression indexes, partial on the object (crm.services.custom_record_indexes).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.db.models import Q

from crm.metadata.standard_objects import SYSTEM_FIELDS, FieldSpec
from crm.models import FieldMetadata, ObjectMetadata, Workspace
from crm.query.live_counts import forget_custom_object
from crm.query.object_scope import metadata_rows
from crm.services import custom_record_indexes
from crm.services.input_errors import InvalidInput
from crm.services.metadata_rules import (
    MAX_DESCRIPTION,
    MAX_LABEL,
    TWENTY_RESERVED_NAMES,
    Errors,
    add_error,
    apply_description_and_icon,
    bump_metadata_version,
    clean_boolean,
    clean_text,
    get_object_metadata,
    name_problem,
    not_available,
    unknown_keys,
)
from crm.services.object_changes import ObjectChange, announce
from crm.services.relation_fields import drop_stored_ids, relation_sides, save_relation
from crm.services.workspaces import field_rows

# Sent by Twenty's clients; accepted and ignored (there is no label syncing or shortcut here).
IGNORED_KEYS = frozenset({"isLabelSyncedWithName", "shortcut"})
_LABEL_KEYS = ("labelSingular", "labelPlural")
CREATE_KEYS = frozenset({"nameSingular", "namePlural", *_LABEL_KEYS, "description", "icon"})
# The fields that name and picture a record: Twenty's clients set them on an object.
IDENTIFIER_KEYS = {
    "labelIdentifierFieldMetadataId": "label_identifier_field",
    "imageIdentifierFieldMetadataId": "image_identifier_field",
}
# The types a record can be named by, as in Twenty.
LABEL_IDENTIFIER_TYPES = frozenset({"TEXT", "FULL_NAME", "NUMBER", "UUID"})
UPDATE_KEYS = CREATE_KEYS | {"isActive", *IDENTIFIER_KEYS}
# What a standard object lets change: how it is presented.
STANDARD_UPDATABLE = frozenset({"labelSingular", "labelPlural", "description", "icon", *IDENTIFIER_KEYS})

# The targets that link notes and tasks to records, with the name and label of the list
# of them each custom object record gets.
NOTE_AND_TASK_TARGETS = {"noteTarget": ("noteTargets", "Notes"), "taskTarget": ("taskTargets", "Tasks")}

# The field every custom object starts with besides the system fields, as in Twenty.
NAME_FIELD = FieldSpec("name", "Name", "TEXT", "Name")

# Names taken by the APIs themselves: routes next to /rest/{namePlural}, root fields and
# objects of the metadata API, and things a workspace is made of.
RESERVED_OBJECT_NAMES = frozenset(
    {
        "batch",
        "restore",
        "metadata",
        "openApi",
        "graphql",
        "rest",
        "core",
        "webhook",
        "webhooks",
        "object",
        "objects",
        "field",
        "fields",
        "relation",
        "relations",
        "picklist",
        "picklists",
        "user",
        "users",
        "workspace",
        "workspaces",
        "workspaceMember",
        "workspaceMembers",
        "apiKey",
        "apiKeys",
        "event",
        "events",
        "delivery",
        "deliveries",
        "query",
        "mutation",
        "subscription",
        "custom",
        "record",
        "records",
        # GraphQL's search across objects: its root field and types.
        "search",
        "searchRecord",
        "searchResult",
        "searchResultPageInfo",
        "objectRecord",
    }
)
# GraphQL types every workspace schema has; an object named so would replace them.
RESERVED_TYPE_NAMES = frozenset(
    {
        "PageInfo",
        "WorkspaceMember",
        "FullName",
        "Emails",
        "Phones",
        "Links",
        "Currency",
        "Address",
        "Actor",
        "OrderByDirection",
        "FilterIs",
        "Query",
        "Mutation",
        "Subscription",
        "String",
        "Int",
        "Float",
        "Boolean",
        "ID",
        "UUID",
        "DateTime",
        "Date",
        "BigFloat",
        "JSON",
        "RawJSON",
    }
)
# Each object's GraphQL types are its name plus these suffixes.
RESERVED_SUFFIXES = (
    "Edge",
    "Connection",
    "Filter",
    "FilterInput",
    "OrderByInput",
    "CreateInput",
    "UpdateInput",
    "Enum",
)


class ObjectMetadataError(InvalidInput):
    """Problems with an object definition, by key; nothing has been changed."""


class ObjectHasRecordsError(InvalidInput):
    """Deleting an object that still has records needs the caller's confirmation."""


@transaction.atomic
def create_object(workspace: Workspace, data: Any) -> ObjectMetadata:
    """A new custom object with its default fields, live at once in every API."""
    if not isinstance(data, dict):
        raise ObjectMetadataError({"": ["Expected a JSON object describing the object."]})
    errors: Errors = {}
    unknown_keys({k: v for k, v in data.items() if k not in IGNORED_KEYS}, CREATE_KEYS, errors)
    singular, plural = _names(workspace, data, errors, required=True)
    labels = {key: clean_text(data, key, errors, required=True, max_length=MAX_LABEL) for key in _LABEL_KEYS}
    description = clean_text(data, "description", errors, max_length=MAX_DESCRIPTION)
    icon = clean_text(data, "icon", errors, max_length=63)
    if errors:
        raise ObjectMetadataError(errors)
    obj = ObjectMetadata.objects.create(
        workspace=workspace,
        name_singular=singular,
        name_plural=plural,
        label_singular=labels["labelSingular"],
        label_plural=labels["labelPlural"],
        description=description or "",
        icon=icon or "",
        is_custom=True,
    )
    fields = FieldMetadata.objects.bulk_create(field_rows(workspace, obj, (*SYSTEM_FIELDS, NAME_FIELD)))
    for field in fields:
        custom_record_indexes.create_field_indexes(field)
    _relate_to_notes_and_tasks(workspace, obj)
    bump_metadata_version(workspace)
    return obj


def _relate_to_notes_and_tasks(workspace: Workspace, obj: ObjectMetadata) -> None:
    """As in Twenty, a note or task may be about a record of any custom object: its
    target (``noteTarget.project``, ``projectId``) points at the record, and the record
    lists them (``project.noteTargets``)."""
    for target_object, (inverse, label) in NOTE_AND_TASK_TARGETS.items():
        errors: Errors = {}
        payload = {"targetObjectMetadataId": str(obj.id), "type": "MANY_TO_ONE", "targetFieldName": inverse}
        sides = relation_sides(
            workspace,
            get_object_metadata(workspace, target_object),
            {"name": obj.name_singular, "label": obj.label_singular, "relationCreationPayload": payload},
            errors,
        )
        if sides is None:
            message = f"{target_object} already has a field named '{obj.name_singular}': choose another name"
            raise ObjectMetadataError({"nameSingular": [message]})
        source, target = sides
        target.label = label
        save_relation(source, target)


@transaction.atomic
def update_object(workspace: Workspace, ref: Any, data: Any) -> ObjectMetadata:
    """Change labels, description or icon; custom objects can also be renamed and
    deactivated (an inactive object leaves the APIs and keeps its records)."""
    obj = get_object_metadata(workspace, ref)
    if not isinstance(data, dict):
        raise ObjectMetadataError({"": ["Expected a JSON object with the changes."]})
    errors: Errors = {}
    unknown_keys({k: v for k, v in data.items() if k not in IGNORED_KEYS}, UPDATE_KEYS, errors)
    if not obj.is_custom:
        for key in sorted(data.keys() & (UPDATE_KEYS - STANDARD_UPDATABLE)):
            add_error(errors, key, "cannot be changed on a standard object")
    if errors:
        raise ObjectMetadataError(errors)
    old_singular = obj.name_singular
    if "nameSingular" in data or "namePlural" in data:
        wanted = {"nameSingular": obj.name_singular, "namePlural": obj.name_plural, **data}
        singular, plural = _names(workspace, wanted, errors, required=True, renaming=obj)
        obj.name_singular, obj.name_plural = singular or obj.name_singular, plural or obj.name_plural
    for key, attr in (("labelSingular", "label_singular"), ("labelPlural", "label_plural")):
        if key in data:
            setattr(obj, attr, clean_text(data, key, errors, required=True, max_length=MAX_LABEL))
    apply_description_and_icon(obj, data, errors)
    if "isActive" in data:
        obj.is_active = clean_boolean(data, "isActive", errors, default=obj.is_active)
    for key, attr in IDENTIFIER_KEYS.items():
        if key in data:
            setattr(obj, attr, _identifier_field(obj, key, data[key], errors))
    if errors:
        raise ObjectMetadataError(errors)
    obj.save()
    if obj.name_singular != old_singular:
        _follow_rename(workspace, old_singular, obj.name_singular)
    bump_metadata_version(workspace)
    return obj


def _identifier_field(obj: ObjectMetadata, key: str, value: Any, errors: Errors) -> FieldMetadata | None:
    """The field of ``obj`` that ``value`` (a field id, or null for the default) names."""
    if value is None:
        return None
    try:
        field_id = uuid.UUID(str(value))
    except ValueError:
        add_error(errors, key, "must be the id of one of the object's fields, or null")
        return None
    field = FieldMetadata.objects.filter(object=obj, id=field_id).first()
    if field is None:
        add_error(errors, key, f"{obj.name_singular} has no field with id '{field_id}'")
    elif key == "labelIdentifierFieldMetadataId" and field.type not in LABEL_IDENTIFIER_TYPES:
        add_error(errors, key, f"a record is named by a field of type {', '.join(sorted(LABEL_IDENTIFIER_TYPES))}")
    return field


@transaction.atomic
def delete_object(workspace: Workspace, ref: Any, *, force: bool = False) -> ObjectMetadata:
    """Delete a custom object with its fields, the relations that point to it, its rows
    and the webhook operations that name it, all or nothing. An active object that still
    has records (soft-deleted ones included) is deleted only with ``force``; an inactive
    one is deleted as it is, as Twenty deletes an object once it is deactivated."""
    obj = get_object_metadata(workspace, ref)
    if not obj.is_custom:
        raise ObjectMetadataError({"": [f"'{obj.name_singular}' is a standard object: it cannot be deleted."]})
    count = record_count(workspace, obj) if obj.is_active else 0
    if count and not force:
        noun = "record" if count == 1 else "records"
        raise ObjectHasRecordsError(
            {
                "": [
                    f"'{obj.name_singular}' has {count} {noun}: deleting it deletes them for good. "
                    "Confirm with ?force=true (REST) or force: true (GraphQL), or deactivate it instead "
                    "(isActive: false keeps its records)."
                ]
            }
        )
    # Relation fields of other objects that point here, and the ids they hold.
    for field in (
        FieldMetadata.objects.filter(workspace=workspace, type="RELATION", settings__targetObject=obj.name_singular)
        .exclude(object=obj)
        .select_related("object")
    ):
        drop_stored_ids(workspace, field)
        custom_record_indexes.drop_field_indexes(field)
        field.delete()
    metadata_rows(obj).filter(workspace=workspace).delete()
    forget_custom_object(workspace, obj.id)
    custom_record_indexes.drop_object_indexes(obj)
    announce(ObjectChange(workspace, "deleted", obj.name_singular))
    deleted_id = obj.id
    obj.delete()
    obj.id = deleted_id
    bump_metadata_version(workspace)
    return obj


def _follow_rename(workspace: Workspace, old: str, new: str) -> None:
    """Relations name their target object by singular name; so do webhook operations."""
    pointing = FieldMetadata.objects.filter(workspace=workspace, type="RELATION", settings__targetObject=old)
    for field in pointing:
        field.settings = {**field.settings, "targetObject": new}
        field.save(update_fields=["settings", "updated_at"])
    announce(ObjectChange(workspace, "renamed", old, new))


def _names(
    workspace: Workspace,
    data: dict[str, Any],
    errors: Errors,
    *,
    required: bool,
    renaming: ObjectMetadata | None = None,
) -> tuple[str | None, str | None]:
    """Checked nameSingular and namePlural: camelCase, distinct, not reserved, and free
    among the workspace's objects (a singular may not be another object's plural either:
    GraphQL has a root field for each)."""
    names: dict[str, str | None] = {}
    for key in ("nameSingular", "namePlural"):
        value = clean_text(data, key, errors, required=required, max_length=63)
        if value is None or key in errors:
            names[key] = None
            continue
        if problem := name_problem(value):
            add_error(errors, key, problem)
        elif value in TWENTY_RESERVED_NAMES:
            add_error(errors, key, not_available(value))
        elif _reserved(value):
            add_error(errors, key, f"'{value}' is reserved: the APIs use this name; choose another one")
        names[key] = value if key not in errors else None
    singular, plural = names["nameSingular"], names["namePlural"]
    if singular and plural and singular == plural:
        add_error(errors, "namePlural", "must differ from nameSingular (the APIs have a name for one and for many)")
        return None, None
    others = ObjectMetadata.objects.filter(workspace=workspace)
    if renaming is not None:
        others = others.exclude(pk=renaming.pk)
    for key, value in names.items():
        if value and others.filter(Q(name_singular=value) | Q(name_plural=value)).exists():
            add_error(errors, key, f"'{value}' is already the name of an object in this workspace")
    return singular, plural


def _reserved(name: str) -> bool:
    type_name = name[0].upper() + name[1:]
    return (
        name in RESERVED_OBJECT_NAMES
        or type_name in RESERVED_TYPE_NAMES
        or any(type_name.endswith(suffix) for suffix in RESERVED_SUFFIXES)
    )


def record_count(workspace: Workspace, obj: ObjectMetadata) -> int:
    """Records of an object, soft-deleted ones included."""
    return metadata_rows(obj).filter(workspace=workspace).count()
