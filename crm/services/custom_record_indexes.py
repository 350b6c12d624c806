"""Indexes on the values of custom objects' records (PostgreSQL).

Records of custom objects share one table and keep their values in the JSONB column
``custom`` (crm/models/custom_record.py). So that filtering and ordering on a field
cost what they cost on a standard column, each indexable field of a custom object gets
an expression index over its value, partial on the object and on live records, and
statistics on the same expression (the planner takes none from a partial index)::

    CREATE INDEX crm_cr_<object>_<field> ON crm_customrecord
        ((custom -> 'name') ASC NULLS FIRST, id) WHERE object_id = '<id>'::uuid AND deleted_at IS NULL

The expression is the one Django writes for ``custom__name`` lookups and orderings, and
the object id is a literal in both the index and the queries (crm/query/object_scope.py),
so the planner matches them. An index covers only its object's rows: a workspace's
objects and fields cost nothing to the others' writes. ``NULLS FIRST`` matches the
APIs' default order (AscNullsFirst); a backward scan serves DescNullsLast.

Indexes are created and dropped inside the metadata change's transaction (PostgreSQL's
DDL is transactional), so a failed change leaves none behind. SQLite, the embedded
development database, gets none.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper

from crm.models import CustomRecord, FieldMetadata, ObjectMetadata

# Types whose value is one JSON scalar: equality, ranges and order use a btree.
SCALAR_TYPES = frozenset({"TEXT", "NUMBER", "BOOLEAN", "DATE_TIME", "DATE", "SELECT", "RATING", "UUID"})
# The sub-fields of composite types that lists filter and sort by.
INDEXED_SUBFIELDS = {
    "FULL_NAME": ("firstName", "lastName"),
    "EMAILS": ("primaryEmail",),
    "PHONES": ("primaryPhoneNumber",),
    "LINKS": ("primaryLinkUrl",),
    "CURRENCY": ("amountMicros",),
    "ADDRESS": ("addressCity",),
}


# Values kept as numbers, dates or ids: every other indexed value is text, which lists
# sort without regard to case (crm.query.compile.SortKey), so it gets a second index
# on its lowered value.
NOT_TEXT = frozenset({"NUMBER", "BOOLEAN", "DATE_TIME", "DATE", "UUID", "RELATION", "CURRENCY"})


def index_paths(field: FieldMetadata) -> list[tuple[str, ...]]:
    """The JSON paths of ``field``'s values worth an index."""
    if field.is_system:
        return []  # real columns
    if field.type == "RELATION":
        join = (field.settings or {}).get("joinColumnName")
        return [(join,)] if join else []
    if field.type in SCALAR_TYPES:
        return [(field.name,)]
    return [(field.name, sub) for sub in INDEXED_SUBFIELDS.get(field.type, ())]


def _enabled(obj: ObjectMetadata) -> bool:
    return obj.is_custom and connection.vendor == "postgresql"


def _prefix(object_id: Any) -> str:
    return f"crm_cr_{uuid.UUID(str(object_id)).hex[:16]}_"


def _like_prefix(object_id: Any) -> str:
    return _prefix(object_id).replace("_", "\\_") + "%"


def _name(object_id: Any, path: tuple[str, ...]) -> str:
    return _prefix(object_id) + hashlib.sha256(".".join(path).encode()).hexdigest()[:16]


def _expression(path: tuple[str, ...]) -> str:
    # Field names are camelCase identifiers (checked by the metadata rules): safe to quote as literals.
    if len(path) == 1:
        return f"(\"custom\" -> '{path[0]}')"
    return f"(\"custom\" #> '{{{','.join(path)}}}')"


def _lowered_expression(path: tuple[str, ...]) -> str:
    """The value as text, lowered: what a case-blind order sorts by (LOWER(custom ->> ...))."""
    if len(path) == 1:
        return f"LOWER((\"custom\" ->> '{path[0]}'))"
    return f"LOWER((\"custom\" #>> '{{{','.join(path)}}}'))"


@contextmanager
def _ddl_cursor() -> Iterator[CursorWrapper]:
    """A cursor for index DDL inside the current transaction. PostgreSQL refuses DDL on a
    table whose rows this transaction changed while their (deferred) foreign-key checks
    are pending: the checks run now instead of at commit, then defer again."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        try:
            yield cursor
        finally:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def create_field_indexes(field: FieldMetadata) -> None:
    obj = field.object
    if not _enabled(obj):
        return
    table = connection.ops.quote_name(CustomRecord._meta.db_table)
    live = f'"object_id" = \'{uuid.UUID(str(obj.id))}\'::uuid AND "deleted_at" IS NULL'
    with _ddl_cursor() as cursor:
        for path in index_paths(field):
            name = _name(obj.id, path)
            expressions = {name: _expression(path)}
            if field.type not in NOT_TEXT:
                expressions[f"{name}_ci"] = _lowered_expression(path)
            for index, expression in expressions.items():
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {index} ON {table} "  # noqa: S608 - identifiers only
                    f'({expression} ASC NULLS FIRST, "id") WHERE {live}'
                )
            # The planner reads no statistics from partial indexes: without these, it would
            # guess that a third of the rows pass any range filter on the value.
            if connection.pg_version >= 140000:  # statistics on an expression came with PostgreSQL 14
                cursor.execute(f"CREATE STATISTICS IF NOT EXISTS {name}_st ON {_expression(path)} FROM {table}")


def drop_field_indexes(field: FieldMetadata) -> None:
    obj = field.object
    if not _enabled(obj):
        return
    with _ddl_cursor() as cursor:
        for path in index_paths(field):
            cursor.execute(f"DROP INDEX IF EXISTS {_name(obj.id, path)}")
            cursor.execute(f"DROP INDEX IF EXISTS {_name(obj.id, path)}_ci")
            cursor.execute(f"DROP STATISTICS IF EXISTS {_name(obj.id, path)}_st")


def drop_object_indexes(obj: ObjectMetadata) -> None:
    if not _enabled(obj):
        return
    with _ddl_cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE %s", [_like_prefix(obj.id)])
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")
        cursor.execute("SELECT stxname FROM pg_statistic_ext WHERE stxname LIKE %s", [_like_prefix(obj.id)])
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP STATISTICS IF EXISTS {connection.ops.quote_name(name)}")


def object_index_names(obj: ObjectMetadata) -> list[str]:
    """The field indexes an object has (for tests and diagnostics)."""
    if not _enabled(obj):
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE %s ORDER BY 1", [_like_prefix(obj.id)])
        return [name for (name,) in cursor.fetchall()]
