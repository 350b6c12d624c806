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

from django.db import transaction
from django.db.models import F, Max

from crm.metadata.composite_types import COMPOSITE_TYPES
from crm.metadata.schema import _compile_field, get_workspace_schema
from crm.metadata.standard_objects import STANDARD_OBJECTS_BY_NAME
from crm.models import FieldMetadata, ObjectMetadata, Workspace
from crm.query.record_queries import UnknownObjectError
from crm.services.input_errors import InvalidInput
from crm.services.record_input import RecordValidationError, clean_record_input

CUSTOM_FIELD_TYPES = (
    "TEXT",
    "NUMBER",
    "BOOLEAN",
    "DATE_TIME",
    "DATE",
    "SELECT",
    "MULTI_SELECT",
    "CURRENCY",
    "LINKS",
    "EMAILS",
    "PHONES",
    "FULL_NAME",
    "ADDRESS",
)
OPTION_TYPES = frozenset({"SELECT", "MULTI_SELECT"})
NAME_RE = re.compile(r"^[a-z][a-zA-Z0-9]{0,62}$")
OPTION_VALUE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}$")
# Names with a meaning elsewhere in the APIs or in storage.
RESERVED_NAMES = frozenset(
    {"custom", "workspace", "workspaceId", "objectMetadata", "edges", "node", "cursor", "aggregate"}
)
MAX_OPTIONS = 200
MAX_LABEL = 63
# Option positions are plain sort keys; beyond this (or NaN, or infinite) they are noise.
MAX_POSITION = 1e15
MAX_DESCRIPTION = 1000
CREATE_KEYS = frozenset(
    {
        "objectMetadataId",
        "objectName",
        "name",
        "label",
        "type",
        "description",
        "icon",
        "options",
        "isNullable",
        "defaultValue",
    }
)
UPDATE_KEYS = frozenset({"name", "label", "description", "icon", "options", "isNullable", "defaultValue", "isActive"})
# Standard fields keep their behaviour; only how they are presented can change.
STANDARD_UPDATABLE = frozenset({"label", "description", "icon"})


class FieldMetadataError(InvalidInput):
    """Problems with a field definition, by key; nothing has been changed."""


class FieldNotFoundError(LookupError):
    pass


def get_object_metadata(workspace: Workspace, ref: Any) -> ObjectMetadata:
    """An object by id, singular or plural name."""
    if not isinstance(ref, str) or not ref:
        raise UnknownObjectError("Unknown object")
    if "\x00" in ref:
        raise UnknownObjectError("Unknown object: a name or id holds no NUL characters")
    queryset = ObjectMetadata.objects.filter(workspace=workspace)
    try:
        found = queryset.filter(id=uuid.UUID(ref)).first()
    except ValueError:
        found = queryset.filter(name_singular=ref).first() or queryset.filter(name_plural=ref).first()
    if found is None:
        raise UnknownObjectError(f"Unknown object '{ref[:60]}'")
    return found


def get_field(workspace: Workspace, field_id: Any) -> FieldMetadata:
    try:
        parsed = uuid.UUID(str(field_id))
    except ValueError:
        raise FieldNotFoundError(f"No field with id '{str(field_id)[:60]}'") from None
    found = FieldMetadata.objects.select_related("object").filter(workspace=workspace, id=parsed).first()
    if found is None:
        raise FieldNotFoundError(f"No field with id '{parsed}'")
    return found


def bump_metadata_version(workspace: Workspace) -> None:
    Workspace.objects.filter(pk=workspace.pk).update(metadata_version=F("metadata_version") + 1)
    workspace.refresh_from_db(fields=["metadata_version"])


@transaction.atomic
def create_custom_field(workspace: Workspace, data: Any) -> FieldMetadata:
    if not isinstance(data, dict):
        raise FieldMetadataError({"": ["Expected a JSON object describing the field."]})
    errors: dict[str, list[str]] = {}
    _unknown_keys(data, CREATE_KEYS, errors)
    obj = _target_object(workspace, data, errors)
    field_type = data.get("type")
    if field_type not in CUSTOM_FIELD_TYPES:
        _add(errors, "type", f"must be one of {', '.join(CUSTOM_FIELD_TYPES)}")
        field_type = None
    name = data.get("name")
    if obj is not None:
        _check_name(workspace, obj, name, errors)
    label = _text(data, "label", errors, required=True, max_length=MAX_LABEL)
    description = _text(data, "description", errors, max_length=MAX_DESCRIPTION)
    icon = _text(data, "icon", errors, max_length=63)
    is_nullable = _boolean(data, "isNullable", errors, default=True)
    options = None
    if field_type in OPTION_TYPES:
        options = _options(data.get("options"), errors)
    elif data.get("options") is not None:
        _add(errors, "options", "only SELECT and MULTI_SELECT fields have options")
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
        options=options,
        settings={},
        position=position,
    )
    field.default_value = _default_value(workspace, field, data.get("defaultValue"), errors)
    if errors:
        raise FieldMetadataError(errors)
    field.save()
    bump_metadata_version(workspace)
    return field


