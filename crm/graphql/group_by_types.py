"""The GraphQL types of group-by queries, named as Twenty names them.

For each object: ``{Object}GroupByInput`` (which fields to group by: ``{stage: true}``,
``{address: {addressCity: true}}``, ``{closeDate: {granularity: MONTH}}``),
``{Object}OrderByWithGroupByInput`` (order groups by a grouped field or by an
aggregate) and ``{Object}GroupByConnection`` (a group: its ``groupByDimensionValues``,
``totalCount``, aggregates such as ``sumAmountAmountMicros``, and a page of its records).
Built once per schema build, next to the object types (crm.graphql.core_types).
"""

from __future__ import annotations

from typing import Any

import graphene

from crm.graphql import scalars
from crm.graphql.core_types import (
    COMPOSITE_NAMES,
    CoreTypes,
    aggregate_scalar,
    enum_type,
    getter,
    input_type,
    object_type,
)
from crm.metadata.composite_types import COMPOSITE_TYPES
from crm.metadata.schema import CompiledField, CompiledObject
from crm.services.aggregates import TOTAL_COUNT, object_aggregates
from crm.services.group_by import GRANULARITIES

# System fields that make no group: every record has its own, or only deleted ones have one.
UNGROUPABLE = frozenset({"id", "position", "deletedAt"})


def groupable_fields(obj: CompiledObject) -> list[CompiledField]:
    return [
        f
        for f in obj.value_fields
        if f.name not in UNGROUPABLE and f.type != "MULTI_SELECT" and (not f.is_composite or f.type in COMPOSITE_NAMES)
    ]


class GroupByTypes:
    """The group-by types of one schema build."""

    def __init__(self, types: CoreTypes) -> None:
        self.types = types
        self.granularity = enum_type(
            "ObjectRecordGroupByDateGranularity",
            [(g, g) for g in GRANULARITIES],
            "How dates are grouped: truncated to a day, week, month, quarter or year, "
            "or by day of the week, month or quarter of the year",
        )
        date_options = {
            "granularity": graphene.InputField(self.granularity),
            "weekStartDay": graphene.InputField(graphene.String, description="MONDAY (default), SUNDAY or SATURDAY"),
            "timeZone": graphene.InputField(graphene.String, description="IANA time zone of the days (default UTC)"),
        }
        self.date_input = input_type("GroupByDateGranularityInput", date_options, "Group a date by a part of it")
        self.date_order = input_type(
            "GroupByDateGranularityOrderByInput",
            {**date_options, "orderBy": graphene.InputField(types.order_direction)},
            "Order groups by a date grouped at this granularity",
        )
        self._composite_inputs: dict[str, type[graphene.InputObjectType]] = {}
        self.group_by_inputs: dict[str, type[graphene.InputObjectType]] = {}
        self.order_inputs: dict[str, type[graphene.InputObjectType]] = {}
        self.connections: dict[str, type[graphene.ObjectType]] = {}
        for singular, obj in types.objects.items():
            self._build(singular, obj)

    def composite_input(self, field_type: str) -> type[graphene.InputObjectType]:
        if field_type not in self._composite_inputs:
            subs = {
                spec.name: graphene.InputField(graphene.Boolean)
                for spec in COMPOSITE_TYPES[field_type]
                if spec.kind != "list"
            }
            self._composite_inputs[field_type] = input_type(f"{COMPOSITE_NAMES[field_type]}GroupByInput", subs)
        return self._composite_inputs[field_type]

    def _build(self, singular: str, obj: CompiledObject) -> None:
        name = obj.capitalized
        group_by: dict[str, Any] = {}
        order: dict[str, Any] = {}
        for field in groupable_fields(obj):
            if field.is_composite:
                group_by[field.name] = graphene.InputField(self.composite_input(field.type))
                order[field.name] = graphene.InputField(self.types.composite(field.type)["order"])
            elif field.type == "DATE_TIME" and not field.is_custom:
                group_by[field.name] = graphene.InputField(self.date_input)
                order[field.name] = graphene.InputField(self.date_order)
            else:
                group_by[field.name] = graphene.InputField(graphene.Boolean)
                order[field.name] = graphene.InputField(self.types.order_direction)
        aggregates = object_aggregates(obj)
        order["aggregate"] = graphene.InputField(
            input_type(
                f"{name}AggregateOrderByInput",
                {aggregate: graphene.InputField(self.types.order_direction) for aggregate in aggregates},
            )
        )
        self.group_by_inputs[singular] = input_type(
            f"{name}GroupByInput", group_by, "One field per entry; list several entries to group by several fields"
        )
        self.order_inputs[singular] = input_type(
            f"{name}OrderByWithGroupByInput", order, "Order groups by a grouped field or by an aggregate"
        )
        outputs: dict[str, Any] = {
            "groupByDimensionValues": graphene.Field(
                graphene.List(scalars.RawJSONScalar),
                required=True,
                resolver=getter("groupByDimensionValues"),
                description="The group's value of each groupBy field, in groupBy order",
            ),
            TOTAL_COUNT: graphene.Int(required=True, resolver=getter(TOTAL_COUNT)),
            "edges": graphene.List(
                graphene.NonNull(self.types.edge_types[singular]), required=True, resolver=getter("edges")
            ),
            "pageInfo": graphene.Field(self.types.page_info, required=True, resolver=getter("pageInfo")),
        }
        for aggregate_name, aggregate in aggregates.items():
            if aggregate_name != TOTAL_COUNT:
                outputs[aggregate_name] = graphene.Field(aggregate_scalar(aggregate), resolver=getter(aggregate_name))
        self.connections[singular] = object_type(
            f"{name}GroupByConnection", outputs, f"A group of {obj.label_plural.lower()} and its aggregates"
        )
