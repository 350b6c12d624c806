"""``personDuplicates`` and ``companyDuplicates`` root queries, as Twenty names them.

Given ``ids`` (existing records) or ``data`` (records about to be created), each returns
one connection per input, in the order given, holding the records that look like the
same person or company (crm.services.duplicates).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import graphene
from graphql import GraphQLObjectType, GraphQLResolveInfo, get_named_type

from crm.graphql.core_types import CoreTypes
from crm.graphql.filters import plain
from crm.graphql.prefetch import prefetch_connection
from crm.graphql.scalars import UUID
from crm.services.duplicates import Duplicates, find_duplicates, has_duplicate_search

Resolver = Callable[..., Any]


def duplicates_query_fields(types: CoreTypes) -> dict[str, graphene.Field]:
    fields = {}
    for singular, obj in types.objects.items():
        if not has_duplicate_search(obj):
            continue
        fields[f"{singular}Duplicates"] = graphene.Field(
            graphene.NonNull(graphene.List(graphene.NonNull(types.connection_types[singular]))),
            args={
                "ids": graphene.Argument(graphene.List(graphene.NonNull(UUID)), description="Existing records"),
                "data": graphene.Argument(
                    graphene.List(graphene.NonNull(types.create_inputs[singular])),
                    description="Records about to be created",
                ),
            },
            resolver=_resolver(singular),
            description=f"{obj.label_plural} that look like the same {obj.label_singular.lower()} as each input",
        )
    return fields


def _resolver(singular: str) -> Resolver:
    def resolve(_root: Any, info: GraphQLResolveInfo, **args: Any) -> list[dict[str, Any]]:
        context = info.context
        obj = context.object(singular)
        found = find_duplicates(context.workspace, obj, ids=args.get("ids"), data=plain(args.get("data")))
        connections = [_connection(duplicates) for duplicates in found]
        connection_type: GraphQLObjectType = get_named_type(info.return_type)  # type: ignore[assignment]
        prefetch_connection(info, obj, connection_type, connections, info.field_nodes)
        return connections

    return resolve


def _connection(duplicates: Duplicates) -> dict[str, Any]:
    edges = [{"node": record, "cursor": record["id"]} for record in duplicates.records]
    return {
        "edges": edges,
        "pageInfo": {
            "hasNextPage": duplicates.total_count > len(edges),
            "hasPreviousPage": False,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
        "totalCount": duplicates.total_count,
    }