@transaction.atomic
def update_custom_field(workspace: Workspace, field_id: Any, data: Any) -> FieldMetadata:
    """Change a field's presentation; custom fields can also change name, options,
    nullability, default value and whether they are active."""
    field = get_field(workspace, field_id)
    if not isinstance(data, dict):
        raise FieldMetadataError({"": ["Expected a JSON object with the changes."]})
    errors: dict[str, list[str]] = {}
    _unknown_keys(data, UPDATE_KEYS, errors)
    if not field.is_custom:
        for key in data.keys() & (UPDATE_KEYS - STANDARD_UPDATABLE):
            _add(errors, key, "cannot be changed on a standard field")
    if "type" in data:
        _add(errors, "type", "cannot be changed; create a new field instead")
    if errors:
        raise FieldMetadataError(errors)
    old_name = field.name
    if "name" in data and data["name"] != field.name:
        _check_name(workspace, field.object, data["name"], errors)
        field.name = data["name"]
    if "label" in data:
        field.label = _text(data, "label", errors, required=True, max_length=MAX_LABEL)
    if "description" in data:
        field.description = _text(data, "description", errors, max_length=MAX_DESCRIPTION) or ""
    if "icon" in data:
        field.icon = _text(data, "icon", errors, max_length=63) or ""
    if "isNullable" in data:
        field.is_nullable = _boolean(data, "isNullable", errors, default=field.is_nullable)
    if "isActive" in data:
        field.is_active = _boolean(data, "isActive", errors, default=field.is_active)
    if "options" in data:
        if field.type in OPTION_TYPES:
            field.options = _options(data["options"], errors)
        else:
            _add(errors, "options", "only SELECT and MULTI_SELECT fields have options")
    if field.is_custom and not errors and ({"defaultValue", "options", "isNullable"} & data.keys()):
        wanted = data["defaultValue"] if "defaultValue" in data else field.default_value
        field.default_value = _default_value(workspace, field, wanted, errors)
    if errors:
        raise FieldMetadataError(errors)
    field.save()
    if field.name != old_name:
        _rename_stored_values(workspace, field.object, old_name, field.name)
    bump_metadata_version(workspace)
    return field


@transaction.atomic
def delete_custom_field(workspace: Workspace, field_id: Any) -> FieldMetadata:
    """Delete a custom field and its values; standard fields cannot be deleted."""
    field = get_field(workspace, field_id)
    if not field.is_custom:
        raise FieldMetadataError({"": [f"'{field.name}' is a standard field: standard fields cannot be deleted."]})
    _rename_stored_values(workspace, field.object, field.name, None)
    deleted_id = field.id
    field.delete()
    field.id = deleted_id
    bump_metadata_version(workspace)
    return field


def _rename_stored_values(workspace: Workspace, obj: ObjectMetadata, old: str, new: str | None) -> None:
    """Move (or with ``new=None`` drop) a custom value key in every record of the object."""
    model = STANDARD_OBJECTS_BY_NAME[obj.name_singular].model
    queryset = model.objects.filter(workspace=workspace, custom__has_key=old).only("id", "custom")
    batch = []
    for record in queryset.iterator(chunk_size=500):
        value = record.custom.pop(old)
        if new is not None:
            record.custom[new] = value
        batch.append(record)
        if len(batch) >= 500:
            model.objects.bulk_update(batch, ["custom"])
            batch = []
    if batch:
        model.objects.bulk_update(batch, ["custom"])


