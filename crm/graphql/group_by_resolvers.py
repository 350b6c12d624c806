"""``{plural}GroupBy`` root queries (``opportunitiesGroupBy``), as Twenty names them.

Each returns a list of groups; a group computes only the aggregates the query selects,
and reads a sample of its records (ten, as in Twenty) only when ``edges`` or
``pageInfo`` is selected. Relations selected on those records are loaded for all the
groups at once, as on any list (crm.graphql.prefetch).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import graphene
from graphql import GraphQLObjectType, GraphQLResolveInfo, get_named_type
from graphql.execution.collect_fields import collect_sub_fields

from crm.graphql.core_types import CoreTypes
from crm.graphql.filters import filter_node, order_nodes, plain
from crm.graphql.group_by_types import GroupByTypes
from crm.graphql.prefetch import prefetch_connection
from crm.graphql.scalars import UUID
from crm.services.aggregates import object_aggregates
from crm.services.group_by import (
    RECORDS_PER_GROUP,
    Group,
    group_records,
    parse_dimensions,
    parse_group_order,
)

Resolver = Callable[..., Any]


def group_by_query_fields(types: CoreTypes) -> dict[str, graphene.Field]:
    """``{plural}GroupBy`` for every object of the build."""
    group_types = GroupByTypes(types)
    fields = {}
    for singular, obj in types.objects.items():
        fields[f"{obj.name_plural}GroupBy"] = graphene.Field(
            graphene.NonNull(graphene.List(graphene.NonNull(group_types.connections[singular]))),
            args={
                "groupBy": graphene.Argument(
                    graphene.NonNull(graphene.List(graphene.NonNull(group_types.group_by_inputs[singular])))
                ),
                "filter": graphene.Argument(types.filter_inputs[singular]),
                "orderBy": graphene.Argument(graphene.List(graphene.NonNull(group_types.order_inputs[singular]))),
                "orderByForRecords": graphene.Argument(graphene.List(graphene.NonNull(types.order_inputs[singular]))),
                "limit": graphene.Argument(
                    graphene.Int, description="Groups to return (default 50; a number above 200 reads 200)"
                ),
                # Twenty hides the groups a saved view hides; there are no saved views here.
                "viewId": graphene.Argument(UUID, description="Accepted for Twenty's clients; it changes nothing"),
                "offsetForRecords": graphene.Argument(graphene.Int, description="Records of each group to skip"),
            },
            resolver=_resolver(singular),
            description=f"{obj.label_plural} grouped by one or more fields, with aggregates per group",
        )
    return fields


def without_nulls(value: Any) -> Any:
    """An input value without the keys left unset (GraphQL hands them over as None)."""
    if isinstance(value, Mapping):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [without_nulls(item) for item in value]
    return value


def _resolver(singular: str) -> Resolver:
    def resolve(_root: Any, info: GraphQLResolveInfo, **args: Any) -> list[dict[str, Any]]:
        context = info.context
        obj = context.object(singular)
        connection_type: GraphQLObjectType = get_named_type(info.return_type)  # type: ignore[assignment]
        collected = collect_sub_fields(
            info.schema, info.fragments, info.variable_values, connection_type, info.field_nodes
        )
        selected = {nodes[0].name.value for nodes in collected.values()}
        dimensions = parse_dimensions(obj, without_nulls(plain(args["groupBy"])))
        groups = group_records(
            context.workspace,
            obj,
            dimensions,
            filter=filter_node(obj, args.get("filter")),
            aggregates=[name for name in object_aggregates(obj) if name in selected],
            order=parse_group_order(obj, dimensions, without_nulls(plain(args.get("orderBy")))),
            limit=args.get("limit"),
            records_per_group=RECORDS_PER_GROUP if selected & {"edges", "pageInfo"} else 0,
            record_order=order_nodes(obj, args.get("orderByForRecords")),
            records_offset=args.get("offsetForRecords") or 0,
        )
        offset = args.get("offsetForRecords") or 0
        connections = [_connection(group, offset) for group in groups]
        prefetch_connection(info, obj, connection_type, connections, info.field_nodes)
        return connections

    return resolve


def _connection(group: Group, offset: int) -> dict[str, Any]:
    edges = [{"node": record, "cursor": cursor} for record, cursor in zip(group.records, group.cursors, strict=True)]
    return {
        **group.aggregates,
        "groupByDimensionValues": group.dimension_values,
        "edges": edges,
        "pageInfo": {
            "hasNextPage": group.total_count > offset + len(edges),
            "hasPreviousPage": offset > 0,
            "startCursor": group.cursors[0] if group.cursors else None,
            "endCursor": group.cursors[-1] if group.cursors else None,
        },
    }
