"""The filter and ordering language shared by REST and GraphQL.

REST parses Twenty's ``filter=`` / ``order_by=`` strings into these nodes, GraphQL
builds them from its input objects; one compiler (``crm.query.compile``) turns them
into SQL, so both APIs filter identically.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OPERATORS = frozenset(
    {"eq", "neq", "in", "containsAny", "is", "gt", "gte", "lt", "lte", "startsWith", "endsWith", "like", "ilike"}
)
# ``is`` takes one of these instead of a value.
IS_VALUES = frozenset({"NULL", "NOT_NULL"})

ORDER_DIRECTIONS = frozenset({"AscNullsFirst", "AscNullsLast", "DescNullsFirst", "DescNullsLast"})


@dataclass(frozen=True)
class Condition:
    """``field[op]:value``; ``path`` is ``("name", "firstName")`` for a composite sub-field.

    ``value`` is kept as the client sent it (a string from REST, a typed value from
    GraphQL); the compiler coerces it using the field's metadata. For ``in`` and
    ``containsAny`` it is a list.
    """

    path: tuple[str, ...]
    op: str
    value: Any


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = Condition | And | Or | Not


@dataclass(frozen=True)
class OrderBy:
    path: tuple[str, ...]
    direction: str = "AscNullsFirst"


class QuerySyntaxError(ValueError):
    """Malformed filter or order; the message says where. ``twenty_message``, when set,
    is how Twenty's REST API words the same refusal: it goes first in the answer."""

    twenty_message: str | None = None
