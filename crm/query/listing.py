"""Reading pages of records: filter, order, keyset cursors, totalCount, depth.

Both APIs read through here. A page costs one query for the rows, at most one
for the count (without a filter, a read of the number the database keeps: see
crm.query.live_counts), and at depth 1 either nothing more (the database builds each
record with its relations' records in the page's own statement) or, where a relation is
not a record table, one query per relation, whatever the page size.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import orjson
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact, GreaterThan, LessThan

from crm.metadata.schema import CompiledField, CompiledObject, get_workspace_schema
from crm.models import Workspace, WorkspaceMember
from crm.query.ast import Node, OrderBy
from crm.query.compile import QueryValueError, SortKey, coerce, coerce_tie_breaker, filter_to_q, sort_keys
from crm.query.compiled_reads import CompiledRead, compiled_read
from crm.query.json_record import DATABASE_JSON_VENDORS, RecordJson, Shape, full_shape, plain_link, shape_with_relations
from crm.query.live_counts import live_record_count
from crm.query.object_scope import scope_sql
from crm.query.plain_select import PlainSelect
from crm.query.record_queries import RecordNotFoundError, get_object, records
from crm.query.serialize import compile_serializer
from crm.query.trash import reaches_deleted

DEFAULT_LIMIT = 60
MAX_LIMIT = 200
_WHOLE_NUMBER = re.compile(r"^\s*[0-9]{1,6}\s*$")
_DIGITS = re.compile(r"^\s*[0-9]+\s*$")


@dataclass
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None = None
    end_cursor: str | None = None


@dataclass
class RecordPage:
    records: list[dict[str, Any]]
    cursors: list[str]
    page_info: PageInfo
    total_count: int


def list_records(
    workspace: Workspace,
    obj: CompiledObject,
    *,
    filter: Node | None = None,  # noqa: A002 - the name clients use
    order_by: Sequence[OrderBy] = (),
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    offset: int | None = None,
    depth: int = 0,
    count: bool = True,
    shape: Shape | None = None,
    passthrough: bool = False,
) -> RecordPage:
    """A page of records; ``count=False`` skips counting (``total_count`` is then -1).

    With a ``shape``, the database builds each record's JSON with just those fields
    (crm.query.json_record) instead of the serializer writing every field; with
    ``passthrough`` too, each record is that JSON as it came (an ``orjson.Fragment``
    that orjson writes out unparsed), for answers that send the records as they are.

    ``offset`` skips that many records first, in the direction of the page."""
    if after and before:
        raise QueryValueError("Use either a cursor to go forward or one to go back, not both")
    backwards = before is not None or (last is not None and first is None)
    limit = parse_limit(last if backwards else first)
    skip = parse_offset(offset)
    keys = sort_keys(obj, order_by)
    relations_built = False
    if shape is None and connection.vendor in DATABASE_JSON_VENDORS:
        shape = _depth_one_shape(workspace, obj) if depth else None
        relations_built = shape is not None
        shape = shape or full_shape(obj)
    if shape is None:
        columns, serialize = compile_serializer(obj)
    else:
        # Records Python adds relations to (embed_relations) must be dicts.
        fragments = passthrough and (relations_built or not depth)
        columns, serialize = ("_json",), _json_fragment if fragments else _read_json
    key_columns = [key.orm_path.split("__")[0] for key in keys]
    fetch_keys = [key.reversed() for key in keys] if backwards else keys
    names = tuple(dict.fromkeys([*columns, *key_columns]))
    cursor = before if backwards else after
    # The records the filter matches, built only when a page or a count needs them.
    matching = _matching(workspace, obj, filter) if filter is not None else None
    if matching is None and not cursor and shape is not None:
        rows = _first_page_read(obj, shape, tuple(fetch_keys), names, skip, limit).rows({"workspace": workspace.pk})
    else:
        queryset = matching if matching is not None else _matching(workspace, obj, None)
        if shape is not None:
            queryset = queryset.annotate(_json=RecordJson(obj, shape))
        if cursor:
            queryset = queryset.filter(after_q(fetch_keys, decode_cursor(cursor, keys)))
        rows = list(
            queryset.order_by(*(key.expression() for key in fetch_keys)).values(*names)[skip : skip + limit + 1]
        )
    page = page_from_rows(
        rows, keys, limit=limit, backwards=backwards, after=after, before=before, serialize=serialize, skipped=skip
    )
    if count and (cursor or page.page_info.has_next_page or page.page_info.has_previous_page):
        # Every live record of the object: a number the database keeps, not a count.
        page.total_count = live_record_count(workspace, obj) if matching is None else matching.count()
    elif not count:
        page.total_count = -1
    if depth and not relations_built:
        embed_relations(workspace, obj, page.records)
    return page


def _depth_one_shape(workspace: Workspace, obj: CompiledObject) -> Shape | None:
    """Each record with its relations' records, built by the database in the page's own
    statement (crm.query.json_record.shape_with_relations); None where some relation is
    embedded by ``embed_relations`` instead."""
    return shape_with_relations(obj, get_workspace_schema(workspace).objects)


def _matching(workspace: Workspace, obj: CompiledObject, filter: Node | None) -> Any:  # noqa: A002
    """The records a filter matches: live ones, or the trash when the filter reaches it."""
    queryset = records(workspace, obj, include_deleted=reaches_deleted(filter))
    return queryset.filter(filter_to_q(obj, filter)) if filter is not None else queryset


def _first_page_read(
    obj: CompiledObject, shape: Shape, fetch_keys: tuple[SortKey, ...], names: tuple[str, ...], skip: int, limit: int
) -> CompiledRead:
    """An unfiltered page without a cursor (most list requests): its SQL depends only on
    the object, the fields, the order and the page size, so it is compiled once."""

    def build(stand_ins: dict[str, Any]) -> Any:
        rows = records(Workspace(pk=stand_ins["workspace"]), obj).annotate(_json=RecordJson(obj, shape))
        ordered = rows.order_by(*(key.expression() for key in fetch_keys))
        return ordered.values(*names)[skip : skip + limit + 1]

    return compiled_read(("first page", obj, shape, fetch_keys, names, skip, limit), ("workspace",), build)


def _read_json(row: dict[str, Any]) -> Any:
    return orjson.loads(row["_json"])


def _json_fragment(row: dict[str, Any]) -> orjson.Fragment:
    return orjson.Fragment(row["_json"])


def page_from_rows(
    rows: list[dict[str, Any]],
    keys: Sequence[SortKey],
    *,
    limit: int,
    backwards: bool,
    after: str | None,
    before: str | None,
    serialize: Any,
    skipped: int = 0,
) -> RecordPage:
    """Shape up to ``limit + 1`` fetched rows (in fetch order) into a page.

    ``total_count`` is the number of rows on the page; callers count when the
    page is not the whole result. ``serialize`` of None keeps the rows as they are
    (the caller serializes them). ``skipped`` rows (an offset) came before them.
    """
    has_more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    cursors = [encode_cursor([key_value(key, row) for key in keys]) for row in rows]
    if backwards:
        info = PageInfo(has_next_page=before is not None or skipped > 0, has_previous_page=has_more)
    else:
        info = PageInfo(has_next_page=has_more, has_previous_page=after is not None or skipped > 0)
    if cursors:
        info.start_cursor, info.end_cursor = cursors[0], cursors[-1]
    records_ = [serialize(row) for row in rows] if serialize else rows
    return RecordPage(records_, cursors, info, len(rows))


def get_record_data(
    workspace: Workspace, obj: CompiledObject, record_id: Any, depth: int = 0, *, passthrough: bool = False
) -> Any:
    """One live record as the REST API answers it. Where the database builds JSON, it is
    that JSON: as it came with ``passthrough`` (an ``orjson.Fragment``), else parsed."""
    shape = None
    if connection.vendor in DATABASE_JSON_VENDORS and isinstance(record_id, uuid.UUID):
        shape = _depth_one_shape(workspace, obj) if depth else full_shape(obj)
    if shape is not None:
        found = record_json(workspace, obj, record_id, shape)
        if found is None:
            raise RecordNotFoundError(f"No {obj.name_singular} with id '{record_id}'")
        return orjson.Fragment(found) if passthrough else orjson.loads(found)
    columns, serialize = compile_serializer(obj)
    select = _by_id_select(obj)
    pk = obj.model._meta.pk
    try:
        params = [pk.get_db_prep_value(value, connection) for value in (workspace.pk, record_id)]
    except (ValueError, TypeError, ValidationError):
        params = None
    rows = select.rows(params) if params is not None else []
    if not rows:
        raise RecordNotFoundError(f"No {obj.name_singular} with id '{str(record_id)[:60]}'")
    data = serialize(dict(zip(columns, rows[0], strict=True)))
    if depth:
        embed_relations(workspace, obj, [data])
    return data


@lru_cache(maxsize=512)
def _by_id_select(obj: CompiledObject) -> PlainSelect:
    """One live record of a workspace by id: the read behind every GET of one record,
    written once per compiled object rather than built as a QuerySet each time."""
    columns, _ = compile_serializer(obj)
    quote = connection.ops.quote_name
    return PlainSelect(
        obj.model,
        columns,
        f"WHERE {{table}}.{quote('workspace_id')} = %s AND {{table}}.{quote('deleted_at')} IS NULL"
        f"{scope_sql(obj, '{table}')} AND {{table}}.{quote('id')} = %s LIMIT 1",
    )


def record_json(workspace: Workspace, obj: CompiledObject, record_id: uuid.UUID, shape: Shape) -> str | None:
    """One live record's JSON as the database builds it, with the fields of ``shape``;
    None when the workspace has no such record. The read behind every GET of one record,
    compiled once per object and shape (crm.query.compiled_reads)."""

    def build(stand_ins: dict[str, uuid.UUID]) -> Any:
        rows = records(Workspace(pk=stand_ins["workspace"]), obj).filter(id=stand_ins["id"])
        return rows.annotate(_json=RecordJson(obj, shape)).values("_json")[:1]

    read = compiled_read(("one by id", obj, shape), ("workspace", "id"), build)
    rows = read.rows({"workspace": workspace.pk, "id": record_id})
    return rows[0]["_json"] if rows else None


def embed_relations(workspace: Workspace, obj: CompiledObject, data: list[dict[str, Any]]) -> None:
    """depth=1: put each relation's record (or list of records) next to its id."""
    for relation_field in obj.relations:
        related = load_related(workspace, obj, relation_field, data)
        many = relation_field.relation is not None and relation_field.relation.kind == "ONE_TO_MANY"
        for record in data:
            record[relation_field.name] = related.get(record["id"], [] if many else None)


