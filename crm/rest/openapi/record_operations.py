"""OpenAPI paths of the operations on a whole object: group-by with aggregates, duplicate
search (people and companies) and merge, with the schema of a group."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.plumbing import build_parameter_type
from drf_spectacular.types import OpenApiTypes

from crm.metadata.schema import CompiledObject
from crm.query.listing import MAX_LIMIT
from crm.rest.openapi.common import (
    DATETIME,
    UUID,
    Schema,
    any_value,
    array,
    basic,
    data_envelope,
    depth_parameter,
    error_responses,
    fields_parameter,
    json_content,
    json_response,
    nullable,
    obj,
    ref,
)
from crm.services.aggregates import TOTAL_COUNT, object_aggregates
from crm.services.duplicates import MAX_INPUTS, has_duplicate_search
from crm.services.group_by import DEFAULT_GROUP_LIMIT, GRANULARITIES, RECORDS_PER_GROUP
from crm.services.merge import MAX_MERGED

# What a client would check before creating a record, per object with a duplicate search.
DUPLICATE_EXAMPLES = {
    "person": {"name": {"firstName": "Ada", "lastName": "Lovelace"}},
    "company": {"domainName": {"primaryLinkUrl": "https://acme.example.com"}},
}


MERGE_EXAMPLE = {
    "ids": ["6f1c2d3e-4b5a-4978-8a6b-5c4d3e2f1a0b", "0b3a9d2c-7e1f-4c5b-9a8d-2e4f6a1b3c5d"],
    "conflictPriorityIndex": 0,
    "dryRun": True,
}


def group_schema(obj_meta: CompiledObject) -> Schema:
    properties: dict[str, Any] = {
        "groupByDimensionValues": {
            **array(any_value()),
            "description": "The group's value of each group_by field, in group_by order.",
        },
        TOTAL_COUNT: {**basic(OpenApiTypes.INT), "description": "Records in the group."},
    }
    for name, aggregate in object_aggregates(obj_meta).items():
        if name != TOTAL_COUNT:
            properties[name] = nullable(basic(DATETIME if aggregate.returns_datetime else OpenApiTypes.NUMBER))
    properties["records"] = {
        **array(ref(obj_meta.capitalized), maxItems=RECORDS_PER_GROUP),
        "description": "The group's first records (with include_records_sample=true).",
    }
    return obj(
        properties,
        required=["groupByDimensionValues", TOTAL_COUNT],
        description=f"A group of {obj_meta.name_plural}, with the aggregates asked for.",
    )


def _example_group_by(obj_meta: CompiledObject) -> list[dict[str, Any]]:
    for field in obj_meta.value_fields:
        if field.type == "SELECT":
            return [{field.name: True}]
    return [{"createdAt": {"granularity": "MONTH"}}]


def _query(name: str, schema: Schema, description: str, **kwargs: Any) -> Schema:
    return build_parameter_type(name, schema, "query", description=description, **kwargs)


def group_by_path(obj_meta: CompiledObject) -> Schema:
    string = basic(OpenApiTypes.STR)
    aggregates = [name for name in object_aggregates(obj_meta) if name != TOTAL_COUNT]
    named = ", ".join(f"`{name}`" for name in aggregates) or "none besides totalCount"
    return {
        "get": {
            "operationId": f"groupBy{obj_meta.capitalized_plural}",
            "summary": f"Group {obj_meta.name_plural}, with aggregates",
            "description": (
                "Groups the records matching `filter` by one or more fields and answers one entry per group with "
                "its `totalCount` and the aggregates asked for, computed by the database."
            ),
            "tags": [obj_meta.label_plural],
            "parameters": [
                _query(
                    "group_by",
                    string,
                    'JSON list, one field per entry: `{"stage": true}`, a relation id `{"companyId": true}`, '
                    'a composite sub-field `{"address": {"addressCity": true}}`, or a date '
                    f'`{{"createdAt": {{"granularity": "MONTH", "timeZone": "Europe/Paris"}}}}` with '
                    f"granularity one of {', '.join(f'`{g}`' for g in GRANULARITIES)} "
                    "(weeks may start on `MONDAY`, `SUNDAY` or `SATURDAY` with `weekStartDay`).",
                    required=True,
                    examples={"byField": {"value": _json(_example_group_by(obj_meta))}},
                ),
                _query(
                    "aggregate",
                    string,
                    f"JSON list of aggregates to compute per group (totalCount always comes): {named}.",
                    examples={"sum": {"value": _json(aggregates[:1])}} if aggregates else None,
                ),
                _query("filter", string, "Which records to group, written as the `filter` of a list."),
                _query(
                    "order_by",
                    string,
                    "JSON list ordering the groups by grouped fields or aggregates: "
                    '`[{"aggregate": {"totalCount": "DescNullsLast"}}]`.',
                ),
                _query("order_by_for_records", string, "Order of each group's records, as `order_by` of a list."),
                _query(
                    "include_records_sample",
                    basic(OpenApiTypes.BOOL),
                    f"true: each group also lists its first {RECORDS_PER_GROUP} records.",
                    default=False,
                ),
                _query(
                    "limit",
                    {**basic(OpenApiTypes.INT), "minimum": 1},
                    f"Groups to return (default {DEFAULT_GROUP_LIMIT}; a number above {MAX_LIMIT} reads {MAX_LIMIT}).",
                    default=DEFAULT_GROUP_LIMIT,
                ),
            ],
            "responses": {
                "200": json_response("The groups.", array(ref(f"{obj_meta.capitalized}Group"))),
                **error_responses(400, 401, 404, 429),
            },
        }
    }


def duplicates_path(obj_meta: CompiledObject) -> Schema:
    singular, cap = obj_meta.name_singular, obj_meta.capitalized
    key = f"{singular}Duplicates"
    answer = obj(
        {
            key: array(ref(cap)),
            "totalCount": basic(OpenApiTypes.INT),
            "pageInfo": obj(
                {
                    "hasNextPage": basic(OpenApiTypes.BOOL),
                    "hasPreviousPage": basic(OpenApiTypes.BOOL),
                    "startCursor": nullable(basic(OpenApiTypes.STR)),
                    "endCursor": nullable(basic(OpenApiTypes.STR)),
                }
            ),
        },
        required=[key, "totalCount", "pageInfo"],
    )
    body = obj(
        {
            "ids": {**array(basic(UUID), maxItems=MAX_INPUTS), "description": "Existing records."},
            "data": {**array(ref(f"{cap}ForCreate"), maxItems=MAX_INPUTS), "description": "Records to be created."},
        },
        description="Either ids or data.",
    )
    criteria = "the same first and last name, or primary email" if singular == "person" else "the same name or domain"
    return {
        "post": {
            "operationId": f"findDuplicate{obj_meta.capitalized_plural}",
            "summary": f"Find duplicate {obj_meta.name_plural}",
            "description": (
                f"For each id (or each record in data), the {obj_meta.name_plural} with {criteria}, "
                "ignoring case. One answer per input, in order. Read-only keys may search."
            ),
            "tags": [obj_meta.label_plural],
            "parameters": [depth_parameter(), fields_parameter()],
            "requestBody": {
                "required": True,
                "content": json_content(body, {"byData": {"data": [DUPLICATE_EXAMPLES[singular]]}}),
            },
            "responses": {
                "200": json_response("The duplicates of each input.", obj({"data": array(answer)}, required=["data"])),
                **error_responses(400, 401, 404, 413, 415, 429),
            },
        }
    }


def merge_path(obj_meta: CompiledObject) -> Schema:
    cap = obj_meta.capitalized
    body = obj(
        {
            "ids": array(basic(UUID), minItems=2, maxItems=MAX_MERGED),
            "conflictPriorityIndex": {
                **basic(OpenApiTypes.INT),
                "minimum": 0,
                "description": "Index in ids of the record to keep; its values win.",
            },
            "dryRun": {**basic(OpenApiTypes.BOOL), "description": "true: answer the result, change nothing."},
        },
        required=["ids", "conflictPriorityIndex"],
    )
    return {
        "patch": {
            "operationId": f"merge{obj_meta.capitalized_plural}",
            "summary": f"Merge duplicate {obj_meta.name_plural}",
            "description": (
                "Keeps the record at conflictPriorityIndex and fills its empty fields from the others (emails, "
                "phones and links are pooled), moves what pointed at the others (note and task targets, related "
                "records) to it and soft-deletes the others, in one transaction. Every record changed sends its "
                "webhook event."
            ),
            "tags": [obj_meta.label_plural],
            "parameters": [depth_parameter(), fields_parameter()],
            "requestBody": {
                "required": True,
                "content": json_content(body, {"keepTheFirst": MERGE_EXAMPLE}),
            },
            "responses": {
                "200": json_response("The kept record, merged.", data_envelope(f"merge{cap}", ref(cap))),
                **error_responses(400, 401, 403, 404, 413, 415, 429),
            },
        }
    }


def operation_paths(obj_meta: CompiledObject) -> dict[str, Schema]:
    plural = obj_meta.name_plural
    paths = {f"/{plural}/groupBy": group_by_path(obj_meta), f"/{plural}/merge": merge_path(obj_meta)}
    if has_duplicate_search(obj_meta):
        paths[f"/{plural}/duplicates"] = duplicates_path(obj_meta)
    return paths


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
