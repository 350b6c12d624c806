"""The record service: the one write path for CRM records.

REST, GraphQL, the settings pages, the admin and the seed command all write
through these functions. Each validates against the workspace metadata, writes
the row and, in the same transaction (or, for a create, the same statement), the
``Event`` that webhooks are fanned out from. No Django signals: the event is part of
the write, or nothing is.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from crm import date_input
from crm.metadata import default_spelling
from crm.metadata.schema import CompiledField, CompiledObject
from crm.models import Workspace, WorkspaceMember
from crm.query.object_scope import new_row
from crm.query.record_queries import get_object, get_record, records
from crm.query.serialize import serialize_instance
from crm.services.actor import Actor
from crm.services.input_errors import TwentyWordedError
from crm.services.json_references import forget_references_to
from crm.services.positions import place
from crm.services.record_changes import RecordChange, announce, insert_and_announce
from crm.services.record_input import CREATE_ONLY_FIELDS, CleanedInput, RecordValidationError, clean_record_input
from crm.services.relation_connect import resolve_connections
from crm.services.targets import restore_targets_of, soft_delete_targets_of
from crm.services.unique_values import duplicates_refused
from crm.services.upsert_matching import match_existing

# Twenty's QUERY_MAX_RECORDS: the most records one write may create.
MAX_BATCH = 200


def create_record(
    workspace: Workspace, object_name: str, data: Any, actor: Actor, *, upsert: bool = False
) -> dict[str, Any]:
    return create_records(workspace, object_name, [data], actor, batch=False, upsert=upsert)[0]


@duplicates_refused()
def create_records(
    workspace: Workspace,
    object_name: str,
    items: Any,
    actor: Actor,
    *,
    batch: bool = True,
    max_batch: int = MAX_BATCH,
    upsert: bool = False,
) -> list[dict[str, Any]]:
    """Create one or many records, all or nothing. Imports pass a larger ``max_batch``.

    With ``upsert``, an item that stands for a live record (its ``id``, else the same
    value in a unique field of the object: a person's primary email, a company's
    domain) updates that record instead; each record gets a created or an updated
    event, and ``createdAt``/``createdBy`` only apply to records created.
    """
    obj = get_object(workspace, object_name)
    if not isinstance(items, list):
        raise RecordValidationError({"": ["Expected a JSON array of records."]})
    if batch and not 1 <= len(items) <= max_batch:
        twenty = f"Maximum number of records to upsert is {max_batch}." if len(items) > max_batch else ""
        message = f"A batch holds 1 to {max_batch} records, not {len(items)}."
        raise RecordValidationError({"": [f"{twenty} {message}".strip()]})
    items = resolve_connections(workspace, obj, items)
    if upsert:
        with transaction.atomic():
            return _upsert(workspace, obj, items, actor, prefix_index=batch)
    # The checks read before the write, in a transaction or not alike (each read sees
    # what is committed when it runs); the write itself is all or nothing (_insert).
    cleaned_items = _clean_all(obj, items)
    _check_references(workspace, obj, cleaned_items, prefix_index=batch)
    return _insert(workspace, obj, cleaned_items, actor)


def _upsert(
    workspace: Workspace, obj: CompiledObject, items: list[Any], actor: Actor, *, prefix_index: bool
) -> list[dict[str, Any]]:
    matches = match_existing(workspace, obj, items)
    cleaned_items: list[CleanedInput] = []
    errors = _BatchErrors(len(items))
    for index, item in enumerate(items):
        instance = matches.get(index)
        try:
            if instance is None:
                cleaned_items.append(clean_record_input(obj, item, creating=True))
            else:
                update = {key: value for key, value in item.items() if key not in CREATE_ONLY_FIELDS}
                cleaned_items.append(_clean_update(obj, instance, update))
        except RecordValidationError as error:
            errors.add(error, index)
    errors.raise_any()
    _check_references(workspace, obj, cleaned_items, prefix_index=prefix_index)
    created = iter(_insert(workspace, obj, [c for i, c in enumerate(cleaned_items) if i not in matches], actor))
    return [
        _save_update(workspace, obj, matches[index], cleaned, actor) if index in matches else next(created)
        for index, cleaned in enumerate(cleaned_items)
    ]


def _insert(
    workspace: Workspace, obj: CompiledObject, cleaned_items: list[CleanedInput], actor: Actor
) -> list[dict[str, Any]]:
    """Write new records and their created events, all or nothing (record_changes.insert_and_announce)."""
    ids = [c.record_id for c in cleaned_items if c.record_id]
    if len(set(ids)) != len(ids):
        raise RecordValidationError({"id": ["the same id appears twice in the batch"]})
    if ids:
        _check_ids_are_free(workspace, obj, ids)
    now = timezone.now()
    instances = []
    for cleaned in cleaned_items:
        instance = new_row(
            obj,
            id=cleaned.record_id or uuid.uuid4(),
            workspace=workspace,
            created_at=now,
            updated_at=now,
            created_by_source=actor.source,
            created_by_workspace_member_id=actor.workspace_member_id,
            created_by_name=actor.name,
            custom={},
        )
        _apply_defaults(obj, instance)
        _apply(instance, cleaned)
        instances.append(instance)
    place(workspace, obj, instances)
    snapshots = [serialize_instance(obj, instance) for instance in instances]
    changes = [RecordChange(obj.name_singular, "created", snapshot) for snapshot in snapshots]
    insert_and_announce(obj.model, instances, workspace, actor, changes)
    return snapshots


@duplicates_refused()
def update_record(workspace: Workspace, object_name: str, record_id: Any, data: Any, actor: Actor) -> dict[str, Any]:
    obj = get_object(workspace, object_name)
    (data,) = resolve_connections(workspace, obj, [data])
    with transaction.atomic():
        instance = get_record(workspace, obj, record_id, for_update=True)
        return _update_instance(workspace, obj, instance, data, actor)


@duplicates_refused()
def update_records(
    workspace: Workspace, object_name: str, record_ids: Iterable[Any], data: Any, actor: Actor
) -> list[dict[str, Any]]:
    """Apply the same change to several records, all or nothing."""
    obj = get_object(workspace, object_name)
    (data,) = resolve_connections(workspace, obj, [data])
    with transaction.atomic():
        instances = list(records(workspace, obj).filter(id__in=list(record_ids)).select_for_update())
        return [_update_instance(workspace, obj, instance, data, actor) for instance in instances]


def _update_instance(
    workspace: Workspace, obj: CompiledObject, instance: Any, data: Any, actor: Actor
) -> dict[str, Any]:
    cleaned = _clean_update(obj, instance, data)
    _check_references(workspace, obj, [cleaned], prefix_index=False)
    return _save_update(workspace, obj, instance, cleaned, actor)


def _clean_update(obj: CompiledObject, instance: Any, data: Any) -> CleanedInput:
    return clean_record_input(obj, data, creating=False, existing_custom=instance.custom, record_id=instance.id)


def _save_update(
    workspace: Workspace, obj: CompiledObject, instance: Any, cleaned: CleanedInput, actor: Actor
) -> dict[str, Any]:
    """Apply a checked change; an updated event when something did change."""
    before = serialize_instance(obj, instance)
    _apply(instance, cleaned)
    place(workspace, obj, [instance])
    after = serialize_instance(obj, instance)
    changed = [name for name in cleaned.touched if before.get(name) != after.get(name)]
    if not changed:
        return before
    instance.updated_at = timezone.now()
    instance.save()
    after = serialize_instance(obj, instance)
    previous = {name: before.get(name) for name in changed}
    announce(workspace, actor, [RecordChange(obj.name_singular, "updated", after, changed, previous)])
    return after


def delete_record(workspace: Workspace, object_name: str, record_id: Any, actor: Actor) -> dict[str, Any]:
    """Soft delete: the record leaves lists and can be restored. A note's or task's
    targets go with it (crm/services/targets.py)."""
    obj = get_object(workspace, object_name)
    with transaction.atomic():
        instance = get_record(workspace, obj, record_id, for_update=True)
        instance.deleted_at = instance.updated_at = timezone.now()
        instance.save(update_fields=["deleted_at", "updated_at"])
        snapshot = serialize_instance(obj, instance)
        targets = soft_delete_targets_of(workspace, obj.name_singular, instance.id, instance.deleted_at)
        announce(workspace, actor, [RecordChange(obj.name_singular, "deleted", snapshot), *targets])
    return snapshot


@duplicates_refused()
def restore_record(workspace: Workspace, object_name: str, record_id: Any, actor: Actor) -> dict[str, Any]:
    """Undo a soft delete, with the targets that were deleted along with the record. A
    record that is not deleted is answered as it is, unchanged and without an event, as
    Twenty answers a restore of a live record."""
    obj = get_object(workspace, object_name)
    with transaction.atomic():
        instance = get_record(workspace, obj, record_id, include_deleted=True, for_update=True)
        if instance.deleted_at is None:
            return serialize_instance(obj, instance)
        deleted_at, instance.deleted_at = instance.deleted_at, None
        instance.updated_at = timezone.now()
        instance.save(update_fields=["deleted_at", "updated_at"])
        snapshot = serialize_instance(obj, instance)
        targets = restore_targets_of(workspace, obj.name_singular, instance.id, deleted_at)
        announce(workspace, actor, [RecordChange(obj.name_singular, "restored", snapshot), *targets])
    return snapshot


def destroy_record(workspace: Workspace, object_name: str, record_id: Any, actor: Actor) -> dict[str, Any]:
    """Delete for good, whether or not the record was soft-deleted first."""
    obj = get_object(workspace, object_name)
    with transaction.atomic():
        instance = get_record(workspace, obj, record_id, include_deleted=True, for_update=True)
        snapshot = serialize_instance(obj, instance)
        instance.delete()
        forget_references_to(workspace, obj, snapshot["id"])
        announce(workspace, actor, [RecordChange(obj.name_singular, "destroyed", snapshot)])
    return snapshot


def _check_ids_are_free(workspace: Workspace, obj: CompiledObject, ids: list[uuid.UUID]) -> None:
    """Chosen ids must be unused. Ids are unique across workspaces, but saying that an id
    exists in another workspace would confirm it to a stranger: such an id is refused
    with the message of an unusable id, not as a record that exists."""
    taken = dict(obj.model.objects.filter(id__in=ids).values_list("id", "workspace_id"))
    if not taken:
        return
    if any(owner == workspace.id for owner in taken.values()):
        raise RecordValidationError({"id": ["Record already exists with this id"]})
    raise RecordValidationError({"id": ["this id cannot be used: choose another, or leave id out to get a new one"]})


def _clean_all(obj: CompiledObject, items: list[Any]) -> list[CleanedInput]:
    cleaned_items: list[CleanedInput] = []
    errors = _BatchErrors(len(items))
    for index, item in enumerate(items):
        try:
            cleaned_items.append(clean_record_input(obj, item, creating=True))
        except RecordValidationError as error:
            errors.add(error, index)
    errors.raise_any()
    return cleaned_items


class _BatchErrors:
    """The problems of a batch's items, gathered so that one answer names them all."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.errors: dict[str, list[str]] = {}
        # The first problem Twenty has its own words for, which GraphQL answers with.
        self.worded: TwentyWordedError | None = None

    def add(self, error: RecordValidationError, index: int) -> None:
        """One item's problems, named after its place in the batch when there are several."""
        for name, messages in error.errors.items():
            key = f"[{index}].{name}" if self.size > 1 else name
            self.errors.setdefault(key, []).extend(messages)
        self.worded = self.worded or error.worded

    def raise_any(self) -> None:
        if self.errors:
            raise RecordValidationError(self.errors, self.worded)


