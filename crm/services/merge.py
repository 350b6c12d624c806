"""Merging duplicates into one record (Twenty's mergeMany).

The record at ``conflictPriorityIndex`` is kept. Where it has a value, its value wins;
where it has none, the first of the others (in the order given) that has one fills it.
Email addresses, phone numbers and links are pooled instead: the kept record keeps its
primary one and gains the others' as additional ones, each once. Everything that
pointed at the others (a person's opportunities, a company's people, the note and task
targets of any of them) is moved to the kept record, except a target that would repeat
one the kept record has, and the others are soft-deleted.

It all happens in one transaction through the record service, so every record it
changes announces its own event (``person.updated`` for the kept one, ``person.deleted``
for each other, ``noteTarget.updated`` for each moved target, ...) and webhooks see the
whole merge or nothing of it. A dry run answers what the kept record would become and
changes nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from crm.metadata.schema import CompiledField, CompiledObject
from crm.models import Workspace
from crm.query.record_queries import get_object, records
from crm.query.serialize import compile_serializer
from crm.services.actor import Actor
from crm.services.record_input import READ_ONLY_FIELDS, RecordValidationError
from crm.services.records import delete_record, update_record, update_records
from crm.services.targets import pair_columns

MAX_MERGED = 10
# Set by the record service or meaningless to carry over.
NOT_MERGED = READ_ONLY_FIELDS | {"id", "position"}


def merge_records(
    workspace: Workspace,
    object_name: str,
    ids: Any,
    conflict_priority_index: Any,
    actor: Actor,
    *,
    dry_run: bool = False,
) -> dict[str, Any]:
    """The kept record after the merge (REST depth-0 shape); with ``dry_run``, as it would be."""
    obj = get_object(workspace, object_name)
    wanted = _checked_ids(ids)
    if isinstance(conflict_priority_index, bool) or not isinstance(conflict_priority_index, int):
        raise RecordValidationError({"conflictPriorityIndex": ["must be the index of the record to keep in ids"]})
    if not 0 <= conflict_priority_index < len(wanted):
        raise RecordValidationError({"conflictPriorityIndex": [f"must be from 0 to {len(wanted) - 1}"]})
    with transaction.atomic():
        found = _load(workspace, obj, wanted, lock=not dry_run)
        kept = found[conflict_priority_index]
        others = [record for index, record in enumerate(found) if index != conflict_priority_index]
        changes = merged_values(obj, kept, others)
        if dry_run:
            return {**kept, **changes}
        other_ids = [record["id"] for record in others]
        _move_relations(workspace, obj, other_ids, kept["id"], actor)
        for other_id in other_ids:
            delete_record(workspace, obj.name_singular, other_id, actor)
        if not changes:
            return kept
        return update_record(workspace, obj.name_singular, kept["id"], changes, actor)


def _checked_ids(ids: Any) -> list[uuid.UUID]:
    if not isinstance(ids, list) or not 2 <= len(ids) <= MAX_MERGED:
        raise RecordValidationError({"ids": [f"must list 2 to {MAX_MERGED} records to merge"]})
    try:
        parsed = [uuid.UUID(str(value)) for value in ids]
    except ValueError:
        raise RecordValidationError({"ids": ["must be a list of UUIDs"]}) from None
    if len(set(parsed)) != len(parsed):
        raise RecordValidationError({"ids": ["the same record appears twice"]})
    return parsed


def _load(workspace: Workspace, obj: CompiledObject, ids: list[uuid.UUID], *, lock: bool) -> list[dict[str, Any]]:
    columns, serialize = compile_serializer(obj)
    queryset = records(workspace, obj).filter(id__in=ids)
    if lock:
        queryset = queryset.select_for_update()
    found = {record["id"]: record for record in map(serialize, queryset.values(*columns))}
    missing = [str(record_id) for record_id in ids if str(record_id) not in found]
    if missing:
        raise RecordValidationError({"ids": [f"no {obj.name_singular} with id '{missing[0]}' in this workspace"]})
    return [found[str(record_id)] for record_id in ids]


# --- Values ---------------------------------------------------------------------------------


def merged_values(obj: CompiledObject, kept: dict[str, Any], others: list[dict[str, Any]]) -> dict[str, Any]:
    """The fields of the kept record that the merge changes, with their new values."""
    changes = {}
    for field in obj.value_fields:
        if field.name in NOT_MERGED or field.type == "ACTOR":
            continue
        values = [record.get(field.name) for record in others]
        merged = _merge_field(field, kept.get(field.name), values)
        if merged != kept.get(field.name):
            changes[field.name] = merged
    return changes


def _merge_field(field: CompiledField, kept: Any, others: list[Any]) -> Any:
    pools = POOLED.get(field.type)
    if pools is not None and isinstance(kept, dict):
        return pools(kept, [value for value in others if isinstance(value, dict)])
    if not _is_empty(kept):
        return kept
    return next((value for value in others if not _is_empty(value)), kept)


def _is_empty(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_is_empty(sub) for sub in value.values())
    return value is None or value == "" or value == []


def _pool_emails(kept: dict[str, Any], others: list[dict[str, Any]]) -> dict[str, Any]:
    addresses = [kept.get("primaryEmail"), *(kept.get("additionalEmails") or [])]
    for other in others:
        addresses += [other.get("primaryEmail"), *(other.get("additionalEmails") or [])]
    unique = list(dict.fromkeys(a for a in addresses if a))
    primary = kept.get("primaryEmail") or (unique[0] if unique else "")
    return {"primaryEmail": primary, "additionalEmails": [a for a in unique if a != primary]}


def _phone_of(number: Any, country: Any, calling: Any) -> dict[str, Any]:
    return {"number": number, "countryCode": country or "", "callingCode": calling or ""}


def _pool_phones(kept: dict[str, Any], others: list[dict[str, Any]]) -> dict[str, Any]:
    phones: list[dict[str, Any]] = []
    for record in [kept, *others]:
        if record.get("primaryPhoneNumber"):
            phones.append(
                _phone_of(
                    record["primaryPhoneNumber"],
                    record.get("primaryPhoneCountryCode"),
                    record.get("primaryPhoneCallingCode"),
                )
            )
        phones += [phone for phone in record.get("additionalPhones") or [] if isinstance(phone, dict)]
    unique = _first_of_each(phones, "number")
    if not unique:
        return kept
    primary = unique[0]
    return {
        "primaryPhoneNumber": primary["number"],
        "primaryPhoneCountryCode": primary.get("countryCode") or "",
        "primaryPhoneCallingCode": primary.get("callingCode") or "",
        "additionalPhones": unique[1:],
    }


def _pool_links(kept: dict[str, Any], others: list[dict[str, Any]]) -> dict[str, Any]:
    links: list[dict[str, Any]] = []
    for record in [kept, *others]:
        if record.get("primaryLinkUrl"):
            links.append({"url": record["primaryLinkUrl"], "label": record.get("primaryLinkLabel") or ""})
        links += [link for link in record.get("secondaryLinks") or [] if isinstance(link, dict)]
    unique = _first_of_each(links, "url")
    if not unique:
        return kept
    return {
        "primaryLinkUrl": unique[0]["url"],
        "primaryLinkLabel": unique[0].get("label") or "",
        "secondaryLinks": unique[1:],
    }


def _first_of_each(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """The items in order, each value of ``key`` once (its first item), empty values left out."""
    seen: set[Any] = set()
    unique = []
    for item in items:
        value = item.get(key)
        if value and value not in seen:
            seen.add(value)
            unique.append(item)
    return unique


POOLED = {"EMAILS": _pool_emails, "PHONES": _pool_phones, "LINKS": _pool_links}


# --- Relations ------------------------------------------------------------------------------


def _move_relations(workspace: Workspace, obj: CompiledObject, from_ids: list[str], to_id: str, actor: Actor) -> None:
    """Point everything that pointed at the merged-away records at the kept one. A note
    or task target that would then repeat a link the kept record has is deleted instead
    (softly), as Twenty does: the kept record's own target stays, else the first moved."""
    for field in obj.relations:
        relation = field.relation
        if relation is None or relation.kind != "ONE_TO_MANY" or relation.target_fk_column is None:
            continue
        target = get_object(workspace, relation.target)
        join_field = target.fields[relation.inverse].relation.join_field  # type: ignore[union-attr]
        move, redundant = _split_moving(workspace, target, relation.target_fk_column, from_ids, to_id)
        if move:
            update_records(workspace, target.name_singular, move, {join_field: to_id}, actor)
        for target_id in redundant:
            delete_record(workspace, target.name_singular, target_id, actor)


def _split_moving(
    workspace: Workspace, target: CompiledObject, fk_column: str, from_ids: list[str], to_id: str
) -> tuple[list[Any], list[Any]]:
    """The ids of the records to move to the kept record, and of those that would repeat
    a target's link (crm/services/targets.py). An empty link repeats nothing."""
    columns = pair_columns(target.name_singular, fk_column)
    moving = records(workspace, target).filter(**{f"{fk_column}__in": from_ids}).order_by("created_at", "id")
    if not columns:
        return list(moving.values_list("id", flat=True)), []
    kept_links = records(workspace, target).filter(**{fk_column: to_id}).values_list(*columns)
    taken = [{row[index] for row in kept_links} - {None} for index in range(len(columns))]
    move, redundant = [], []
    for target_id, *links in moving.values_list("id", *columns):
        if any(link in taken[index] for index, link in enumerate(links) if link is not None):
            redundant.append(target_id)
            continue
        move.append(target_id)
        for index, link in enumerate(links):
            if link is not None:
                taken[index].add(link)
    return move, redundant