def load_related(
    workspace: Workspace, obj: CompiledObject, relation_field: CompiledField, parents: list[dict[str, Any]]
) -> dict[str, Any]:
    """Related records of many parents in one query: parent id -> dict (to-one) or list (to-many)."""
    relation = relation_field.relation
    assert relation is not None
    if relation.kind == "MANY_TO_ONE":
        assert relation.join_field is not None
        wanted = {p["id"]: p.get(relation.join_field) for p in parents if p.get(relation.join_field)}
        if not wanted:
            return {}
        if relation.target == "workspaceMember":
            found = _members(workspace, set(wanted.values()))
        else:
            target = get_object(workspace, relation.target)
            columns, serialize = compile_serializer(target)
            rows = records(workspace, target).filter(id__in=set(wanted.values())).values(*columns)
            found = {str(row["id"]): serialize(row) for row in rows}
        return {parent_id: found.get(str(target_id)) for parent_id, target_id in wanted.items()}
    target = get_object(workspace, relation.target)
    _, serialize = compile_serializer(target)
    fk = relation.target_fk_column
    assert fk is not None
    parent_ids = list(dict.fromkeys(p["id"] for p in parents))
    if not parent_ids:
        return {}
    if not plain_link(relation):  # a foreign key kept in the custom JSON column
        return _children_by_orm(workspace, target, fk, parent_ids)
    select = _children_select(target, fk, len(parent_ids))
    fk_field = target.model._meta.get_field(fk)
    params = [
        target.model._meta.pk.get_db_prep_value(workspace.pk, connection),
        *(fk_field.get_db_prep_value(parent_id, connection) for parent_id in parent_ids),
    ]
    grouped: dict[str, list[dict[str, Any]]] = {}
    for values in select.rows(params):
        row = dict(zip(select.names, values, strict=True))
        grouped.setdefault(str(row[fk]), []).append(serialize(row))
    return grouped


