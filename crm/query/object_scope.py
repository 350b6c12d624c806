"""Which rows of a model belong to an object: the one place that says so.

Standard objects own their table. Custom objects share one (``CustomRecord``), told
apart by ``object_id``; every read and write of records goes through ``object_rows``
or ``new_row``, so no query can mix two custom objects.

The object id is written into the SQL as a literal, not bound as a parameter: the
expression indexes of a custom object's fields are partial on its id
(``WHERE object_id = '...'``), and PostgreSQL can use a partial index for a prepared
statement only when the statement itself names the same id. Each custom object's
queries are then distinct statements with plans of their own. The id comes from the
metadata (a UUID), never from a client.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Expression, F, Model, QuerySet

from crm.metadata.schema import CompiledObject, model_of
from crm.models import ObjectMetadata


def object_id_literal(object_id: Any, vendor: str | None = None) -> str:
    """The object id as an SQL literal of the ``object_id`` column's type."""
    parsed = uuid.UUID(str(object_id))
    if (vendor or connection.vendor) == "postgresql":
        return f"'{parsed}'::uuid"
    return f"'{parsed.hex}'"  # SQLite stores UUIDs as 32 hex digits


class IsObject(Expression):
    """``<table>.object_id = '<id>'`` with the id as a literal (see the module docstring)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, object_id: Any, column: Any = None) -> None:
        super().__init__()
        self.object_id = object_id
        self.column = column if column is not None else F("object_id")

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, exprs: list[Any]) -> None:
        (self.column,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.column)
        return f"{sql} = {object_id_literal(self.object_id, connection.vendor)}", params


def object_rows(obj: CompiledObject) -> QuerySet[Any]:
    """Every row of ``obj`` in every workspace (callers narrow it to theirs)."""
    queryset = obj.model.objects.all()
    if obj.is_custom:
        queryset = queryset.filter(IsObject(obj.id))
    return queryset


def metadata_rows(obj: ObjectMetadata) -> QuerySet[Any]:
    """Every row of an object known by its metadata row (active or not)."""
    queryset = model_of(obj).objects.all()
    if obj.is_custom:
        queryset = queryset.filter(IsObject(obj.id))
    return queryset


def new_row(obj: CompiledObject, **values: Any) -> Model:
    """An unsaved row of ``obj``."""
    if obj.is_custom:
        values["object_id"] = uuid.UUID(obj.id)
    return obj.model(**values)


def scope_sql(obj: CompiledObject, table: str) -> str:
    """`` AND <table>.object_id = '<id>'`` for hand-written SQL over ``obj``'s table; "" for a standard object."""
    if not obj.is_custom:
        return ""
    return f" AND {table}.{connection.ops.quote_name('object_id')} = {object_id_literal(obj.id)}"
