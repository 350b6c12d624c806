"""Compiling filter and order nodes (crm.query.ast) to Django ORM expressions.

Values arrive as strings from REST and typed from GraphQL; both are coerced here
using the field's metadata, so a bad value is a clear 400, never a database error.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Expression, F, Q, TextField
from django.db.models.expressions import OrderBy as OrmOrderBy
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Lower
from django.db.models.lookups import IRegex, Regex

from crm import date_input
from crm.email_spelling import canonical_email
from crm.metadata.schema import CompiledField, CompiledObject
from crm.query.ast import And, Condition, Node, Not, Or, OrderBy

TEXT_KINDS = frozenset({"text", "TEXT", "SELECT"})
NUMBER_KINDS = frozenset({"NUMBER", "POSITION", "float", "bigint"})
LIST_KINDS = frozenset({"list", "MULTI_SELECT"})
MAX_IN_VALUES = 500
# Operators whose value must equal the stored one: an email address is read in its stored spelling.
EXACT_OPERATORS = frozenset({"eq", "neq", "in"})


class QueryValueError(ValueError):
    """A filter or order that names an unknown field or carries a value of the wrong type."""


@dataclass(frozen=True)
class Target:
    """Where a filter or order path points."""

    field: CompiledField
    orm_path: str
    kind: str  # a field type (TEXT, NUMBER, ...) or a composite sub-field kind (text, bigint, ...)
    label: str  # the path as the client wrote it
    is_custom: bool
    # For custom values, the key inside ``custom`` (cursor values are read from it).
    custom_keys: tuple[str, ...] = ()


def resolve_path(obj: CompiledObject, path: Sequence[str]) -> Target:
    label = ".".join(path)
    field = obj.fields.get(path[0])
    if field is None:
        raise QueryValueError(f"Unknown field '{path[0]}' on {obj.name_singular}")
    if field.type == "RELATION":
        hint = f"; use {field.relation.join_field}" if field.relation and field.relation.join_field else ""
        raise QueryValueError(f"Cannot filter or sort on relation '{field.name}'{hint}")
    if field.is_composite:
        if len(path) != 2:
            names = ", ".join(f"{field.name}.{s.name}" for s in field.subfields)
            raise QueryValueError(f"'{field.name}' is a composite field: use one of {names}")
        sub = field.subfield(path[1])
        if sub is None:
            names = ", ".join(s.name for s in field.subfields)
            raise QueryValueError(f"Unknown sub-field '{label}'; '{field.name}' has {names}")
        keys = (field.name, sub.name) if field.is_custom else ()
        return Target(field, sub.path, sub.kind, label, field.is_custom, keys)
    if len(path) != 1:
        raise QueryValueError(f"'{field.name}' has no sub-fields")
    assert field.path is not None
    keys = (field.name,) if field.is_custom else ()
    return Target(field, field.path, field.type, label, field.is_custom, keys)


def filter_to_q(obj: CompiledObject, node: Node) -> Q:
    if isinstance(node, And):
        return _combine(obj, node.children, Q.AND)
    if isinstance(node, Or):
        return _combine(obj, node.children, Q.OR)
    if isinstance(node, Not):
        return _negated(obj, node.child)
    return _condition(obj, node)


def _negated(obj: CompiledObject, node: Node) -> Q:
    """``not(node)`` as SQL reads it, as in Twenty: a record whose value is missing
    matches neither a comparison nor its negation. Django's own negation would keep such
    records; so the negation is pushed down to each condition (De Morgan), where a
    comparison's negation requires the value to be there."""
    if isinstance(node, And | Or):
        negated = [_negated(obj, child) for child in node.children]
        q = Q()
        for child in negated:
            q = q | child if isinstance(node, And) else q & child
        return q
    if isinstance(node, Not):
        return filter_to_q(obj, node.child)
    q = _condition(obj, node)
    if node.op == "is":
        return ~q  # IS NULL is never unknown
    return _present(resolve_path(obj, node.path)) & ~q


def _present(target: Target) -> Q:
    return Q(**{f"{target.orm_path}__isnull": False})


def _combine(obj: CompiledObject, children: Sequence[Node], connector: str) -> Q:
    q = Q()
    for child in children:
        q = q & filter_to_q(obj, child) if connector == Q.AND else q | filter_to_q(obj, child)
    return q


