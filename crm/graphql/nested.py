"""Pages of related records for many parents at once (``company { people(first: 5) }``).

A nested connection has its own filter, order and page size, per parent. Loading
it parent by parent would be one query per parent; instead one query numbers the
children of every parent with a window function (ROW_NUMBER() OVER (PARTITION BY
the foreign key ...)) and keeps the first ``n + 1`` of each, and one grouped query
counts them when ``totalCount`` is asked for. Filtering, ordering and cursors use
the same compiler and cursor format as the top-level lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber

from crm.metadata.schema import CompiledField
from crm.models import Workspace
from crm.query.ast import Node, OrderBy
from crm.query.compile import QueryValueError, filter_to_q, sort_keys
from crm.query.listing import RecordPage, after_q, decode_cursor, page_from_rows, parse_limit, parse_offset
from crm.query.record_queries import get_object, records
from crm.query.serialize import compile_serializer
from crm.query.trash import reaches_deleted

ROW_NUMBER = "_page_row"


def load_child_pages(
    workspace: Workspace,
    relation_field: CompiledField,
    parent_ids: Sequence[str],
    *,
    filter: Node | None = None,  # noqa: A002 - the name clients use
    order_by: Sequence[OrderBy] = (),
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    offset: int | None = None,
    count: bool = True,
) -> dict[str, RecordPage]:
    """parent id -> the page of its related records (ONE_TO_MANY relations)."""
    relation = relation_field.relation
    assert relation is not None and relation.kind == "ONE_TO_MANY" and relation.target_fk_column
    if after and before:
        raise QueryValueError("Use either a cursor to go forward or one to go back, not both")
    target = get_object(workspace, relation.target)
    fk = relation.target_fk_column
    backwards = before is not None or (last is not None and first is None)
    limit = parse_limit(last if backwards else first)
    skip = parse_offset(offset)
    keys = sort_keys(target, order_by)
    fetch_keys = [key.reversed() for key in keys] if backwards else keys
    cursor = before if backwards else after
    base = records(workspace, target, include_deleted=reaches_deleted(filter)).filter(**{f"{fk}__in": list(parent_ids)})
    if filter is not None:
        base = base.filter(filter_to_q(target, filter))
    queryset = base.filter(after_q(fetch_keys, decode_cursor(cursor, keys))) if cursor else base
    columns, serialize = compile_serializer(target)
    key_columns = [key.orm_path.split("__")[0] for key in keys]
    rows: list[dict[str, Any]] = []
    if limit and parent_ids:
        numbered = queryset.annotate(
            **{ROW_NUMBER: Window(RowNumber(), partition_by=[F(fk)], order_by=[key.expression() for key in fetch_keys])}
        )
        rows = list(
            numbered.filter(**{f"{ROW_NUMBER}__gt": skip, f"{ROW_NUMBER}__lte": skip + limit + 1})
            .order_by(fk, ROW_NUMBER)
            .values(*dict.fromkeys([*columns, *key_columns, fk]))
        )
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(str(row[fk]), []).append(row)
    pages: dict[str, RecordPage] = {}
    need_count: list[str] = []
    for parent_id in parent_ids:
        page = page_from_rows(
            grouped.get(parent_id, []),
            keys,
            limit=limit,
            backwards=backwards,
            after=after,
            before=before,
            serialize=serialize,
            skipped=skip,
        )
        info = page.page_info
        if count and (cursor or info.has_next_page or info.has_previous_page or not limit):
            need_count.append(parent_id)
        pages[parent_id] = page
    if need_count:
        counts = base.filter(**{f"{fk}__in": need_count}).order_by().values(fk).annotate(total=Count("id"))
        for entry in counts:
            pages[str(entry[fk])].total_count = entry["total"]
    return pages
