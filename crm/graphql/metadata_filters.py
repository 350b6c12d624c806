"""Filters and paging of the metadata lists (``objects``, ``fields``), typed as Twenty
types them, so its clients' documents validate here unchanged:
``objects(filter: {isActive: {is: true}}, paging: {first: 1000})``.

Metadata lists are small, so they are filtered and paged in memory, in their order
(objects by name, fields by position). A cursor is an item's id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import graphene

from crm.graphql.errors import UserInputError
from crm.graphql.scalars import UUID, ConnectionCursor

MAX_PAGE_SIZE = 1000


class BooleanFieldComparison(graphene.InputObjectType):
    is_ = graphene.Boolean(name="is")
    isNot = graphene.Boolean()  # noqa: N815 - the API's name


class UUIDFilterComparison(graphene.InputObjectType):
    eq = graphene.InputField(UUID)
    neq = graphene.InputField(UUID)
    gt = graphene.InputField(UUID)
    gte = graphene.InputField(UUID)
    lt = graphene.InputField(UUID)
    lte = graphene.InputField(UUID)
    like = graphene.InputField(UUID)
    notLike = graphene.InputField(UUID)  # noqa: N815
    iLike = graphene.InputField(UUID)  # noqa: N815
    notILike = graphene.InputField(UUID)  # noqa: N815
    in_ = graphene.InputField(graphene.List(graphene.NonNull(UUID)), name="in")
    notIn = graphene.InputField(graphene.List(graphene.NonNull(UUID)))  # noqa: N815
    is_ = graphene.Boolean(name="is")
    isNot = graphene.Boolean()  # noqa: N815


class CursorPaging(graphene.InputObjectType):
    """A page of a metadata list: ``first`` items ``after`` a cursor, or ``last`` ``before`` one."""

    first = graphene.Int(description=f"At most {MAX_PAGE_SIZE}")
    after = graphene.InputField(ConnectionCursor)
    last = graphene.Int(description=f"At most {MAX_PAGE_SIZE}")
    before = graphene.InputField(ConnectionCursor)


def filter_type(name: str, uuid_fields: Sequence[str], boolean_fields: Sequence[str]) -> type:
    """An input like Twenty's ObjectFilter: comparisons per field, combined with and/or."""
    fields: dict[str, Any] = {name_: graphene.InputField(UUIDFilterComparison) for name_ in uuid_fields}
    fields.update({name_: graphene.InputField(BooleanFieldComparison) for name_ in boolean_fields})
    fields["and_"] = graphene.InputField(graphene.List(graphene.NonNull(lambda: filter_class)), name="and")
    fields["or_"] = graphene.InputField(graphene.List(graphene.NonNull(lambda: filter_class)), name="or")
    filter_class = type(name, (graphene.InputObjectType,), {**fields, "Meta": type("Meta", (), {"name": name})})
    return filter_class


def _like(pattern: str, value: str, *, ignore_case: bool) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


# Each comparison as (operator, operand) -> test of the item's value (ids compare as text).
_UUID_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda value, operand: value == operand,
    "neq": lambda value, operand: value != operand,
    "gt": lambda value, operand: value is not None and value > operand,
    "gte": lambda value, operand: value is not None and value >= operand,
    "lt": lambda value, operand: value is not None and value < operand,
    "lte": lambda value, operand: value is not None and value <= operand,
    "in": lambda value, operand: value in operand,
    "notIn": lambda value, operand: value not in operand,
    "like": lambda value, operand: value is not None and _like(operand, value, ignore_case=False),
    "notLike": lambda value, operand: value is None or not _like(operand, value, ignore_case=False),
    "iLike": lambda value, operand: value is not None and _like(operand, value, ignore_case=True),
    "notILike": lambda value, operand: value is None or not _like(operand, value, ignore_case=True),
}


def matches(item: Mapping[str, Any], wanted: Mapping[str, Any] | None) -> bool:
    """Whether a described object or field passes a filter (every entry of it, and-ed)."""
    for name, entry in (wanted or {}).items():
        key = name.rstrip("_")  # graphene's Python names: and_, or_
        if entry is None:
            continue
        if key == "and":
            if not all(matches(item, part) for part in entry):
                return False
        elif key == "or":
            if entry and not any(matches(item, part) for part in entry):
                return False
        elif not _compare(item.get(key), entry):
            return False
    return True


def _compare(value: Any, comparison: Mapping[str, Any]) -> bool:
    for name, operand in comparison.items():
        operator = name.rstrip("_")  # graphene's Python names: is_, in_
        if operand is None:
            continue
        if operator in ("is", "isNot"):
            if isinstance(value, bool) or value is None:
                if (bool(value) == operand) != (operator == "is"):
                    return False
                continue
            raise UserInputError(f"'{operator}' compares true or false: use eq or in for ids.")
        if operator in ("in", "notIn"):
            operand = [str(each).lower() for each in operand]
        else:
            operand = str(operand).lower()
        if not _UUID_TESTS[operator](None if value is None else str(value).lower(), operand):
            return False
    return True


def page(items: list[dict[str, Any]], paging: Mapping[str, Any] | None) -> dict[str, Any]:
    """The connection of a list: every item unless ``paging`` asks for a page."""
    paging = paging or {}
    first, last = paging.get("first"), paging.get("last")
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= MAX_PAGE_SIZE:
            raise UserInputError(f"paging.{name} must be between 0 and {MAX_PAGE_SIZE}, not {size}.")
    ids = [item["id"] for item in items]
    start, end = 0, len(items)
    for name in ("after", "before"):
        cursor = paging.get(name)
        if cursor is None:
            continue
        if cursor not in ids:
            raise UserInputError(f"paging.{name}: no item has the cursor '{str(cursor)[:60]}'.")
        if name == "after":
            start = max(start, ids.index(cursor) + 1)
        else:
            end = min(end, ids.index(cursor))
    window = items[start:end] if start < end else []
    chosen = window
    if first is not None:
        chosen = chosen[:first]
    if last is not None:
        chosen = chosen[len(chosen) - last :] if last else []
    offset = start + (window.index(chosen[0]) if chosen else 0)
    return {
        "edges": [{"node": item, "cursor": item["id"]} for item in chosen],
        "pageInfo": {
            "hasNextPage": offset + len(chosen) < len(items),
            "hasPreviousPage": offset > 0,
            "startCursor": chosen[0]["id"] if chosen else None,
            "endCursor": chosen[-1]["id"] if chosen else None,
        },
        "totalCount": len(items),
    }
