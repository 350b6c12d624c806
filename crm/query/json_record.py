"""Records as JSON built by the database: only the fields a request asks for, to-one
relations in the same statement.

A ``Shape`` says which keys a record's JSON has and where each value comes from (a
column, a sub-field of a composite, a custom value, a related record, a constant).
``RecordJson`` is an ORM expression that makes the database build that JSON for every
row, so a page of records reaches Python as one text value per row, which orjson reads
in C: no per-field Python work, whatever the page size.

The values come out exactly as the record serializer (crm.query.serialize) writes them:
ids as strings, dates in Twenty's ``2025-01-31T09:30:00.000Z`` format, lists as lists.
PostgreSQL and SQLite differ only in how that is spelled (``json_build_object`` or
``json_object``, how a date or a UUID is formatted), each in a dialect below.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import Expression, TextField

from crm.metadata.schema import CompiledField, CompiledObject, SubField

SQL = tuple[str, list[Any]]
# PostgreSQL takes at most 100 arguments to a function: 50 keys and their values.
MAX_KEYS = 50


class ShapeNotSupported(Exception):
    """The request asks for something this path does not build; the general path answers."""


@dataclass(frozen=True)
class Value:
    key: str
    field: CompiledField


@dataclass(frozen=True)
class Composite:
    key: str
    field: CompiledField
    subfields: tuple[tuple[str, SubField], ...]  # (key, sub-field)
    constants: tuple[tuple[str, str], ...] = ()  # (key, text), such as __typename


@dataclass(frozen=True)
class Related:
    """A many-to-one relation: the live related record of the same workspace, or null."""

    key: str
    field: CompiledField
    target: CompiledObject
    shape: Shape


@dataclass(frozen=True)
class RelatedMany:
    """A one-to-many relation: the live records of the same workspace pointing at this
    one through ``fk`` (a plain column of ``target``), in list order, as a list."""

    key: str
    fk: str
    target: CompiledObject
    shape: Shape


@dataclass(frozen=True)
class Constant:
    key: str
    text: str


Part = Value | Composite | Related | RelatedMany | Constant


@dataclass(frozen=True)
class Shape:
    parts: tuple[Part, ...]

    def __hash__(self) -> int:
        # A shape keys the compiled reads (crm.query.compiled_reads) and is hashed on every
        # read: hashing its parts, and theirs, took about as long as the rest of the lookup.
        found = self.__dict__.get("_hash")
        if found is None:
            found = hash(self.parts)
            object.__setattr__(self, "_hash", found)
        return found


@lru_cache(maxsize=512)
def full_shape(obj: CompiledObject) -> Shape:
    """Every stored field, as REST answers a record at depth 0."""
    parts: list[Part] = []
    for field in obj.value_fields:
        if field.is_composite:
            parts.append(Composite(field.name, field, tuple((sub.name, sub) for sub in field.subfields)))
        else:
            parts.append(Value(field.name, field))
    return Shape(tuple(parts))


class RecordJson(Expression):
    """The JSON of each row of the query's own table, as text.

    The SQL is written once per database, object and shape (``_record_sql``) and reads
    the columns by the table's name, as the base table of a query is named: building
    and resolving an expression per column on every request would cost more than the
    database's work for a small page.
    """

    def __init__(self, obj: CompiledObject, shape: Shape) -> None:
        super().__init__(output_field=TextField())
        self.obj, self.shape = obj, shape
        _check_size(shape)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        sql, params = _record_sql(connection.vendor, self.obj, self.shape)
        return sql, list(params)


def _check_size(shape: Shape) -> None:
    for part in shape.parts:
        if isinstance(part, Composite) and len(part.subfields) + len(part.constants) > MAX_KEYS:
            raise ShapeNotSupported("too many keys for one JSON object")
        if isinstance(part, Related):
            _check_size(part.shape)
    if len(shape.parts) > MAX_KEYS:
        raise ShapeNotSupported("too many keys for one JSON object")


@lru_cache(maxsize=1024)
def _record_sql(vendor: str, obj: CompiledObject, shape: Shape) -> tuple[str, tuple[Any, ...]]:
    dialect = DIALECTS.get(vendor)
    if dialect is None:
        raise ShapeNotSupported(f"no JSON dialect for {vendor}")
    table = connection.ops.quote_name(obj.model._meta.db_table)
    sql, params = dialect.record(obj, shape, table, depth=0)
    return dialect.finish(sql, nested=False), tuple(params)


def shape_with_relations(obj: CompiledObject, objects: Mapping[str, CompiledObject]) -> Shape | None:
    """Every stored field and every relation's records (each with its own stored fields),
    as REST answers a record at depth 1; ``objects`` are the workspace's, by singular
    name. None when a relation is one this cannot build (a workspace member, or records
    pointing here through a custom field)."""
    parts = list(full_shape(obj).parts)
    for field in obj.relations:
        relation = field.relation
        assert relation is not None
        target = objects.get(relation.target)
        if target is None or not plain_link(relation):
            return None
        if relation.kind == "MANY_TO_ONE":
            parts.append(Related(field.name, field, target, full_shape(target)))
        elif not target.is_custom:
            assert relation.target_fk_column is not None  # plain_link says so
            parts.append(RelatedMany(field.name, relation.target_fk_column, target, full_shape(target)))
        else:
            return None
    return Shape(tuple(parts))


def plain_link(relation: Any) -> bool:
    """Whether a relation's link is a column of its own: a many-to-one's id on this side,
    a one-to-many's foreign key on the other. Custom relations keep theirs in the
    ``custom`` JSON column (a ``custom__...`` path), which SQL written from columns does not read."""
    column = relation.join_column if relation.kind == "MANY_TO_ONE" else relation.target_fk_column
    return column is not None and "__" not in column


def _column(obj: CompiledObject, table: str, path: str) -> SQL:
    return f"{table}.{connection.ops.quote_name(obj.model._meta.get_field(path).column)}", []


class Dialect(ABC):
    """How one database spells a record's JSON; each database's subclass says it."""

    @abstractmethod
    def object(self, pairs: list[tuple[str, SQL]]) -> SQL:
        """A JSON object of these keys and values, in this order."""

    @abstractmethod
    def finish(self, sql: str, *, nested: bool) -> str:
        """The top-level value as text, or (``nested``) a JSON value inside another."""

    @abstractmethod
    def column(self, field_type: str, kind: str | None, sql: SQL) -> SQL:
        """A stored column as the serializer writes it (dates, ids, booleans, lists)."""

    @abstractmethod
    def custom(self, custom: SQL, *path: str) -> SQL:
        """A value inside the ``custom`` JSON column."""

    @abstractmethod
    def custom_present(self, custom: SQL, name: str) -> SQL:
        """Whether the ``custom`` JSON column holds a value under ``name``."""

    @abstractmethod
    def constant(self, text: str) -> SQL:
        """A string written as it is, such as a ``__typename``."""

    def related(self, sql: SQL) -> SQL:
        return sql

    def record(self, obj: CompiledObject, shape: Shape, table: str, *, depth: int) -> SQL:
        return self.object([(part.key, self._part(obj, part, table, depth)) for part in shape.parts])

    def _part(self, obj: CompiledObject, part: Part, table: str, depth: int) -> SQL:
        if isinstance(part, Constant):
            return self.constant(part.text)
        if isinstance(part, Related):
            return self.related(self._related(obj, part, table, depth))
        if isinstance(part, RelatedMany):
            return self.related(self._related_many(obj, part, table, depth))
        field = part.field
        if isinstance(part, Value):
            if field.is_custom:
                return self.custom(_column(obj, table, "custom"), field.name)
            return self.column(field.type, None, _column(obj, table, field.path or ""))
        if field.is_custom:
            custom = _column(obj, table, "custom")
            pairs = [(key, self.custom(custom, field.name, sub.name)) for key, sub in part.subfields]
            pairs += [(key, self.constant(text)) for key, text in part.constants]
            present_sql, present_params = self.custom_present(custom, field.name)
            inner_sql, inner_params = self.object(pairs)
            return f"CASE WHEN {present_sql} THEN {inner_sql} END", [*present_params, *inner_params]
        pairs = [(key, self.column(field.type, sub.kind, _column(obj, table, sub.path))) for key, sub in part.subfields]
        pairs += [(key, self.constant(text)) for key, text in part.constants]
        return self.object(pairs)

    def _related(self, obj: CompiledObject, part: Related, table: str, depth: int) -> SQL:
        """The live related record of the same workspace, as a subquery."""
        relation = part.field.relation
        assert relation is not None and relation.join_column is not None
        target = part.target
        alias = connection.ops.quote_name(f"related{depth + 1}")
        inner_sql, inner_params = self.record(target, part.shape, alias, depth=depth + 1)
        key, _ = _column(obj, table, relation.join_column)
        workspace, _ = _column(obj, table, "workspace")
        target_table = connection.ops.quote_name(target.model._meta.db_table)
        target_id, _ = _column(target, alias, "id")
        target_workspace, _ = _column(target, alias, "workspace")
        target_deleted, _ = _column(target, alias, "deleted_at")
        # Only names from the models are interpolated; every value is a parameter.
        sql = (
            f"(SELECT {self.finish(inner_sql, nested=True)} FROM {target_table} {alias}"  # noqa: S608
            f" WHERE {target_id} = {key} AND {target_workspace} = {workspace} AND {target_deleted} IS NULL)"
        )
        return sql, inner_params

    def _related_many(self, obj: CompiledObject, part: RelatedMany, table: str, depth: int) -> SQL:
        """The live records pointing at this one, in list order, as a subquery."""
        target = part.target
        alias = connection.ops.quote_name(f"related{depth + 1}")
        inner_sql, inner_params = self.record(target, part.shape, alias, depth=depth + 1)
        record_id, _ = _column(obj, table, "id")
        workspace, _ = _column(obj, table, "workspace")
        fk, _ = _column(target, alias, part.fk)
        target_workspace, _ = _column(target, alias, "workspace")
        target_deleted, _ = _column(target, alias, "deleted_at")
        order = f"{_column(target, alias, 'position')[0]}, {_column(target, alias, 'id')[0]}"
        source = (
            f"FROM {connection.ops.quote_name(target.model._meta.db_table)} {alias}"
            f" WHERE {fk} = {record_id} AND {target_workspace} = {workspace} AND {target_deleted} IS NULL"
        )
        return self.json_list(self.finish(inner_sql, nested=True), source, order), inner_params

    @abstractmethod
    def json_list(self, item: str, source: str, order: str) -> str:
        """A JSON list of ``item`` for every row of ``source`` (FROM ... WHERE ...), by ``order``."""


def _join(pairs: list[tuple[str, SQL]], key_sql: str) -> SQL:
    parts: list[str] = []
    params: list[Any] = []
    for key, (sql, value_params) in pairs:
        parts.append(f"{key_sql}, {sql}")
        params += [key, *value_params]
    return ", ".join(parts), params


class PostgreSQL(Dialect):
    DATE_TIME = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

    def object(self, pairs: list[tuple[str, SQL]]) -> SQL:
        sql, params = _join(pairs, "%s::text")
        return f"json_build_object({sql})", params

    def finish(self, sql: str, *, nested: bool) -> str:
        return sql if nested else f"{sql}::text"

    def column(self, field_type: str, kind: str | None, sql: SQL) -> SQL:
        column, params = sql
        if kind is None and field_type == "DATE_TIME":
            return self.DATE_TIME.format(column), params
        if kind is None and field_type == "DATE":
            return f"to_char({column}, 'YYYY-MM-DD')", params
        return column, params  # ids, text, numbers, booleans and jsonb lists are JSON already

    def custom(self, custom: SQL, *path: str) -> SQL:
        column, params = custom
        arrows = " -> ".join(["%s::text"] * len(path))
        return f"({column} -> {arrows})", [*params, *path]

    def custom_present(self, custom: SQL, name: str) -> SQL:
        column, params = custom
        return f"({column} -> %s::text) IS NOT NULL", [*params, name]

    def constant(self, text: str) -> SQL:
        return "%s::text", [text]

    def json_list(self, item: str, source: str, order: str) -> str:
        # Only names from the models are interpolated; every value is a parameter.
        return f"(SELECT coalesce(json_agg({item} ORDER BY {order}), '[]'::json) {source})"  # noqa: S608


class SQLite(Dialect):
    # Django stores a date-time as "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC; milliseconds are
    # cut, not rounded, as the serializer cuts them.
    DATE_TIME = (
        "CASE WHEN {0} IS NOT NULL THEN substr({0}, 1, 10) || 'T' || substr({0}, 12, 8) || '.'"
        " || substr(substr({0}, 21) || '000', 1, 3) || 'Z' END"
    )
    # Django stores a UUID as 32 hex digits.
    UUID = (
        "CASE WHEN {0} IS NOT NULL THEN lower(substr({0}, 1, 8) || '-' || substr({0}, 9, 4) || '-'"
        " || substr({0}, 13, 4) || '-' || substr({0}, 17, 4) || '-' || substr({0}, 21)) END"
    )
    BOOLEAN = "CASE WHEN {0} IS NULL THEN NULL WHEN {0} THEN json('true') ELSE json('false') END"

    def object(self, pairs: list[tuple[str, SQL]]) -> SQL:
        sql, params = _join(pairs, "%s")
        return f"json_object({sql})", params

    def finish(self, sql: str, *, nested: bool) -> str:
        return sql

    def column(self, field_type: str, kind: str | None, sql: SQL) -> SQL:
        column, params = sql
        template = (
            {
                "DATE_TIME": self.DATE_TIME,
                "UUID": self.UUID,
                "BOOLEAN": self.BOOLEAN,
                "MULTI_SELECT": "json({0})",
            }.get(field_type)
            if kind is None
            else {"uuid": self.UUID, "list": "json({0})"}.get(kind)
        )
        if template is None:
            return column, params
        return template.format(column), params * template.count("{0}")

    def custom(self, custom: SQL, *path: str) -> SQL:
        column, params = custom
        return f"json({column} -> %s)", [*params, _json_path(path)]

    def custom_present(self, custom: SQL, name: str) -> SQL:
        column, params = custom
        return f"({column} -> %s) IS NOT NULL", [*params, _json_path((name,))]

    def constant(self, text: str) -> SQL:
        return "%s", [text]

    def related(self, sql: SQL) -> SQL:
        # A subquery's value loses its JSON type on SQLite: mark it as JSON again.
        return f"json({sql[0]})", sql[1]

    def json_list(self, item: str, source: str, order: str) -> str:
        # json_group_array takes the rows in the order the inner query gives them.
        return f"(SELECT json_group_array(json(item)) FROM (SELECT {item} AS item {source} ORDER BY {order}))"  # noqa: S608


def _json_path(names: tuple[str, ...]) -> str:
    return "$" + "".join(f'."{name}"' for name in names)


DIALECTS: dict[str, Dialect] = {"postgresql": PostgreSQL(), "sqlite": SQLite()}
# Where pages of records are read as JSON the database builds, whatever the API.
DATABASE_JSON_VENDORS = frozenset(DIALECTS)

__all__ = ["RecordJson", "Shape", "ShapeNotSupported", "full_shape", "plain_link", "shape_with_relations"]