def _add(errors: dict[str, list[str]], key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def _unknown_keys(data: dict[str, Any], allowed: frozenset[str], errors: dict[str, list[str]]) -> None:
    for key in data:
        if key not in allowed:
            _add(errors, str(key)[:60], f"unknown property; expected {', '.join(sorted(allowed))}")


def _target_object(workspace: Workspace, data: dict[str, Any], errors: dict[str, list[str]]) -> ObjectMetadata | None:
    ref = data.get("objectMetadataId") or data.get("objectName")
    if ref is None:
        _add(errors, "objectMetadataId", "required (or objectName, e.g. 'person')")
        return None
    try:
        return get_object_metadata(workspace, ref)
    except UnknownObjectError:
        key = "objectMetadataId" if data.get("objectMetadataId") else "objectName"
        _add(errors, key, f"no object {str(ref)[:60]!r} in this workspace")
        return None


def _check_name(workspace: Workspace, obj: ObjectMetadata, name: Any, errors: dict[str, list[str]]) -> None:
    if not isinstance(name, str) or not NAME_RE.match(name):
        _add(errors, "name", "must be a camelCase identifier: a lowercase letter, then letters and digits (max 63)")
        return
    compiled = get_workspace_schema(workspace).by_singular(obj.name_singular)
    taken = name in RESERVED_NAMES or (compiled is not None and name in compiled.fields)
    if taken or FieldMetadata.objects.filter(object=obj, name=name).exists():
        _add(errors, "name", f"'{name}' is already used on {obj.name_singular}")


def _text(
    data: dict[str, Any], key: str, errors: dict[str, list[str]], *, required: bool = False, max_length: int
) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            _add(errors, key, "required")
        return None
    if not isinstance(value, str):
        _add(errors, key, "must be a string")
        return None
    value = value.strip()
    if required and not value:
        _add(errors, key, "must not be blank")
    if len(value) > max_length:
        _add(errors, key, f"is too long (at most {max_length} characters)")
    if "\x00" in value:
        _add(errors, key, "must not contain NUL characters")
    return value


def _boolean(data: dict[str, Any], key: str, errors: dict[str, list[str]], *, default: bool) -> bool:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        _add(errors, key, "must be true or false")
        return default
    return value


def _options(value: Any, errors: dict[str, list[str]]) -> list[dict[str, Any]] | None:
    if not isinstance(value, list) or not value:
        _add(errors, "options", "required: a non-empty list of {value, label, color?}")
        return None
    if len(value) > MAX_OPTIONS:
        _add(errors, "options", f"at most {MAX_OPTIONS} options")
        return None
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, option in enumerate(value):
        where = f"options[{index}]"
        if not isinstance(option, dict):
            _add(errors, where, "must be an object with value, label and optionally color, position, id")
            continue
        unknown = set(option) - {"id", "value", "label", "color", "position"}
        if unknown:
            _add(errors, where, f"unknown property {sorted(unknown)[0]!r}")
        option_value = option.get("value")
        if not isinstance(option_value, str) or not OPTION_VALUE_RE.match(option_value):
            _add(errors, f"{where}.value", "must be letters, digits, '_' or '-' (max 63), e.g. IN_PROGRESS")
            continue
        if option_value in seen:
            _add(errors, f"{where}.value", f"{option_value!r} appears twice")
        seen.add(option_value)
        label = option.get("label", option_value)
        color = option.get("color", "gray")
        position = option.get("position", index)
        option_id = option.get("id") or str(uuid.uuid4())
        if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL or "\x00" in label:
            _add(errors, f"{where}.label", f"must be a non-blank string of at most {MAX_LABEL} characters, no NUL")
        if not isinstance(color, str) or len(color) > 20 or "\x00" in color:
            _add(errors, f"{where}.color", "must be a color name such as green")
        if isinstance(position, bool) or not isinstance(position, int | float) or not abs(position) < MAX_POSITION:
            _add(errors, f"{where}.position", "must be a number")
        if not isinstance(option_id, str) or len(option_id) > 63 or "\x00" in option_id:
            _add(errors, f"{where}.id", "must be a string")
        cleaned.append({"id": option_id, "value": option_value, "label": label, "color": color, "position": position})
    return cleaned


def _default_value(workspace: Workspace, field: FieldMetadata, value: Any, errors: dict[str, list[str]]) -> Any:
    """Validate a default as if it were written to a record, and store it normalised."""
    if errors:
        return None
    if value is None:
        if not field.is_nullable:
            _add(errors, "defaultValue", "required when isNullable is false (existing records need a value)")
        return None
    model = STANDARD_OBJECTS_BY_NAME[field.object.name_singular].model
    compiled_fields = _compile_field(field, model)
    compiled = get_workspace_schema(workspace).by_singular(field.object.name_singular)
    assert compiled is not None
    probe = type(compiled)(
        id=compiled.id,
        name_singular=compiled.name_singular,
        name_plural=compiled.name_plural,
        label_singular=compiled.label_singular,
        label_plural=compiled.label_plural,
        description=compiled.description,
        model=compiled.model,
        fields={f.name: f for f in compiled_fields},
    )
    try:
        cleaned = clean_record_input(probe, {field.name: value}, creating=True)
    except RecordValidationError as error:
        for key, messages in error.errors.items():
            sub = key.partition(".")[2]
            for message in messages:
                _add(errors, f"defaultValue.{sub}" if sub else "defaultValue", message)
        return None
    stored = cleaned.custom.get(field.name)
    if field.type in COMPOSITE_TYPES and isinstance(stored, dict):
        stored = {sub.name: stored.get(sub.name) for sub in compiled_fields[0].subfields}
    return stored
