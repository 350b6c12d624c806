"""Loading every relation a query selects, level by level, before it is resolved.

A resolver that returns records (a list, one record, a mutation result) looks
ahead at the selection and loads each selected relation for all of those records
in one query (``company`` of 60 people is one query, ``people(first: 5)`` of 20
companies is one query), then does the same one level down. The related records
are stored in the parent dicts under the id of the selecting field node, which
the relation resolvers read back. A query therefore costs a number of SQL queries
set by its shape, never by how many rows it returns.
"""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, GraphQLObjectType, GraphQLResolveInfo, get_named_type
from graphql.execution.collect_fields import collect_sub_fields
from graphql.execution.values import get_argument_values

from crm.graphql.filters import filter_node, order_nodes
from crm.graphql.nested import load_child_pages
from crm.graphql.page_arguments import page_arguments
from crm.metadata.schema import CompiledField, CompiledObject
from crm.query.listing import RecordPage, load_related

Record = dict[Any, Any]


def connection_dict(page: RecordPage) -> dict[str, Any]:
    info = page.page_info
    return {
        "edges": [
            {"node": record, "cursor": cursor} for record, cursor in zip(page.records, page.cursors, strict=True)
        ],
        "pageInfo": {
            "hasNextPage": info.has_next_page,
            "hasPreviousPage": info.has_previous_page,
            "startCursor": info.start_cursor,
            "endCursor": info.end_cursor,
        },
        "totalCount": page.total_count,
    }


def _sub_fields(
    info: GraphQLResolveInfo, parent_type: GraphQLObjectType, nodes: list[FieldNode]
) -> dict[str, list[FieldNode]]:
    return collect_sub_fields(info.schema, info.fragments, info.variable_values, parent_type, nodes)


def selected_connection_fields(info: GraphQLResolveInfo) -> list[str]:
    """The fields selected on the connection being resolved (totalCount, aggregates, edges, ...),
    each once, in the order selected."""
    connection_type = get_named_type(info.return_type)
    selected = _sub_fields(info, connection_type, info.field_nodes)  # type: ignore[arg-type]
    return list(dict.fromkeys(group[0].name.value for group in selected.values()))


def prefetch_records(
    info: GraphQLResolveInfo,
    obj: CompiledObject,
    object_type: GraphQLObjectType,
    records: list[Record],
    field_nodes: list[FieldNode],
) -> None:
    """Load the relations selected on ``records`` by ``field_nodes`` (and theirs, recursively)."""
    if not records:
        return
    for nodes in _sub_fields(info, object_type, field_nodes).values():
        field = obj.fields.get(nodes[0].name.value)
        if field is not None and field.relation is not None:
            prefetch_relation(info, obj, object_type, field, records, nodes)


def prefetch_connection(
    info: GraphQLResolveInfo,
    obj: CompiledObject,
    connection_type: GraphQLObjectType,
    connections: list[dict[str, Any]],
    field_nodes: list[FieldNode],
) -> None:
    records = [edge["node"] for connection in connections for edge in connection["edges"]]
    if not records:
        return
    edge_type = get_named_type(connection_type.fields["edges"].type)
    node_type = get_named_type(edge_type.fields["node"].type)
    for edge_nodes in _sub_fields(info, connection_type, field_nodes).values():
        if edge_nodes[0].name.value != "edges":
            continue
        for node_nodes in _sub_fields(info, edge_type, edge_nodes).values():
            if node_nodes[0].name.value == "node":
                prefetch_records(info, obj, node_type, records, node_nodes)


def prefetch_relation(
    info: GraphQLResolveInfo,
    obj: CompiledObject,
    object_type: GraphQLObjectType,
    field: CompiledField,
    records: list[Record],
    nodes: list[FieldNode],
) -> None:
    context = info.context
    relation = field.relation
    assert relation is not None
    key = id(nodes[0])
    field_def = object_type.fields[field.name]
    target_type = get_named_type(field_def.type)
    if relation.kind == "MANY_TO_ONE":
        related = load_related(context.workspace, obj, field, records)
        distinct: dict[int, Record] = {}
        for record in records:
            value = related.get(record["id"])
            record[key] = value
            if value is not None:
                distinct[id(value)] = value
        if distinct and relation.target in context.workspace_schema.objects:
            prefetch_records(info, context.object(relation.target), target_type, list(distinct.values()), nodes)
        return
    target = context.object(relation.target)
    args = get_argument_values(field_def, nodes[0], info.variable_values)
    selected = _sub_fields(info, target_type, nodes)
    wants_count = any(group[0].name.value == "totalCount" for group in selected.values())
    parent_ids = list(dict.fromkeys(record["id"] for record in records))
    pages = load_child_pages(
        context.workspace,
        field,
        parent_ids,
        filter=filter_node(target, args.get("filter")),
        order_by=order_nodes(target, args.get("orderBy")),
        **page_arguments(args),
        offset=args.get("offset"),
        count=wants_count,
    )
    connections = []
    for record in records:
        connection = connection_dict(pages[record["id"]])
        record[key] = connection
        connections.append(connection)
    prefetch_connection(info, target, target_type, connections, nodes)


_MISSING = object()


def resolve_relation(root: Record, info: GraphQLResolveInfo, **_args: Any) -> Any:
    """Read what the look-ahead stored; load it now if this path was not foreseen."""
    value = root.get(id(info.field_nodes[0]), _MISSING)
    if value is _MISSING:
        context = info.context
        parent_type = info.parent_type
        obj = context.objects_by_type[parent_type.name]
        prefetch_relation(info, obj, parent_type, obj.fields[info.field_name], [root], info.field_nodes)
        value = root[id(info.field_nodes[0])]
    return value
