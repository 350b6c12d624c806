"""Custom fields: creating, changing and deleting them.

The REST and GraphQL metadata APIs both call these with API-shaped dicts
(``{"objectName": "person", "name": "tier", "label": "Tier", "type": "SELECT", ...}``).
Every change bumps ``workspace.metadata_version``, so the compiled schema (and with
it REST, GraphQL, filters, ordering and OpenAPI) includes the change on the next
request. Custom values live in each record's ``custom`` JSON keyed by field name,
so renaming or deleting a field rewrites that key in the stored records.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import orjson
from django.db import transaction
from django.db.models import Max

from crm.metadata import default_spelling
from crm.metadata.composite_types import COMPOSITE_TYPES
from crm.metadata.schema import CompiledObject, _compile_field, model_of
from crm.models import FieldMetadata, ObjectMetadata, Workspace
from crm.query.record_queries import UnknownObjectError
from crm.services import custom_record_indexes, option_changes
from crm.services.input_errors import InvalidInput
from crm.services.metadata_rules import (
    MAX_DESCRIPTION,
    MAX_LABEL,
    Errors,
    add_error,
    apply_description_and_icon,
    bump_metadata_version,
    check_field_name,
    clean_boolean,
    clean_text,
    get_object_metadata,
    unknown_keys,
)
from crm.services.record_input import RecordValidationError, clean_record_input
from crm.services.relation_fields import delete_relation, relation_sides, save_relation
from crm.services.stored_custom_values import rewrite_custom_values

CUSTOM_FIELD_TYPES = (
    "TEXT",
    "NUMBER",
    "BOOLEAN",
    "DATE_TIME",
    "DATE",
    "SELECT",
    "MULTI_SELECT",
    "RATING",
    "CURRENCY",
    "LINKS",
    "EMAILS",
    "PHONES",
    "FULL_NAME",
    "ADDRESS",
    "RELATION",
)
OPTION_TYPES = frozenset({"SELECT", "MULTI_SELECT"})
# A rating's options, as Twenty makes them: values RATING_1 to RATING_5, labels 1 to 5.
RATING_VALUES = tuple(f"RATING_{stars}" for stars in range(1, 6))
OPTION_VALUE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}$")
MAX_OPTIONS = 200
# Option positions are plain sort keys; beyond this (or NaN, or infinite) they are noise.
MAX_POSITION = 1e15
# Flags Twenty's clients send on field writes. Accepted with the one value that holds
# here (no field is unique or a system field once created through the API), and labels
# and names are never synced, so isLabelSyncedWithName is accepted either way.
TWENTY_FLAGS = ("isLabelSyncedWithName", "isSystem", "isUnique")
# What both a new field and a change may set.
WRITABLE_KEYS = frozenset(
    {
        "name",
        "label",
        "description",
        "icon",
        "options",
        "isNullable",
        "defaultValue",
        "isActive",
        "settings",
        *TWENTY_FLAGS,
    }
)
CREATE_KEYS = WRITABLE_KEYS | {
    "objectMetadataId",
    "objectName",
    "type",
    "isCustom",
    "isRemoteCreation",
    "relationCreationPayload",
}
UPDATE_KEYS = WRITABLE_KEYS
# Standard fields keep their behaviour; only how they are presented can change.
STANDARD_UPDATABLE = frozenset({"label", "description", "icon", "isLabelSyncedWithName"})
MAX_SETTINGS_CHARS = 2000


class FieldMetadataError(InvalidInput):
    """Problems with a field definition, by key; nothing has been changed."""


class FieldNotFoundError(LookupError):
    pass


def get_field(workspace: Workspace, field_id: Any) -> FieldMetadata:
    try:
        parsed = uuid.UUID(str(field_id))
    except ValueError:
        raise FieldNotFoundError(f"No field with id '{str(field_id)[:60]}'") from None
    found = FieldMetadata.objects.select_related("object").filter(workspace=workspace, id=parsed).first()
    if found is None:
        raise FieldNotFoundError(f"No field with id '{parsed}'")
    return found


@transaction.atomic
def create_custom_field(workspace: Workspace, data: Any) -> FieldMetadata:
    if not isinstance(data, dict):
        raise FieldMetadataError({"": ["Expected a JSON object describing the field."]})
    errors: dict[str, list[str]] = {}
    unknown_keys(data, CREATE_KEYS, errors)
    obj = _target_object(workspace, data, errors)
    field_type = data.get("type")
    if field_type not in CUSTOM_FIELD_TYPES:
        add_error(errors, "type", f"must be one of {', '.join(CUSTOM_FIELD_TYPES)}")
        field_type = None
    if field_type == "RELATION" and obj is not None:
        return _create_relation(workspace, obj, data, errors)
    if data.get("relationCreationPayload") is not None:
        add_error(errors, "relationCreationPayload", "only RELATION fields have one")
    name = data.get("name")
    if obj is not None:
        check_field_name(workspace, obj, name, errors)
    label = clean_text(data, "label", errors, required=True, max_length=MAX_LABEL)
    description = clean_text(data, "description", errors, max_length=MAX_DESCRIPTION)
    icon = clean_text(data, "icon", errors, max_length=63)
    is_nullable = clean_boolean(data, "isNullable", errors, default=True)
    is_active = clean_boolean(data, "isActive", errors, default=True)
    _check_flags(data, errors, creating=True)
    settings = _settings(data.get("settings"), field_type, errors)
    options = None
    if field_type in OPTION_TYPES:
        options = _options(data.get("options"), errors)
    elif field_type == "RATING":
        options = _rating_options(data.get("options"), errors)
    elif data.get("options") is not None:
        add_error(errors, "options", "only SELECT and MULTI_SELECT fields have options")
    if errors:
        raise FieldMetadataError(errors)
    assert obj is not None and field_type is not None
    position = (FieldMetadata.objects.filter(object=obj).aggregate(Max("position"))["position__max"] or 0) + 1
    field = FieldMetadata(
        workspace=workspace,
        object=obj,
        name=name,
        label=label,
        description=description or "",
        icon=icon or "",
        type=field_type,
        is_custom=True,
        is_nullable=is_nullable,
        is_active=is_active,
        options=options,
        settings=settings,
        position=position,
    )
    field.default_value = _default_value(workspace, field, data.get("defaultValue"), errors)
    if errors:
        raise FieldMetadataError(errors)
    field.save()
    custom_record_indexes.create_field_indexes(field)
    bump_metadata_version(workspace)
    return field


def _create_relation(workspace: Workspace, obj: ObjectMetadata, data: dict[str, Any], errors: Errors) -> FieldMetadata:
    sides = relation_sides(workspace, obj, data, errors)
    if errors or sides is None:
        raise FieldMetadataError(errors)
    save_relation(*sides)
    bump_metadata_version(workspace)
    return sides[0]


@transaction.atomic
def update_custom_field(workspace: Workspace, field_id: Any, data: Any) -> FieldMetadata:
    """Change a field's presentation; custom fields can also change name, options,
    nullability, default value and whether they are active."""
    field = get_field(workspace, field_id)
    if not isinstance(data, dict):
        raise FieldMetadataError({"": ["Expected a JSON object with the changes."]})
    errors: dict[str, list[str]] = {}
    unknown_keys(data, UPDATE_KEYS, errors)
    if not field.is_custom:
        for key in data.keys() & (UPDATE_KEYS - STANDARD_UPDATABLE):
            add_error(errors, key, "cannot be changed on a standard field")
    if "type" in data:
        add_error(errors, "type", "cannot be changed; create a new field instead")
    if field.type == "RELATION":
        for key in sorted(data.keys() & (UPDATE_KEYS - STANDARD_UPDATABLE)):
            add_error(errors, key, "cannot be changed on a relation: delete it and create another")
    if errors:
        raise FieldMetadataError(errors)
    old_name = field.name
    if "name" in data and data["name"] != field.name:
        check_field_name(workspace, field.object, data["name"], errors)
        field.name = data["name"]
    if "label" in data:
        field.label = clean_text(data, "label", errors, required=True, max_length=MAX_LABEL)
    apply_description_and_icon(field, data, errors)
    if "isNullable" in data:
        field.is_nullable = clean_boolean(data, "isNullable", errors, default=field.is_nullable)
    if "isActive" in data:
        field.is_active = clean_boolean(data, "isActive", errors, default=field.is_active)
    _check_flags(data, errors, creating=False)
    if "settings" in data and field.is_custom:
        field.settings = _settings(data["settings"], field.type, errors)
    changes: option_changes.ValueChanges = {}
    if "options" in data:
        if field.type in OPTION_TYPES:
            old_options, field.options = field.options, _options(data["options"], errors)
            if field.options is not None:
                changes = option_changes.value_changes(old_options, field.options)
        else:
            add_error(errors, "options", "only SELECT and MULTI_SELECT fields have options")
    if field.is_custom and not errors and ({"defaultValue", "options", "isNullable"} & data.keys()):
        if "defaultValue" in data:
            wanted = data["defaultValue"]
        else:
            wanted = option_changes.changed_value(field.type, field.default_value, changes)
        field.default_value = _default_value(workspace, field, wanted, errors)
    if errors:
        raise FieldMetadataError(errors)
    if field.name != old_name:
        custom_record_indexes.drop_field_indexes(FieldMetadata(object=field.object, name=old_name, type=field.type))
    field.save()
    if field.name != old_name:
        _rename_stored_values(workspace, field.object, old_name, field.name)
        custom_record_indexes.create_field_indexes(field)
    option_changes.apply_to_records(workspace, field, changes)
    bump_metadata_version(workspace)
    return field


@transaction.atomic
def delete_custom_field(workspace: Workspace, field_id: Any) -> FieldMetadata:
    """Delete a custom field and its values; standard fields cannot be deleted."""
    field = get_field(workspace, field_id)
    if not field.is_custom:
        raise FieldMetadataError({"": [f"'{field.name}' is a standard field: standard fields cannot be deleted."]})
    if field.type == "RELATION":
        deleted_id = field.id
        delete_relation(workspace, field)
        field.id = deleted_id
        bump_metadata_version(workspace)
        return field
    _rename_stored_values(workspace, field.object, field.name, None)
    custom_record_indexes.drop_field_indexes(field)
    deleted_id = field.id
    field.delete()
    field.id = deleted_id
    bump_metadata_version(workspace)
    return field


def _rename_stored_values(workspace: Workspace, obj: ObjectMetadata, old: str, new: str | None) -> None:
    """Move (or with ``new=None`` drop) a custom value key in every record of the object."""

    def rename(custom: dict[str, Any]) -> bool:
        value = custom.pop(old)
        if new is not None:
            custom[new] = value
        return True

    rewrite_custom_values(workspace, obj, old, rename)


def _target_object(workspace: Workspace, data: dict[str, Any], errors: dict[str, list[str]]) -> ObjectMetadata | None:
    ref = data.get("objectMetadataId") or data.get("objectName")
    if ref is None:
        add_error(errors, "objectMetadataId", "required (or objectName, e.g. 'person')")
        return None
    try:
        return get_object_metadata(workspace, ref)
    except UnknownObjectError:
        key = "objectMetadataId" if data.get("objectMetadataId") else "objectName"
        add_error(errors, key, f"no object {str(ref)[:60]!r} in this workspace")
        return None


def _check_flags(data: dict[str, Any], errors: dict[str, list[str]], *, creating: bool) -> None:
    """Twenty's flags: booleans, each with the value that holds for a field written here."""
    holds = {"isSystem": False, "isUnique": False}
    if creating:
        holds.update({"isCustom": True, "isRemoteCreation": False})
    for key in (*TWENTY_FLAGS, *holds):
        if data.get(key) is None:
            continue
        if not isinstance(data[key], bool):
            add_error(errors, key, "must be true or false")
        elif key in holds and data[key] != holds[key]:
            add_error(errors, key, FLAG_REFUSALS[key])


