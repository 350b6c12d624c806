"""``merge{Plural}`` mutations (``mergePeople``), as Twenty names them: merge duplicates
into the record at ``conflictPriorityIndex`` (crm.services.merge)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import graphene
from graphql import GraphQLObjectType, GraphQLResolveInfo, get_named_type

from crm.graphql.core_types import CoreTypes
from crm.graphql.prefetch import prefetch_records
from crm.graphql.scalars import UUID
from crm.services.merge import MAX_MERGED, merge_records

Resolver = Callable[..., Any]


def merge_mutation_fields(types: CoreTypes) -> dict[str, graphene.Field]:
    return {
        f"merge{obj.capitalized_plural}": graphene.Field(
            types.record_types[singular],
            args={
                "ids": graphene.Argument(graphene.NonNull(graphene.List(graphene.NonNull(UUID)))),
                "conflictPriorityIndex": graphene.Argument(
                    graphene.NonNull(graphene.Int), description="Index in ids of the record to keep"
                ),
                "dryRun": graphene.Argument(graphene.Boolean, description="Answer the result, change nothing"),
            },
            resolver=_resolver(singular),
            description=(
                f"Merge 2 to {MAX_MERGED} {obj.label_plural.lower()} into one: the others' values fill its empty "
                "fields, what pointed at them moves to it, and they are deleted"
            ),
        )
        for singular, obj in types.objects.items()
    }


def _resolver(singular: str) -> Resolver:
    def resolve(_root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        # Read-only keys never get here: the view refuses them every mutation.
        context = info.context
        merged = merge_records(
            context.workspace,
            singular,
            args["ids"],
            args["conflictPriorityIndex"],
            context.actor,
            dry_run=bool(args.get("dryRun")),
        )
        record_type: GraphQLObjectType = get_named_type(info.return_type)  # type: ignore[assignment]
        prefetch_records(info, context.object(singular), record_type, [merged], info.field_nodes)
        return merged

    return resolve
