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
from crm.models import NoteTarget, TaskTarget, Workspace
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
# Objects that notes and tasks can be attached to (NoteTarget / TaskTarget columns).
TARGET_OBJECTS = ("person", "company", "opportunity")
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
    detail.related.extend(_attachments(workspace, obj, data["id"]))
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


def _attachments(workspace: Workspace, obj: CompiledObject, record_id: str) -> list[RelatedList]:
    """Notes and tasks attached to a person, company or opportunity; or what a note or task is attached to."""
    if obj.name_singular in TARGET_OBJECTS:
        lists = []
        for link_model, kind in ((NoteTarget, "note"), (TaskTarget, "task")):
            target = get_object(workspace, kind)
            links = link_model.objects.filter(
                **{obj.name_singular: record_id, f"{kind}__workspace": workspace, f"{kind}__deleted_at__isnull": True}
            )
            ids = links.values_list(f"{kind}_id", flat=True)
            found = records(workspace, target).filter(id__in=ids).order_by("-created_at")
            columns, serialize = compile_serializer(target)
            attached = [serialize(row) for row in found.values(*columns)[:ATTACHED_LIMIT]]
            items = [Cell(record_title(target, d), href=record_url(target.name_plural, d["id"])) for d in attached]
            lists.append(RelatedList(target.label_plural, items, found.count()))
        return lists
    if obj.name_singular in ("note", "task"):
        link_model = NoteTarget if obj.name_singular == "note" else TaskTarget
        items = []
        for link in link_model.objects.filter(**{obj.name_singular: record_id}):
            for kind in TARGET_OBJECTS:
                target_id = getattr(link, f"{kind}_id")
                if target_id is None:
                    continue
                target = get_object(workspace, kind)
                try:
                    target_data = get_record_data(workspace, target, target_id)
                except LookupError:
                    continue  # deleted since
                items.append(related_cell(target.name_plural, target_data, target))
        return [RelatedList("Attached to", items, len(items))]
    return []