def _children_by_orm(
    workspace: Workspace, target: CompiledObject, fk: str, parent_ids: list[Any]
) -> dict[str, list[dict[str, Any]]]:
    """Children whose link to their parent is a custom value (``custom__projectId``): the
    ORM reads it from the JSON column, within the target object's own records."""
    columns, serialize = compile_serializer(target)
    grouped: dict[str, list[dict[str, Any]]] = {}
    rows = (
        records(workspace, target)
        .filter(**{f"{fk}__in": [str(parent_id) for parent_id in parent_ids]})
        .order_by("position", "id")
        .values(*dict.fromkeys([*columns, fk]))
    )
    for row in rows:
        grouped.setdefault(str(row[fk]), []).append(serialize(row))
    return grouped


@lru_cache(maxsize=1024)
def _children_select(target: CompiledObject, fk: str, count: int) -> PlainSelect:
    """The live records of ``target`` whose ``fk`` is one of ``count`` parent ids, in list
    order: every depth=1 page embeds a list per to-many relation, and building that query
    as a QuerySet each time cost more than running it."""
    columns, _ = compile_serializer(target)
    quote = connection.ops.quote_name
    fk_column = quote(target.model._meta.get_field(fk).column)
    marks = ", ".join(["%s"] * count)
    return PlainSelect(
        target.model,
        list(dict.fromkeys([*columns, fk])),
        f"WHERE {{table}}.{quote('workspace_id')} = %s AND {{table}}.{quote('deleted_at')} IS NULL"
        f" AND {{table}}.{fk_column} IN ({marks})"
        f" ORDER BY {{table}}.{quote('position')} ASC, {{table}}.{quote('id')} ASC",
    )