def _check_references(
    workspace: Workspace, obj: CompiledObject, cleaned_items: list[CleanedInput], *, prefix_index: bool
) -> None:
    """Relation ids must point at live records of the same workspace."""
    wanted: dict[str, set[uuid.UUID]] = {}
    for cleaned in cleaned_items:
        for target, target_id in cleaned.references.values():
            wanted.setdefault(target, set()).add(target_id)
    found: dict[str, set[uuid.UUID]] = {}
    for target, target_ids in wanted.items():
        if target == "workspaceMember":
            queryset = WorkspaceMember.objects.filter(workspace=workspace)
        else:
            queryset = records(workspace, get_object(workspace, target))
        found[target] = set(queryset.filter(id__in=target_ids).values_list("id", flat=True))
    errors: dict[str, list[str]] = {}
    for index, cleaned in enumerate(cleaned_items):
        for name, (target, target_id) in cleaned.references.items():
            if target_id not in found[target]:
                key = f"[{index}].{name}" if prefix_index and len(cleaned_items) > 1 else name
                errors.setdefault(key, []).append(f"no {target} with id '{target_id}' in this workspace")
    if errors:
        raise RecordValidationError(errors)


def _apply_defaults(obj: CompiledObject, instance: Any) -> None:
    for field in obj.value_fields:
        if field.is_custom and field.default_value is not None:
            instance.custom[field.name] = _default_of_new_record(field)


def _default_of_new_record(field: CompiledField) -> Any:
    if default_spelling.is_function(field.type, field.default_value):  # "now": stored as custom dates are
        moment = timezone.now()
        return moment.date().isoformat() if field.type == "DATE" else date_input.twenty_spelling(moment)
    return field.default_value


def _apply(instance: Any, cleaned: CleanedInput) -> None:
    for column, value in cleaned.columns.items():
        setattr(instance, column, value)
    if cleaned.custom:
        merged = {**(instance.custom or {}), **cleaned.custom}
        # An empty custom value is stored as a missing key, never as JSON null, so that
        # SQL sees NULL: "is NULL" filters and NULLS FIRST/LAST ordering then treat custom
        # fields exactly like standard columns.
        instance.custom = {name: value for name, value in merged.items() if value is not None}
