"""What the record pages read: a sorted page of records, and one record with its relations.

Reads go through the shared query layer (``crm.query``), the same one the APIs use,
so the pages show exactly what REST would return. Related records of a whole page are
fetched with one query per relation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator

from crm.metadata.schema import CompiledField, CompiledObject
from crm.models import Workspace
from crm.query.ast import OrderBy
from crm.query.compile import QueryValueError, order_by_expressions
from crm.query.listing import get_record_data, load_related
from crm.query.record_queries import UnknownObjectError, get_object, records
from crm.query.serialize import compile_serializer
from settings_ui.services.record_display import (
    Cell,
    Column,
    display,
    list_columns,
    record_title,
    record_url,
    related_cell,
    relation_id_fields,
    sort_path,
)

PER_PAGE = 50
# Link objects, by the object whose records they attach: a note's targets say what the
# note is about. Their records have no page: they show as the records they link.
LINK_OBJECTS = {"noteTarget": "note", "taskTarget": "task"}
ATTACHED_LIMIT = 50


@dataclass
class Row:
    id: str
    url: str
    title: str
    cells: list[Cell]


@dataclass
class RecordList:
    obj: CompiledObject
    columns: list[Column]
    page: Page
    rows: list[Row]
    sort: str | None
    descending: bool


@dataclass
class Entry:
    label: str
    cell: Cell
    description: str = ""


@dataclass
class RelatedList:
    label: str
    items: list[Cell]
    total: int = 0
    list_url: str | None = None


@dataclass
class RecordDetail:
    obj: CompiledObject
    id: str
    title: str
    fields: list[Entry] = field(default_factory=list)
    custom_fields: list[Entry] = field(default_factory=list)
    system_fields: list[Entry] = field(default_factory=list)
    related: list[RelatedList] = field(default_factory=list)


def record_list(
    workspace: Workspace,
    obj: CompiledObject,
    *,
    sort: str | None = None,
    descending: bool = False,
    page_number: Any = 1,
    per_page: int = PER_PAGE,
) -> RecordList:
    """One page of records, sorted by a column (``sort`` is a field name); unknown sorts are ignored."""
    path = sort_path(obj, sort) if sort else None
    orders = [OrderBy(path, "DescNullsLast" if descending else "AscNullsLast")] if path else []
    try:
        ordering = order_by_expressions(obj, orders)
    except QueryValueError:
        path, ordering = None, order_by_expressions(obj, [])
    columns_needed, serialize = compile_serializer(obj)
    queryset = records(workspace, obj).order_by(*ordering).values(*columns_needed)
    page = Paginator(queryset, per_page).get_page(page_number)
    data = [serialize(row) for row in page.object_list]
    columns = list_columns(obj)
    related = {
        column.field.name: _load_to_one(workspace, obj, column.field, data)
        for column in columns
        if column.field.relation is not None
    }
    rows = []
    for record in data:
        cells = []
        for column in columns:
            if column.field.relation is not None:
                loaded, target, plural = related[column.field.name]
                cells.append(related_cell(plural, loaded.get(record["id"]), target))
            else:
                cells.append(display(column.field, record.get(column.field.name), compact=True))
        rows.append(Row(record["id"], record_url(obj.name_plural, record["id"]), record_title(obj, record), cells))
    return RecordList(obj, columns, page, rows, sort if path else None, descending)


def record_detail(workspace: Workspace, obj: CompiledObject, record_id: Any) -> RecordDetail:
    """Every field of one record, its related records and attached notes and tasks.

    Raises RecordNotFoundError for an unknown id or another workspace's record.
    """
    data = get_record_data(workspace, obj, record_id, depth=1)
    detail = RecordDetail(obj, data["id"], record_title(obj, data))
    hidden = relation_id_fields(obj)
    for compiled in obj.fields.values():
        if compiled.name in hidden:
            continue
        relation = compiled.relation
        if relation is not None and relation.target in LINK_OBJECTS:
            detail.related.append(_linked_through(workspace, compiled, data["id"]))
            continue
        if relation is not None and relation.kind == "ONE_TO_MANY":
            target, plural = _target(workspace, relation.target)
            items = [related_cell(plural, item, target) for item in data.get(compiled.name) or []]
            detail.related.append(RelatedList(compiled.label, items, len(items)))
            continue
        if relation is not None:
            target, plural = _target(workspace, relation.target)
            cell = related_cell(plural, data.get(compiled.name), target)
        else:
            cell = display(compiled, data.get(compiled.name))
        entry = Entry(compiled.label, cell, compiled.description)
        if compiled.is_custom and not obj.is_custom:
            detail.custom_fields.append(entry)
        elif compiled.is_system:
            detail.system_fields.append(entry)
        else:
            detail.fields.append(entry)
    return detail


def _target(workspace: Workspace, name: str) -> tuple[CompiledObject | None, str | None]:
    try:
        target = get_object(workspace, name)
    except UnknownObjectError:
        return None, None  # e.g. workspace members, which have no record pages
    return target, target.name_plural


def _load_to_one(
    workspace: Workspace, obj: CompiledObject, relation_field: CompiledField, data: list[dict[str, Any]]
) -> tuple[dict[str, Any], CompiledObject | None, str | None]:
    assert relation_field.relation is not None
    target, plural = _target(workspace, relation_field.relation.target)
    return load_related(workspace, obj, relation_field, data), target, plural


def _linked_through(workspace: Workspace, relation_field: CompiledField, record_id: str) -> RelatedList:
    """The records a note's (or task's) targets link to; or, from a person, company or
    opportunity, the notes (or tasks) whose targets link to it."""
    relation = relation_field.relation
    assert relation is not None and relation.target_fk_column is not None
    link = get_object(workspace, relation.target)
    links = records(workspace, link).filter(**{relation.target_fk_column: record_id})
    activity_name = LINK_OBJECTS[relation.target]
    if relation.inverse == activity_name:
        ends = _link_ends(workspace, link, activity_name, links)
        return RelatedList("Attached to", ends, len(ends))
    activity = get_object(workspace, activity_name)
    found = records(workspace, activity).filter(id__in=links.values(f"{activity_name}_id")).order_by("-created_at")
    columns, serialize = compile_serializer(activity)
    attached = [serialize(row) for row in found.values(*columns)[:ATTACHED_LIMIT]]
    items = [Cell(record_title(activity, d), href=record_url(activity.name_plural, d["id"])) for d in attached]
    total = len(items) if len(items) < ATTACHED_LIMIT else found.count()
    return RelatedList(relation_field.label, items, total)


def _link_ends(workspace: Workspace, link: CompiledObject, activity_name: str, links: Any) -> list[Cell]:
    """What the links point at: people, then companies, then opportunities; one query per
    kind of record, and records deleted since are left out."""
    ends = [f for f in link.relations if f.relation and f.relation.join_column and f.relation.target != activity_name]
    rows = list(links.order_by("position", "id").values(*(f.relation.join_column for f in ends)))  # type: ignore[union-attr]
    found: dict[str, tuple[CompiledObject, dict[str, Any]]] = {}
    for end in ends:
        assert end.relation is not None and end.relation.join_column is not None
        wanted = {row[end.relation.join_column] for row in rows if row[end.relation.join_column]}
        if not wanted:
            continue
        target = get_object(workspace, end.relation.target)
        columns, serialize = compile_serializer(target)
        for row in records(workspace, target).filter(id__in=wanted).values(*columns):
            data = serialize(row)
            found[data["id"]] = (target, data)
    cells = []
    for end in ends:
        for row in rows:
            value = row[end.relation.join_column]  # type: ignore[union-attr]
            if value is not None and str(value) in found:
                target, data = found[str(value)]
                cells.append(related_cell(target.name_plural, data, target))
    return cells