def _condition(obj: CompiledObject, condition: Condition) -> Q:
    target = resolve_path(obj, condition.path)
    op, value, path = condition.op, condition.value, target.orm_path
    if op in EXACT_OPERATORS and target.field.type == "EMAILS" and condition.path[-1] == "primaryEmail":
        # Primary emails are stored in one spelling; an exact filter finds an address
        # however it is written, as in Twenty.
        value = [_email(v) for v in value] if isinstance(value, list | tuple) else _email(value)
    if _holds_nul(value):
        # No stored text can hold NUL (PostgreSQL refuses it), so say so rather than fail.
        raise QueryValueError(f"{target.label}[{op}]: a value must not contain NUL characters")
    if op == "is":
        is_null = _null_q(target)
        wanted = str(value).upper()
        if wanted not in ("NULL", "NOT_NULL"):
            raise QueryValueError(f"{target.label}[is] takes NULL or NOT_NULL")
        return is_null if wanted == "NULL" else ~is_null
    if op in ("in", "containsAny"):
        values = value if isinstance(value, list | tuple) else [value]
        if len(values) > MAX_IN_VALUES:
            raise QueryValueError(f"{target.label}[{op}] takes at most {MAX_IN_VALUES} values")
        if op == "containsAny":
            return _contains_any(target, values)
        if target.kind in LIST_KINDS:
            raise QueryValueError(f"{target.label} is a list: use containsAny")
        return Q(**{f"{path}__in": [coerce(target, v) for v in values]})
    if target.kind in LIST_KINDS:
        if op in ("like", "ilike"):
            # As in Twenty, a pattern over a list reads its JSON text: "[]" is the empty
            # list, "%ada%" any item holding "ada".
            lookup = Regex if op == "like" else IRegex
            return Q(lookup(Cast(F(path), TextField()), _like_regex(str(value))))
        raise QueryValueError(f"{target.label} is a list: filter it with containsAny, like or is")
    if op in ("startsWith", "endsWith", "like", "ilike"):
        if target.kind not in TEXT_KINDS:
            raise QueryValueError(f"{target.label}[{op}] only applies to text fields")
        if op == "startsWith":
            return Q(**{f"{path}__startswith": str(value)})
        if op == "endsWith":
            return Q(**{f"{path}__endswith": str(value)})
        return _like(path, str(value), case_sensitive=op == "like")
    coerced = coerce(target, value)
    if op == "eq":
        return Q(**{path: coerced}) if coerced is not None else _null_q(target)
    if op == "neq":
        if coerced is None:
            return ~_null_q(target)
        # As SQL's != reads it, and Twenty with it: a record without a value is not
        # "not equal" to one.
        return _present(target) & ~Q(**{path: coerced})
    if op in ("gt", "gte", "lt", "lte"):
        if coerced is None:
            raise QueryValueError(f"{target.label}[{op}] needs a value")
        return Q(**{f"{path}__{op}": coerced})
    raise QueryValueError(f"Unknown operator '{op}'")


def _email(value: Any) -> Any:
    return canonical_email(value) if isinstance(value, str) and value else value


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_holds_nul(item) for item in value)
    return False


def _null_q(target: Target) -> Q:
    q = Q(**{f"{target.orm_path}__isnull": True})
    if target.kind in ("text", "TEXT") and not target.is_custom:
        # Standard text columns store "" for empty, as Twenty does.
        q |= Q(**{target.orm_path: ""})
    return q


def _contains_any(target: Target, values: Sequence[Any]) -> Q:
    if target.kind not in LIST_KINDS:
        raise QueryValueError(f"{target.label}[containsAny] only applies to list fields")
    q = Q(pk__in=[])
    for value in values:
        text = str(value)
        if connection.vendor == "postgresql":
            q |= Q(**{f"{target.orm_path}__contains": [text]})
        else:
            # SQLite has no JSON containment lookup: look for the element with json_each.
            q |= Q(_JsonArrayContains(F(target.orm_path), text))
    return q


