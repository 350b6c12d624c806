"""Linking a record to another by what names the other, as Twenty's writes allow.

A write may give a many-to-one relation as ``{"company": {"connect": {"where":
{"domainName": {"primaryLinkUrl": "acme.com"}}}}}``: the relation's id field
(``companyId``) becomes the id of the one live company with that domain. The ``where``
names the record by its ``id`` or by one value that names one record of its object (a
person's primary email, a company's domain). ``{"company": {"disconnect": true}}``
empties the relation. Both APIs take it on creates and updates; each refusal is worded
as Twenty words it.
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

from django.db.models import Q

from crm.metadata.schema import CompiledField, CompiledObject
from crm.models import Workspace
from crm.query.record_queries import get_object, records
from crm.services.record_input import RecordValidationError
from crm.services.upsert_matching import same_value, unique_fields

CONNECT, DISCONNECT, WHERE = "connect", "disconnect", "where"


def resolve_connections(workspace: Workspace, obj: CompiledObject, items: list[Any]) -> list[Any]:
    """``items`` with every relation written as ``connect`` or ``disconnect`` turned into
    its id field; the items themselves are left as sent."""
    relations = _connectable_relations(obj)
    if not relations or not any(isinstance(item, dict) and relations.keys() & item.keys() for item in items):
        return items
    constraints: dict[str, tuple[str, ...]] = {}
    resolved = []
    for item in items:
        if not isinstance(item, dict):
            resolved.append(item)
            continue
        item = dict(item)
        for name in relations.keys() & item.keys():
            item.update(_resolved(workspace, relations[name], item.pop(name), item, constraints))
        resolved.append(item)
    return resolved


@lru_cache(maxsize=512)
def _connectable_relations(obj: CompiledObject) -> dict[str, CompiledField]:
    """The relations of ``obj`` a write may connect, by name (a create asks on every call)."""
    return {field.name: field for field in obj.relations if _connectable(field)}


def _connectable(field: CompiledField) -> bool:
    relation = field.relation
    return relation is not None and relation.kind == "MANY_TO_ONE" and relation.target != "workspaceMember"


def _resolved(
    workspace: Workspace,
    field: CompiledField,
    value: Any,
    item: dict[str, Any],
    constraints: dict[str, tuple[str, ...]],
) -> dict[str, Any]:
    relation = field.relation
    assert relation is not None and relation.join_field is not None
    join, name = relation.join_field, field.name
    if join in item:
        raise _refused(name, f"{name} and {join} cannot be both provided.")
    if not isinstance(value, dict) or not value.keys() <= {CONNECT, DISCONNECT}:
        shape = '{"connect": {"where": {...}}} or {"disconnect": true}'
        raise _refused(name, f"{name} takes {shape}, or set {join} instead.")
    if value.get(CONNECT) is not None and value.get(DISCONNECT):
        raise _refused(name, f"{name} cannot be both connected and disconnected.")
    if value.get(DISCONNECT):
        return {join: None}
    connect = value.get(CONNECT)
    if connect is None:
        return {}
    target = get_object(workspace, relation.target)
    where = connect.get(WHERE) if isinstance(connect, dict) else None
    used, condition = _where(target, name, where)
    if constraints.setdefault(name, used) != used:
        message = f"Expected the same constraint fields to be used consistently across all operations for {name}."
        raise _refused(name, message)
    found = list(records(workspace, target).filter(condition).values_list("id", flat=True)[:2])
    if len(found) != 1:
        raise _refused(name, f"Expected 1 record to connect to {name}, but found {len(found)}.")
    return {join: str(found[0])}


def _where(target: CompiledObject, name: str, where: Any) -> tuple[tuple[str, ...], Q]:
    """Which unique value ``where`` names the record by, and the condition that finds it."""
    allowed = where_keys(target.name_singular)
    if not isinstance(where, dict) or not where:
        names = " or ".join(f"{field}.{sub}" if sub else field for field, sub in allowed.items())
        raise _refused(name, f"{name}.connect.where names the record to connect by {names}.")
    unknown = sorted(where.keys() - allowed.keys())
    if unknown:
        raise _refused(name, f'Field "{unknown[0]}" is not defined by type "{target.capitalized}WhereUniqueInput".')
    if len(where) > 1:
        message = (
            f"Too many fields provided for connect field '{name}'. Only fields from one unique constraint are allowed."
        )
        raise _refused(name, message)
    ((field, value),) = where.items()
    if field == "id":
        try:
            return ("id",), Q(id=uuid.UUID(str(value)))
        except ValueError:
            raise _refused(name, f"'{str(value)[:60]}' is not a valid UUID") from None
    sub = allowed[field]
    text = value.get(sub) if isinstance(value, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise _refused(name, f"{name}.connect.where.{field} needs {sub}.")
    return (field,), same_value(target, field, sub, text)


def where_keys(object_name: str) -> dict[str, str | None]:
    """What a ``where`` may name a record of the object by: its id, or a field with the
    sub-field that holds the value."""
    return {"id": None, **dict(unique_fields(object_name))}


def _refused(name: str, message: str) -> RecordValidationError:
    error = RecordValidationError({name: [message]})
    # Twenty's clients read the message alone, as Twenty words it.
    error.graphql_message = message
    return error