FLAG_REFUSALS = {
    "isSystem": "must be false: system fields are maintained by the CRM itself",
    "isUnique": "must be false: custom fields cannot be unique",
    "isCustom": "must be true: a field created through the API is a custom field",
    "isRemoteCreation": "must be false: there are no remote objects",
}


def _settings(value: Any, field_type: str | None, errors: dict[str, list[str]]) -> dict[str, Any]:
    """Type-specific settings: NUMBER's dataType (int or float) and TEXT's maxLength are
    enforced on record values; other entries (display hints) are kept as given."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        add_error(errors, "settings", 'must be an object, e.g. {"dataType": "int"}')
        return {}
    if len(orjson.dumps(value)) > MAX_SETTINGS_CHARS:
        add_error(errors, "settings", f"is too large (at most {MAX_SETTINGS_CHARS} characters of JSON)")
        return {}
    if "dataType" in value and (field_type != "NUMBER" or value["dataType"] not in ("int", "float")):
        add_error(errors, "settings.dataType", "applies to NUMBER fields only: int or float")
    max_length = value.get("maxLength")
    if "maxLength" in value and (
        field_type != "TEXT" or isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1
    ):
        add_error(errors, "settings.maxLength", "applies to TEXT fields only: a whole number of characters, at least 1")
    return value


def _options(value: Any, errors: dict[str, list[str]]) -> list[dict[str, Any]] | None:
    """A picklist's options, checked as Twenty checks them: values of letters, digits,
    ``_`` and ``-``, labels without commas (both trimmed), ids that are UUIDs, and no
    value, id or position twice. A missing label is the value; a missing id a new one."""
    if not isinstance(value, list) or not value:
        add_error(errors, "options", "required: a non-empty list of {value, label, color?}")
        return None
    if len(value) > MAX_OPTIONS:
        add_error(errors, "options", f"at most {MAX_OPTIONS} options")
        return None
    cleaned: list[dict[str, Any]] = []
    seen: dict[str, set[Any]] = {"value": set(), "id": set(), "position": set()}
    for index, option in enumerate(value):
        where = f"options[{index}]"
        if not isinstance(option, dict):
            add_error(errors, where, "must be an object with value, label and optionally color, position, id")
            continue
        unknown = set(option) - {"id", "value", "label", "color", "position"}
        if unknown:
            add_error(errors, where, f"unknown property {sorted(unknown)[0]!r}")
        option_value = option.get("value")
        option_value = option_value.strip() if isinstance(option_value, str) else option_value
        if not isinstance(option_value, str) or not OPTION_VALUE_RE.match(option_value):
            add_error(errors, f"{where}.value", "must be letters, digits, '_' or '-' (max 63), e.g. IN_PROGRESS")
            continue
        label = option.get("label", option_value)
        label = " ".join(label.split()) if isinstance(label, str) else label
        color = option.get("color", "gray")
        position = option.get("position", index)
        option_id = option.get("id") or str(uuid.uuid4())
        if not isinstance(label, str) or not label or len(label) > MAX_LABEL or "\x00" in label or "," in label:
            add_error(errors, f"{where}.label", f"must be a non-blank text of at most {MAX_LABEL} characters, no comma")
        if not isinstance(color, str) or len(color) > 20 or "\x00" in color:
            add_error(errors, f"{where}.color", "must be a color name such as green")
        if isinstance(position, bool) or not isinstance(position, int | float) or not abs(position) < MAX_POSITION:
            add_error(errors, f"{where}.position", "must be a number")
        if not _is_uuid(option_id):
            add_error(errors, f"{where}.id", "must be a UUID (or left out for a new option)")
        for key, given in (("value", option_value), ("id", option_id), ("position", position)):
            if isinstance(given, str | int | float) and given in seen[key]:
                add_error(errors, f"{where}.{key}", f"{given!r} is also another option's {key}")
            seen[key].add(given if isinstance(given, str | int | float) else None)
        cleaned.append({"id": option_id, "value": option_value, "label": label, "color": color, "position": position})
    return cleaned


def _rating_options(value: Any, errors: Errors) -> list[dict[str, Any]] | None:
    """A rating's five options; sent ones (as Twenty's clients may send them) must be those."""
    if value is None:
        return [
            {"id": str(uuid.uuid4()), "value": rating, "label": str(index + 1), "position": index}
            for index, rating in enumerate(RATING_VALUES)
        ]
    options = _options(value, errors)
    if options is not None and sorted(option["value"] for option in options) != list(RATING_VALUES):
        add_error(errors, "options", f"a RATING field's options are {', '.join(RATING_VALUES)}")
    return options


def _is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _default_value(workspace: Workspace, field: FieldMetadata, value: Any, errors: dict[str, list[str]]) -> Any:
    """Validate a default as if it were written to a record, and store it normalised:
    the value a new record gets, or ``now`` for a date that is the moment of creation."""
    if errors:
        return None
    value = default_spelling.unquoted(value)
    if default_spelling.is_function(field.type, value):
        return value
    if value is None:
        if not field.is_nullable:
            add_error(errors, "defaultValue", "required when isNullable is false (existing records need a value)")
        return None
    compiled_fields = _compile_field(field, model_of(field.object), in_custom_object=field.object.is_custom)
    probe = CompiledObject(
        id=str(field.object.id),
        name_singular=field.object.name_singular,
        name_plural=field.object.name_plural,
        label_singular=field.object.label_singular,
        label_plural=field.object.label_plural,
        description=field.object.description,
        model=model_of(field.object),
        fields={f.name: f for f in compiled_fields},
        is_custom=field.object.is_custom,
    )
    try:
        cleaned = clean_record_input(probe, {field.name: value}, creating=True)
    except RecordValidationError as error:
        for key, messages in error.errors.items():
            sub = key.partition(".")[2]
            for message in messages:
                add_error(errors, f"defaultValue.{sub}" if sub else "defaultValue", message)
        return None
    stored = cleaned.custom.get(field.name)
    if field.type in COMPOSITE_TYPES and isinstance(stored, dict):
        stored = {sub.name: stored.get(sub.name) for sub in compiled_fields[0].subfields}
    return stored
