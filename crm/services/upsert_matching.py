"""Which existing record an upsert item stands for.

An item names its record by ``id``, or else by a value that identifies one record of
its object (``unique_fields`` in the standard objects): a person's primary email, a
company's domain. Those are compared as people write them: emails without regard to
case, domains also with or without a trailing slash.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q

from crm.metadata.schema import CompiledObject
from crm.metadata.standard_objects import STANDARD_OBJECTS_BY_NAME
from crm.models import Workspace
from crm.query.record_queries import records
from crm.services.record_input import RecordValidationError

Key = tuple[str, str, str]  # field, sub-field, normalised value


def match_existing(workspace: Workspace, obj: CompiledObject, items: list[Any]) -> dict[int, Any]:
    """Item index -> the live record (locked for update) it stands for; unmatched items are left out."""
    wanted = [_identity(obj, item) for item in items]
    _refuse_repeated_keys(obj, wanted)
    ids = [record_id for record_id, _ in wanted if record_id is not None]
    keys = [key for _, item_keys in wanted for key in item_keys]
    if not ids and not keys:
        return {}
    condition = Q(id__in=ids)
    for field, sub, value in keys:
        condition |= same_value(obj, field, sub, value)
    # Oldest first, so that of two existing records sharing a value the older one is updated.
    found = list(records(workspace, obj).filter(condition).order_by("created_at", "id").select_for_update())
    by_id = {instance.id: instance for instance in found}
    by_key: dict[Key, Any] = {}
    for instance in found:
        for field, sub in unique_fields(obj.name_singular):
            stored = _normalise(getattr(instance, _path(obj, field, sub)) or "")
            if stored:
                by_key.setdefault((field, sub, stored), instance)
    matches: dict[int, Any] = {}
    for index, (record_id, item_keys) in enumerate(wanted):
        instance = by_id.get(record_id) if record_id is not None else None
        instance = instance or next((by_key[key] for key in item_keys if key in by_key), None)
        if instance is not None:
            matches[index] = instance
    _refuse_shared_matches(obj, matches)
    return matches


def upsert_keys_note(obj: CompiledObject) -> str:
    """What else an upsert matches on, worded for the schema's descriptions ("" when nothing)."""
    names = " or ".join(f"{field}.{sub}" for field, sub in unique_fields(obj.name_singular))
    return f", or the same {names}" if names else ""


def unique_fields(object_name: str) -> tuple[tuple[str, str], ...]:
    """The (field, sub-field) values that each name one live record of the object."""
    spec = STANDARD_OBJECTS_BY_NAME.get(object_name)
    return spec.unique_fields if spec is not None else ()


def same_value(obj: CompiledObject, field: str, sub: str, value: str) -> Q:
    """Records holding ``value`` in a unique field, compared as people write it."""
    value = _normalise(value)
    path = _path(obj, field, sub)
    return Q(**{f"{path}__iexact": value}) | Q(**{f"{path}__iexact": f"{value}/"})


def _path(obj: CompiledObject, field: str, sub: str) -> str:
    subfield = obj.fields[field].subfield(sub)
    assert subfield is not None
    return subfield.path


def _normalise(value: str) -> str:
    return value.strip().rstrip("/").lower()


def _identity(obj: CompiledObject, item: Any) -> tuple[uuid.UUID | None, list[Key]]:
    """The id an item names (None when it names none, or not validly: validation says so
    later) and its unique values."""
    if not isinstance(item, dict):
        return None, []
    record_id = None
    if isinstance(item.get("id"), str):
        try:
            record_id = uuid.UUID(item["id"])
        except ValueError:
            pass
    keys = []
    for field, sub in unique_fields(obj.name_singular):
        composite = item.get(field)
        value = composite.get(sub) if isinstance(composite, dict) else None
        if isinstance(value, str) and _normalise(value):
            keys.append((field, sub, _normalise(value)))
    return record_id, keys


def _refuse_repeated_keys(obj: CompiledObject, wanted: list[tuple[uuid.UUID | None, list[Key]]]) -> None:
    """Two items naming the same record would write it twice in one request."""
    seen: dict[Key, int] = {}
    errors: dict[str, list[str]] = {}
    for index, (_, keys) in enumerate(wanted):
        for key in keys:
            if key in seen and seen[key] != index:
                field, sub, value = key
                errors.setdefault(f"[{index}].{field}.{sub}", []).append(
                    f"'{value[:60]}' is also in item [{seen[key]}]: upsert each {obj.name_singular} once per request"
                )
            seen.setdefault(key, index)
    if errors:
        raise RecordValidationError(errors)


def _refuse_shared_matches(obj: CompiledObject, matches: dict[int, Any]) -> None:
    first_index: dict[Any, int] = {}
    errors: dict[str, list[str]] = {}
    for index, instance in matches.items():
        if instance.id in first_index:
            errors.setdefault(f"[{index}]", []).append(
                f"names the same {obj.name_singular} as item [{first_index[instance.id]}] ({instance.id})"
            )
        first_index.setdefault(instance.id, index)
    if errors:
        raise RecordValidationError(errors)