def _members(workspace: Workspace, ids: set[Any]) -> dict[str, dict[str, Any]]:
    members = WorkspaceMember.objects.filter(workspace=workspace, id__in=ids).select_related("user")
    return {
        str(m.id): {
            "id": str(m.id),
            "name": {"firstName": m.first_name, "lastName": m.last_name},
            "userEmail": m.user.email,
        }
        for m in members
    }


def parse_limit(value: Any, *, cap: bool = False) -> int:
    """A page size: ``None`` (or an empty query parameter) gives the default; otherwise a
    whole number from 0 to MAX_LIMIT, as an int (GraphQL) or as digits (a query string).
    With ``cap``, a larger number means MAX_LIMIT, as Twenty's REST API reads ``limit``."""
    if value is None or value == "":
        return DEFAULT_LIMIT
    if isinstance(value, str) and (_DIGITS if cap else _WHOLE_NUMBER).match(value):
        value = int(value.strip()[:7])  # seven digits are beyond any limit already
    if cap and isinstance(value, int) and not isinstance(value, bool):
        value = min(value, MAX_LIMIT)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_LIMIT:
        if cap:
            # Twenty's REST words, which its clients may compare.
            raise QueryValueError(f"limit '{str(value)[:20]}' is invalid. Should be an integer")
        raise QueryValueError(f"limit must be a whole number from 0 to {MAX_LIMIT}, not '{str(value)[:20]}'")
    return value


def parse_offset(value: Any) -> int:
    """Records to skip: None gives 0, otherwise a whole number from 0 up."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise QueryValueError(f"offset must be a whole number from 0 up, not '{str(value)[:20]}'")
    return value


def key_value(key: SortKey, row: dict[str, Any]) -> Any:
    if key.target is not None and key.target.is_custom:
        value: Any = row.get("custom") or {}
        for name in key.target.custom_keys:
            value = value.get(name) if isinstance(value, dict) else None
        return value
    return row[key.orm_path]


def after_q(keys: Sequence[SortKey], values: Sequence[Any]) -> Q:
    """Rows strictly after ``values`` in the order ``keys`` (keyset pagination)."""
    result = Q(pk__in=[])
    equal_so_far = Q()
    for key, value in zip(keys, values, strict=True):
        result |= equal_so_far & _strictly_after(key, value)
        equal_so_far &= Q(**{f"{key.orm_path}__isnull": True}) if value is None else _equal(key, value)
    return result


def _equal(key: SortKey, value: Any) -> Q:
    if key.ignore_case:
        # The database lowers both sides alike, so the cursor continues the order it sorted.
        return Q(Exact(key.column(), Lower(Value(value))))
    return Q(**{key.orm_path: value})


def _strictly_after(key: SortKey, value: Any) -> Q:
    not_null = Q(**{f"{key.orm_path}__isnull": False})
    if value is None:
        # Among NULLs nothing is strictly after; non-NULLs follow only when NULLs come first.
        return not_null if key.nulls_first else Q(pk__in=[])
    if key.ignore_case:
        beyond = Q((LessThan if key.descending else GreaterThan)(key.column(), Lower(Value(value))))
    else:
        beyond = Q(**{f"{key.orm_path}__{'lt' if key.descending else 'gt'}": value})
    return beyond if key.nulls_first else beyond | Q(**{f"{key.orm_path}__isnull": True})


def encode_cursor(values: list[Any]) -> str:
    try:
        # orjson writes dates, datetimes and UUIDs as isoformat() and str() do, in C:
        # a page makes one cursor per record.
        raw = orjson.dumps(values, default=str)
    except (orjson.JSONEncodeError, TypeError):  # beyond its range, such as a 65-bit integer
        raw = json.dumps([_jsonable(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, keys: Sequence[SortKey]) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise QueryValueError("Invalid cursor") from None
    if not isinstance(values, list) or len(values) != len(keys):
        raise QueryValueError("Invalid cursor: it does not match this order_by")
    decoded = []
    for key, value in zip(keys, values, strict=True):
        if value is None:
            pass
        elif key.target is None:
            value = coerce_tie_breaker(key.orm_path, value)
        else:
            try:
                value = coerce(key.target, value)
            except QueryValueError:
                raise QueryValueError("Invalid cursor") from None
        decoded.append(value)
    return decoded


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
