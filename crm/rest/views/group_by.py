"""GET /rest/{plural}/groupBy: records grouped by one or more fields, with aggregates.

The query parameters are Twenty's: ``group_by`` and ``aggregate`` are JSON
(``group_by=[{"stage":true}]``, ``aggregate=["sumAmountAmountMicros"]``), ``filter`` and
``order_by_for_records`` use the list endpoint's syntax, ``order_by`` orders the groups
(JSON, as GraphQL's ``orderBy``), ``include_records_sample=true`` adds each group's
first records. The answer is the list of groups, as in Twenty.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import QueryDict
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from crm.query.ast import QuerySyntaxError
from crm.query.rest_parser import parse_filter, parse_order_by
from crm.rest.views.records import RecordApiView
from crm.services.group_by import (
    RECORDS_PER_GROUP,
    group_records,
    parse_aggregates,
    parse_dimensions,
    parse_group_order,
)


def json_parameter(params: QueryDict, name: str, example: str) -> Any:
    raw = params.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise exceptions.ValidationError(f"{name} must be JSON, such as {name}={example}") from None


def boolean_parameter(params: QueryDict, name: str) -> bool:
    raw = (params.get(name) or "false").strip().lower()
    if raw not in ("true", "false"):
        raise exceptions.ValidationError(f"{name} must be true or false, not '{raw[:20]}'.")
    return raw == "true"


class GroupByView(RecordApiView):
    def get(self, request: Request, plural: str) -> Response:
        obj = self.get_object_metadata(plural)
        params = request.query_params
        spec = json_parameter(params, "group_by", '[{"stage":true}]')
        if spec is None:
            raise exceptions.ValidationError('group_by is required, such as group_by=[{"stage":true}]')
        dimensions = parse_dimensions(obj, spec)
        try:
            filter_node = parse_filter(params["filter"]) if (params.get("filter") or "").strip() else None
            record_order = parse_order_by(params.get("order_by_for_records", ""))
        except QuerySyntaxError as error:
            raise exceptions.ValidationError(f"Invalid filter or order_by_for_records: {error}") from None
        include_records = boolean_parameter(params, "include_records_sample")
        groups = group_records(
            self.workspace,
            obj,
            dimensions,
            filter=filter_node,
            aggregates=parse_aggregates(obj, json_parameter(params, "aggregate", '["totalCount"]')),
            order=parse_group_order(obj, dimensions, json_parameter(params, "order_by", '[{"stage":"AscNullsFirst"}]')),
            limit=params.get("limit"),
            records_per_group=RECORDS_PER_GROUP if include_records else 0,
            record_order=record_order,
        )
        return Response(
            [
                {
                    "groupByDimensionValues": group.dimension_values,
                    **group.aggregates,
                    **({"records": group.records} if include_records else {}),
                }
                for group in groups
            ]
        )