class _JsonArrayContains(Expression):
    """SQLite: whether the JSON array in ``expression`` has ``value`` as an element."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, expression: Any, value: str) -> None:
        super().__init__()
        self.expression = expression
        self.value = value

    def get_source_expressions(self) -> list[Any]:
        return [self.expression]

    def set_source_expressions(self, exprs: list[Any]) -> None:
        (self.expression,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.expression)
        # The SQL is a compiled column expression; the value is passed as a parameter.
        return f"EXISTS (SELECT 1 FROM json_each({sql}) WHERE json_each.value = %s)", [*params, self.value]  # noqa: S608


def _like(path: str, pattern: str, *, case_sensitive: bool) -> Q:
    """SQL LIKE semantics (% and _), using the plain lookups when they suffice."""
    prefix = "" if case_sensitive else "i"
    core = pattern.strip("%")
    if "_" not in pattern and "%" not in core:
        starts, ends = pattern.startswith("%"), pattern.endswith("%") and len(pattern) > 1
        if starts and ends:
            return Q(**{f"{path}__{prefix}contains": core})
        if ends:
            return Q(**{f"{path}__{prefix}startswith": core})
        if starts:
            return Q(**{f"{path}__{prefix}endswith": core})
        return Q(**{f"{path}__{prefix}exact": core})
    return Q(**{f"{path}__{prefix}regex": _like_regex(pattern)})


def _like_regex(pattern: str) -> str:
    """The regular expression a LIKE pattern stands for (``%`` any text, ``_`` one character)."""
    return "^" + "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern) + "$"


def coerce(target: Target, value: Any) -> Any:
    """A filter or cursor value in the field's own type."""
    kind = target.kind
    if value is None:
        return None
    try:
        if kind in NUMBER_KINDS:
            return _number(kind == "bigint" or target.field.settings.get("dataType") == "int", value)
        if kind == "BOOLEAN":
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "false"):
                return str(value).lower() == "true"
            raise ValueError
        if kind in ("UUID", "uuid"):
            parsed_uuid = uuid.UUID(str(value))
            return str(parsed_uuid) if target.is_custom or kind == "uuid" else parsed_uuid
        if kind == "DATE_TIME":
            if isinstance(value, datetime):
                parsed = date_input.in_utc(value)
            else:
                parsed = date_input.parse_datetime(str(value))
            return date_input.twenty_spelling(parsed) if target.is_custom else parsed
        if kind == "DATE":
            parsed_date = value if isinstance(value, date) else date_input.parse_date(str(value))
            return parsed_date.isoformat() if target.is_custom else parsed_date
        if kind == "SELECT" and str(value) not in target.field.option_values:
            options = ", ".join(sorted(target.field.option_values))
            raise QueryValueError(f"{target.label}: unknown option '{str(value)[:50]}'; options are {options}")
        return str(value)
    except (ValueError, OverflowError) as error:
        if isinstance(error, QueryValueError):
            raise
        raise QueryValueError(f"{target.label}: '{str(value)[:50]}' is not a valid {kind.lower()} value") from None


# The range of a 64-bit column: PostgreSQL refuses a wider integer instead of comparing it.
INT64_RANGE = range(-(2**63), 2**63)


def _number(whole: bool, value: Any) -> int | float:
    """A finite number (a whole one in 64 bits when ``whole``); ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError
    number: int | float
    if isinstance(value, str):
        try:
            number = int(value)
        except ValueError:
            number = float(value)
    else:
        number = value
    if whole:
        if isinstance(number, float):
            if not math.isfinite(number) or number != int(number):
                raise ValueError
            number = int(number)
        if number not in INT64_RANGE:
            raise ValueError
        return number
    number = float(number)
    if not math.isfinite(number):
        raise ValueError
    return number


def coerce_tie_breaker(orm_path: str, value: Any) -> Any:
    """A cursor's value for an order key that is no field (the position, the id)."""
    try:
        if orm_path == "id":
            return uuid.UUID(str(value))
        return _number(False, value)
    except (ValueError, OverflowError, TypeError):
        raise QueryValueError("Invalid cursor") from None


DIRECTIONS = {
    "AscNullsFirst": (False, True),
    "AscNullsLast": (False, False),
    "DescNullsFirst": (True, True),
    "DescNullsLast": (True, False),
}


@dataclass(frozen=True)
class SortKey:
    target: Target | None  # None for the id tie-breaker
    orm_path: str
    descending: bool
    nulls_first: bool
    # Text is sorted without regard to case (LOWER(column)), as Twenty sorts it; the
    # cursors of such an order compare the same expression (crm.query.listing.after_q).
    ignore_case: bool = False

    def column(self) -> Any:
        """What the rows are ordered by."""
        if not self.ignore_case:
            return F(self.orm_path)
        return Lower(KT(self.orm_path) if self.target is not None and self.target.is_custom else F(self.orm_path))

    def expression(self) -> OrmOrderBy:
        nulls = {"nulls_first": True} if self.nulls_first else {"nulls_last": True}
        column = self.column()
        return column.desc(**nulls) if self.descending else column.asc(**nulls)

    def reversed(self) -> SortKey:
        return SortKey(self.target, self.orm_path, not self.descending, not self.nulls_first, self.ignore_case)


def sort_keys(obj: CompiledObject, orders: Sequence[OrderBy]) -> list[SortKey]:
    keys = []
    for order in orders:
        target = resolve_path(obj, order.path)
        descending, nulls_first = DIRECTIONS[order.direction]
        if not target.is_custom and not _nullable(obj, target.orm_path):
            # No NULLs to place: use the database's default placement for the direction,
            # so the ORDER BY matches the (workspace, column, id) indexes.
            nulls_first = descending
        keys.append(SortKey(target, target.orm_path, descending, nulls_first, target.kind in TEXT_KINDS))
    if not keys:
        keys.append(SortKey(None, "position", False, False))
    # The id makes every ordering total, so cursors never skip or repeat rows.
    descending = keys[0].descending if orders else False
    keys.append(SortKey(None, "id", descending, descending))
    return keys


def _nullable(obj: CompiledObject, column: str) -> bool:
    return bool(obj.model._meta.get_field(column).null)


def order_by_expressions(obj: CompiledObject, orders: Sequence[OrderBy]) -> list[OrmOrderBy]:
    return [key.expression() for key in sort_keys(obj, orders)]
