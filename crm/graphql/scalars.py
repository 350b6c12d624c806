"""Scalars of the GraphQL APIs, named as Twenty names them.

Record values reach GraphQL already in their JSON form (strings for ids and dates,
numbers, lists), produced by the compiled serializer, so every scalar serializes
by passing the value through. Inputs are checked for shape here; the record
service and the query compiler check the meaning (a date that exists, an option
that is allowed) with the field's metadata.
"""

from __future__ import annotations

import math
import uuid
from typing import Any

import graphene
from graphql import GraphQLError, Undefined
from graphql.language import ast
from graphql.utilities import value_from_ast_untyped

from crm import date_input
from crm.services.positions import PLACES


def _identity(value: Any) -> Any:
    return value


# The fast execution path skips calling serializers that change nothing.
_identity.passes_through = True  # type: ignore[attr-defined]


def _string_literal(node: ast.ValueNode, type_name: str) -> str:
    if not isinstance(node, ast.StringValueNode):
        raise GraphQLError(f"{type_name} must be given as a string.")
    return node.value


def _uuid(value: Any) -> str:
    if not isinstance(value, str):
        raise GraphQLError(f"UUID must be a string, not {type(value).__name__}.")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise GraphQLError(f"{value[:50]!r} is not a valid UUID.") from None


def _datetime(value: Any) -> str:
    if not isinstance(value, str):
        raise GraphQLError("DateTime must be a string such as 2025-01-31T09:30:00Z.")
    try:
        date_input.parse_datetime(value)
    except (ValueError, OverflowError):
        raise GraphQLError(
            f"{value[:50]!r} is not a date-time such as 2025-01-31T09:30:00Z (ISO 8601) or 01/31/2025."
        ) from None
    return value


def _date(value: Any) -> str:
    if not isinstance(value, str):
        raise GraphQLError("Date must be a string such as 2025-01-31.")
    try:
        date_input.parse_date(value)
    except ValueError:
        raise GraphQLError(f"{value[:50]!r} is not a date such as 2025-01-31 or 01/31/2025.") from None
    return value


def _big_number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise GraphQLError("BigFloat must be a number.")
    try:
        number = float(value) if isinstance(value, str) else value
    except ValueError:
        raise GraphQLError(f"{value[:50]!r} is not a number.") from None
    if isinstance(number, float):
        if not math.isfinite(number):
            raise GraphQLError("BigFloat must be a finite number.")
        if number.is_integer():
            return int(number)
    return number


class UUID(graphene.Scalar):
    """A UUID such as 20202020-0b6c-4b4f-9ab3-aaa1e25b8a5c."""

    serialize = _identity
    parse_value = _uuid

    @staticmethod
    def parse_literal(node: ast.ValueNode, _variables: Any = None) -> str:
        return _uuid(_string_literal(node, "UUID"))


def _cursor(value: Any) -> str:
    if not isinstance(value, str):
        raise GraphQLError("A cursor is a string, as pageInfo returns it.")
    return value


class ConnectionCursor(graphene.Scalar):
    """Cursor for paging through a metadata list (an item's id)."""

    serialize = _identity
    parse_value = _cursor

    @staticmethod
    def parse_literal(node: ast.ValueNode, _variables: Any = None) -> str:
        return _string_literal(node, "ConnectionCursor")


class DateTime(graphene.Scalar):
    """An ISO 8601 date-time in UTC, e.g. 2025-01-31T09:30:00.000Z."""

    serialize = _identity
    parse_value = _datetime

    @staticmethod
    def parse_literal(node: ast.ValueNode, _variables: Any = None) -> str:
        return _datetime(_string_literal(node, "DateTime"))


class Date(graphene.Scalar):
    """A calendar date, e.g. 2025-01-31."""

    serialize = _identity
    parse_value = _date

    @staticmethod
    def parse_literal(node: ast.ValueNode, _variables: Any = None) -> str:
        return _date(_string_literal(node, "Date"))


class BigFloat(graphene.Scalar):
    """A number beyond 32-bit integers, such as amounts in micros (1 unit = 1,000,000)."""

    serialize = _identity
    parse_value = _big_number

    @staticmethod
    def parse_literal(node: ast.ValueNode, _variables: Any = None) -> int | float:
        if isinstance(node, ast.IntValueNode | ast.FloatValueNode | ast.StringValueNode):
            return _big_number(node.value)
        raise GraphQLError("BigFloat must be a number.")


def _position(value: Any) -> int | float | str:
    if value in PLACES or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    raise GraphQLError('Position must be a number, "first" or "last".')


class Position(graphene.Scalar):
    """A record's place in lists: a number, or "first" / "last" to go before or after every other."""

    serialize = _identity
    parse_value = _position

    @staticmethod
    def parse_literal(node: ast.ValueNode, _variables: Any = None) -> int | float | str:
        if isinstance(node, ast.IntValueNode):
            return int(node.value)
        if isinstance(node, ast.FloatValueNode):
            return float(node.value)
        if isinstance(node, ast.StringValueNode):
            return _position(node.value)
        raise GraphQLError('Position must be a number, "first" or "last".')


class RawJSONScalar(graphene.Scalar):
    """Any JSON value (lists of additional emails, phones or links)."""

    serialize = _identity
    parse_value = _identity

    @staticmethod
    def parse_literal(node: ast.ValueNode, variables: Any = None) -> Any:
        value = value_from_ast_untyped(node, variables)
        if value is Undefined:
            raise GraphQLError("Invalid JSON value.")
        return value


class JSON(RawJSONScalar):
    """Any JSON value."""


class TSVector(graphene.Scalar):
    """Twenty's full-text search vector of a record; only selected, never sent."""

    serialize = _identity

    @staticmethod
    def parse_value(_value: Any) -> None:
        raise GraphQLError("A search vector is read only.")

    @staticmethod
    def parse_literal(_node: ast.ValueNode, _variables: Any = None) -> None:
        raise GraphQLError("A search vector is read only.")
