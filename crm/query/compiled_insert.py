"""INSERT statements built once per model and row count, for the write paths that run on
every API create (records and their events).

The ORM builds an INSERT's SQL anew on every save: it quotes every column, asks every
field for its placeholder and joins the lot, which was about a quarter of a create's
Python time. That SQL depends only on the table's columns and the number of rows, so
here it is built once and kept. Values are still prepared by each field exactly as the
ORM prepares them (``pre_save``, then ``get_db_prep_save``), so defaults, ``auto_now_add``
and JSON encoding behave as with ``bulk_create``.

Only plain values are written: a field with a placeholder of its own (binary, arrays,
geometry) or a value that is an SQL expression is left to ``bulk_create``.

Preparing is itself a chain of four or five calls per value, and a create has some forty
values (record and event). For Django's own plain field classes, a value of the type the
column takes (a ``str`` for a ``CharField``, a ``UUID`` where the database has a UUID
type, ``None``) comes out of that chain unchanged, so such a value skips it
(``_unchanged_types``; tests/records/test_compiled_insert.py checks each case).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import Field, Model


def insert(model: type[Model], instances: Sequence[Model]) -> None:
    """Insert unsaved ``instances`` of ``model`` (their primary keys already set), as
    ``bulk_create`` would, in as few statements as the database's parameter limit allows."""
    fields = _fields(model)
    if fields is None or not instances:
        model._default_manager.bulk_create(instances)
        return
    size = max(1, connection.ops.bulk_batch_size(fields, instances))
    statements = [insert_sql(model, instances[start : start + size]) for start in range(0, len(instances), size)]
    if None in statements:
        model._default_manager.bulk_create(instances)
        return
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
    mark_saved(instances)


def insert_sql(model: type[Model], instances: Sequence[Model]) -> tuple[str, list[Any]] | None:
    """One INSERT of every instance, for a statement of the caller's own (a CTE); None
    when the ORM must write them (see the module's docstring)."""
    preparers = _preparers(model)
    if preparers is None:
        return None
    rows = [[field.pre_save(instance, True) for field, _unchanged in preparers] for instance in instances]
    if any(hasattr(value, "resolve_expression") for row in rows for value in row):
        return None
    # The connection itself, not django.db.connection: that proxy finds it anew on every
    # attribute a field's preparing reads.
    database = connections[DEFAULT_DB_ALIAS]
    params = [
        value if type(value) in unchanged else field.get_db_prep_save(value, database)
        for row in rows
        for value, (field, unchanged) in zip(row, preparers, strict=True)
    ]
    return _statement(model, len(instances)), params


def mark_saved(instances: Sequence[Model]) -> None:
    """What the ORM records on instances it has inserted."""
    for instance in instances:
        instance._state.adding = False
        instance._state.db = connection.alias


@lru_cache(maxsize=256)
def _fields(model: type[Model]) -> tuple[Field, ...] | None:
    """The columns an insert writes, or None when one of them needs a placeholder of its own."""
    fields = tuple(field for field in model._meta.concrete_fields if not field.generated)
    if any(hasattr(field, "get_placeholder") for field in fields):
        return None
    return fields


@lru_cache(maxsize=256)
def _preparers(model: type[Model]) -> tuple[tuple[Field, frozenset[type]], ...] | None:
    fields = _fields(model)
    if fields is None:
        return None
    return tuple((field, _unchanged_types(field)) for field in fields)


def _unchanged_types(field: Field) -> frozenset[type]:
    """Types of value that ``field.get_db_prep_save`` returns as they are, on this database."""
    kind = type(field)
    if kind is models.ForeignKey:
        # A foreign key prepares its value as the field it points at does.
        return _unchanged_types(field.target_field)
    if kind in (models.CharField, models.TextField):
        return frozenset({str, type(None)})
    if kind is models.FloatField:
        return frozenset({float, type(None)})
    if kind is models.BooleanField:
        return frozenset({bool, type(None)})
    if kind is models.UUIDField and connection.features.has_native_uuid_field:
        return frozenset({uuid.UUID, type(None)})
    return frozenset()


@lru_cache(maxsize=1024)
def _statement(model: type[Model], row_count: int) -> str:
    fields = _fields(model)
    assert fields is not None
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    row = ["%s"] * len(fields)
    values = connection.ops.bulk_insert_sql(fields, [row] * row_count)
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {values}"
