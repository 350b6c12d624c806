"""The core OpenAPI document of a workspace, generated from its metadata: one set of
paths and schemas per object, custom fields included, plus what other apps add
(crm.rest.openapi.extensions: the webhooks app adds /rest/webhooks and the payloads)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.plumbing import build_parameter_type
from drf_spectacular.types import OpenApiTypes

from crm.metadata.schema import CompiledField, CompiledObject, SubField, WorkspaceSchema
from crm.query.ast import OPERATORS, ORDER_DIRECTIONS
from crm.query.listing import DEFAULT_LIMIT, MAX_LIMIT
from crm.rest.openapi.common import (
    DATE,
    DATETIME,
    UUID,
    Schema,
    any_value,
    array,
    basic,
    data_envelope,
    depth_parameter,
    document,
    error_responses,
    fields_parameter,
    json_content,
    json_response,
    nullable,
    nullable_ref,
    obj,
    rate_limit_note,
    ref,
    shared_components,
)
from crm.rest.openapi.extensions import core_additions
from crm.rest.openapi.record_operations import group_schema, operation_paths
from crm.services.positions import PLACES
from crm.services.record_input import (
    ACTOR_SOURCES,
    CREATE_ONLY_FIELDS,
    DEFAULT_MAX_TEXT,
    INT32,
    INT64,
    MAX_LIST_ITEMS,
    READ_ONLY_FIELDS,
    sub_text_limit,
)
from crm.services.records import MAX_BATCH
from crm.services.relation_connect import where_keys
from crm.services.upsert_matching import upsert_keys_note

# Built in common.py, where the paths of the operations on a whole object use them too.
_envelope = data_envelope
_depth_parameter = depth_parameter

SAMPLE_COMPOSITES: dict[str, dict[str, Any]] = {
    "FULL_NAME": {"firstName": "Ada", "lastName": "Lovelace"},
    "EMAILS": {"primaryEmail": "ada@example.com", "additionalEmails": []},
    "PHONES": {"primaryPhoneNumber": "5550100", "primaryPhoneCountryCode": "US", "primaryPhoneCallingCode": "+1"},
    "LINKS": {"primaryLinkUrl": "https://example.com", "primaryLinkLabel": "Website"},
    "CURRENCY": {"amountMicros": 1500000000, "currencyCode": "USD"},
    "ADDRESS": {"addressStreet1": "1 Main Street", "addressCity": "Springfield", "addressCountry": "United States"},
}


# -- field schemas -------------------------------------------------------------------


def _column_is_nullable(obj_meta: CompiledObject, path: str | None) -> bool:
    if path is None:
        return True
    try:
        return bool(obj_meta.model._meta.get_field(path).null)
    except FieldDoesNotExist:
        return True


def _column_max_length(obj_meta: CompiledObject, path: str) -> int | None:
    try:
        return getattr(obj_meta.model._meta.get_field(path), "max_length", None)
    except FieldDoesNotExist:
        return None


def _list_item() -> Schema:
    """A list entry: text, or an object of texts (a link with its label). One schema with
    two types rather than an ``anyOf``: maxLength only constrains strings and
    additionalProperties only objects."""
    text = {**basic(OpenApiTypes.STR), "maxLength": 2048}
    return {"type": ["string", "object"], "maxLength": 2048, "additionalProperties": nullable(text)}


def _sub_schema(obj_meta: CompiledObject, field: CompiledField, sub: SubField, *, write: bool) -> Schema:
    if sub.kind == "text":
        schema = basic(OpenApiTypes.STR)
        if write:
            limit = sub_text_limit(sub)
            column_limit = None if field.is_custom else _column_max_length(obj_meta, sub.path)
            schema["maxLength"] = min(limit, column_limit or limit)
            if sub.name == "primaryEmail":
                schema["pattern"] = r"^$|^[^@\s]+@[^@\s]+$"
            if sub.name == "currencyCode":
                schema["pattern"] = "^$|^[A-Z]{3}$"
    elif sub.kind == "list":
        schema = array(_list_item(), maxItems=MAX_LIST_ITEMS) if write else array(any_value())
    elif sub.kind == "bigint":
        schema = {**basic(OpenApiTypes.INT64)}
        if write:
            schema.update(minimum=-INT64, maximum=INT64 - 1)
    elif sub.kind == "float":
        schema = basic(OpenApiTypes.NUMBER)
    else:
        schema = basic(UUID)
    if write or field.is_custom or _column_is_nullable(obj_meta, sub.path):
        schema = nullable(schema)
    return schema


def _composite_schema(obj_meta: CompiledObject, field: CompiledField, *, write: bool) -> Schema:
    properties = {sub.name: _sub_schema(obj_meta, field, sub, write=write) for sub in field.subfields}
    if write:
        return nullable(obj(properties, additionalProperties=False))
    schema = obj(properties, required=[sub.name for sub in field.subfields])
    return nullable(schema) if field.is_custom else schema


def _scalar_schema(obj_meta: CompiledObject, field: CompiledField, *, write: bool) -> Schema:
    kind = field.type
    schema: Schema
    if kind in ("TEXT", "SELECT"):
        schema = basic(OpenApiTypes.STR)
        if kind == "SELECT" and write:
            schema["enum"] = [option["value"] for option in field.options]
        if kind == "TEXT" and write:
            schema["maxLength"] = _text_limit(obj_meta, field)
    elif kind == "MULTI_SELECT":
        item = basic(OpenApiTypes.STR)
        if write:
            item["enum"] = [option["value"] for option in field.options]
        schema = array(item)
    elif kind == "POSITION" and write:
        places = {**basic(OpenApiTypes.STR), "enum": list(PLACES)}
        schema = {
            "type": ["number", "string"],
            "anyOf": [basic(OpenApiTypes.NUMBER), places],
            "description": 'A number, or "first" / "last" to go before or after every other record.',
        }
    elif kind in ("NUMBER", "POSITION"):
        if field.settings.get("dataType") == "int":
            schema = basic(OpenApiTypes.INT)
            if write:
                schema.update(minimum=-INT32, maximum=INT32 - 1)
        else:
            schema = basic(OpenApiTypes.NUMBER)
    elif kind == "BOOLEAN":
        schema = basic(OpenApiTypes.BOOL)
    elif kind == "DATE_TIME":
        schema = basic(DATETIME)
    elif kind == "DATE":
        schema = basic(DATE)
    elif kind == "UUID":
        schema = basic(UUID)
    else:
        schema = any_value()
    if write:
        # Standard text columns store "" for null, so null is always accepted there.
        if (field.is_nullable and kind != "POSITION") or (kind == "TEXT" and not field.is_custom):
            schema = nullable(schema)
    elif field.is_custom or _column_is_nullable(obj_meta, field.path):
        schema = nullable(schema)
    return schema


def _text_limit(obj_meta: CompiledObject, field: CompiledField) -> int:
    if "maxLength" in field.settings:
        return int(field.settings["maxLength"])
    if not field.is_custom and field.path:
        return _column_max_length(obj_meta, field.path) or DEFAULT_MAX_TEXT
    return DEFAULT_MAX_TEXT


def _describe(field: CompiledField) -> str:
    text = field.description or field.label
    if field.type in ("SELECT", "MULTI_SELECT") and field.options:
        text += " Options: " + ", ".join(f"`{o['value']}`" for o in field.options) + "."
    if field.is_custom:
        text += " (custom field)"
    return text


def read_field_schema(obj_meta: CompiledObject, field: CompiledField) -> Schema:
    if field.is_composite:
        schema = _composite_schema(obj_meta, field, write=False)
    else:
        schema = _scalar_schema(obj_meta, field, write=False)
    return {**schema, "description": _describe(field)}


def write_field_schema(obj_meta: CompiledObject, field: CompiledField, *, creating: bool) -> Schema | None:
    """The schema of a writable field, or None when clients cannot set it."""
    if field.type == "RELATION" or field.name in READ_ONLY_FIELDS:
        return None
    if field.name in CREATE_ONLY_FIELDS or field.type == "ACTOR":
        return _create_only_schema(obj_meta, field) if creating and field.name in CREATE_ONLY_FIELDS else None
    if field.name == "id":
        if creating:
            return {**basic(UUID), "description": "Choose the id yourself (optional)."}
        return {**basic(UUID), "description": "Optional: this record's own id (echoing a record back); no other."}
    if field.is_composite:
        schema = _composite_schema(obj_meta, field, write=True)
    else:
        schema = _scalar_schema(obj_meta, field, write=True)
    description = _describe(field)
    if field.type == "UUID":
        description += " Must be the id of an existing record in this workspace."
    return {**schema, "description": description}


def _create_only_schema(obj_meta: CompiledObject, field: CompiledField) -> Schema:
    """createdAt and createdBy: the server's unless a create (an import) says otherwise."""
    if field.type != "ACTOR":
        return {**basic(DATETIME), "description": "When the record was first made (default: now), e.g. for imports."}
    name = field.subfield("name")
    name_limit = _column_max_length(obj_meta, name.path) if name else None
    return obj(
        {
            "source": {**basic(OpenApiTypes.STR), "enum": list(ACTOR_SOURCES)},
            "workspaceMemberId": {
                **nullable(basic(UUID)),
                "description": "A member of this workspace.",
            },
            "name": {**nullable(basic(OpenApiTypes.STR)), "maxLength": name_limit or 255},
            "context": {
                "type": ["object", "null"],
                "maxProperties": 0,
                "description": "Not stored: only {} or null.",
            },
        },
        additionalProperties=False,
        description="Who made the record (default: this API key), e.g. for imports; what is left out is the key's.",
    )


def _member_schema() -> Schema:
    return obj(
        {
            "id": basic(UUID),
            "name": obj({"firstName": basic(OpenApiTypes.STR), "lastName": basic(OpenApiTypes.STR)}),
            "userEmail": basic(OpenApiTypes.STR),
        },
        required=["id"],
    )


def record_schema(workspace_schema: WorkspaceSchema, obj_meta: CompiledObject) -> Schema:
    properties = {field.name: read_field_schema(obj_meta, field) for field in obj_meta.value_fields}
    for field in obj_meta.relations:
        relation = field.relation
        assert relation is not None
        target = workspace_schema.by_singular(relation.target)
        target_name = target.capitalized if target else "WorkspaceMember"
        many = relation.kind == "ONE_TO_MANY"
        properties[field.name] = {
            **(array(ref(target_name)) if many else nullable_ref(target_name)),
            "description": f"{field.label} (only with depth=1).",
        }
    # Only the id is certain: ``?fields=`` answers with fewer fields (every one otherwise).
    return obj(
        properties,
        required=["id"],
        description=(
            f"{obj_meta.label_singular} as returned by the API: every field, unless the request's `fields` "
            "names fewer (the id is always there)."
        ),
    )


def write_schema(obj_meta: CompiledObject, *, creating: bool) -> Schema:
    properties = {}
    for field in obj_meta.value_fields:
        schema = write_field_schema(obj_meta, field, creating=creating)
        if schema is not None:
            properties[field.name] = schema
    for field in obj_meta.relations:
        relation = field.relation
        if relation is not None and relation.kind == "MANY_TO_ONE" and relation.target != "workspaceMember":
            properties[field.name] = _connect_schema(field.name, relation.target, relation.join_field)
    verb = "create" if creating else "change (only the fields sent are changed)"
    return obj(properties, additionalProperties=False, description=f"Fields to {verb} on a {obj_meta.name_singular}.")


def _connect_schema(name: str, target: str, join_field: str | None) -> Schema:
    """A many-to-one relation written by what names the other record (relation_connect)."""
    where = {
        key: basic(UUID) if sub is None else obj({sub: basic(OpenApiTypes.STR)}, additionalProperties=False)
        for key, sub in where_keys(target).items()
    }
    return obj(
        {
            "connect": obj({"where": obj(where, additionalProperties=False, minProperties=1, maxProperties=1)}),
            "disconnect": basic(OpenApiTypes.BOOL),
        },
        additionalProperties=False,
        description=f"Link the {target} named by one of these values, or unlink it (instead of {join_field}).",
    )


def example_record(obj_meta: CompiledObject) -> dict[str, Any]:
    """A valid create body, for the playground's request examples."""
    example: dict[str, Any] = {}
    for field in obj_meta.value_fields:
        if field.is_system or field.type in ("UUID", "RELATION", "ACTOR", "POSITION"):
            continue
        if field.is_composite:
            example[field.name] = SAMPLE_COMPOSITES.get(field.type, {})
        elif field.type == "TEXT":
            example[field.name] = f"Example {field.label.lower()}"
        elif field.type == "NUMBER":
            example[field.name] = 42
        elif field.type == "BOOLEAN":
            example[field.name] = True
        elif field.type == "DATE_TIME":
            example[field.name] = "2025-01-31T09:30:00.000Z"
        elif field.type == "DATE":
            example[field.name] = "2025-01-31"
        elif field.type == "SELECT" and field.options:
            example[field.name] = field.options[0]["value"]
        elif field.type == "MULTI_SELECT" and field.options:
            example[field.name] = [field.options[0]["value"]]
    return example


# -- paths ---------------------------------------------------------------------------


def _filter_fields(obj_meta: CompiledObject) -> list[str]:
    names = []
    for field in obj_meta.value_fields:
        if field.is_composite:
            names.extend(f"{field.name}.{sub.name}" for sub in field.subfields)
        else:
            names.append(field.name)
    return names


def _example_filter(obj_meta: CompiledObject) -> str:
    for field in obj_meta.value_fields:
        if field.type == "FULL_NAME":
            return f"{field.name}.firstName[eq]:Ada"
        if field.type == "TEXT" and not field.is_system:
            return f"{field.name}[ilike]:%example%"
    return "createdAt[gte]:2025-01-01T00:00:00Z"


def _filter_parameter(obj_meta: CompiledObject, *, required: bool = False, purpose: str = "") -> Schema:
    fields = ", ".join(f"`{name}`" for name in _filter_fields(obj_meta))
    operators = ", ".join(f"`{op}`" for op in sorted(OPERATORS))
    description = (
        f"Conditions `field[op]:value`, combined with `and(...)`, `or(...)`, `not(...)`; top-level commas "
        f"mean AND. Operators: {operators}; `is` takes `NULL` or `NOT_NULL`, `in`/`containsAny` a list "
        f"`[a,b]`. Quote values containing `,` or `)` (double or single quotes). A filter naming `deletedAt` "
        f"also reaches soft-deleted records. Fields: {fields}."
    )
    if purpose:
        description = f"{purpose} {description}"
    return build_parameter_type(
        "filter",
        {**basic(OpenApiTypes.STR), "minLength": 1} if required else basic(OpenApiTypes.STR),
        "query",
        required=required,
        description=description,
        examples={"condition": {"value": _example_filter(obj_meta)}},
    )


def list_parameters(obj_meta: CompiledObject) -> list[Schema]:
    string = basic(OpenApiTypes.STR)
    directions = ", ".join(f"`{d}`" for d in sorted(ORDER_DIRECTIONS))
    return [
        _filter_parameter(obj_meta),
        build_parameter_type(
            "order_by",
            string,
            "query",
            description=f"Comma-separated `field[direction]`, direction one of {directions}. Fields as for filter.",
            examples={"newestFirst": {"value": "createdAt[DescNullsLast]"}},
        ),
        build_parameter_type(
            "limit",
            {**basic(OpenApiTypes.INT), "minimum": 0},
            "query",
            description=f"Records per page (default {DEFAULT_LIMIT}; a number above {MAX_LIMIT} reads {MAX_LIMIT}).",
            default=DEFAULT_LIMIT,
        ),
        build_parameter_type(
            "starting_after", string, "query", description="Cursor: the page after this one (`pageInfo.endCursor`)."
        ),
        build_parameter_type(
            "ending_before",
            string,
            "query",
            description="Cursor: the page before this one (`pageInfo.startCursor`).",
        ),
        _depth_parameter(),
        fields_parameter(),
    ]


def _shape_parameters() -> list[Schema]:
    """What every route that answers with records accepts."""
    return [_depth_parameter(), fields_parameter()]


def _upsert_parameter(obj_meta: CompiledObject) -> Schema:
    return build_parameter_type(
        "upsert",
        basic(OpenApiTypes.BOOL),
        "query",
        description=(
            f"true: a record that matches an existing {obj_meta.name_singular} (same id{upsert_keys_note(obj_meta)}) "
            "updates it instead of creating another; `createdAt` and `createdBy` then do not apply."
        ),
        default=False,
    )


def _soft_delete_parameter() -> Schema:
    return build_parameter_type(
        "soft_delete",
        basic(OpenApiTypes.BOOL),
        "query",
        description="true: a soft delete, which `PATCH /rest/restore/...` undoes; otherwise the delete is permanent.",
        default=False,
    )


def _id_parameter(obj_meta: CompiledObject) -> Schema:
    return build_parameter_type(
        "id", basic(UUID), "path", description=f"Id of the {obj_meta.name_singular}.", required=True
    )


def _as_put(operation: Schema) -> Schema:
    """PUT, kept for clients written for Twenty that send it: the same as the PATCH."""
    return {
        **operation,
        "operationId": f"{operation['operationId']}WithPut",
        "summary": f"{operation['summary']} (PUT)",
        "description": f"Same as PATCH: only the fields sent change. {operation.get('description', '')}".strip(),
        "deprecated": True,
    }


def object_paths(obj_meta: CompiledObject) -> dict[str, Schema]:
    singular, plural = obj_meta.name_singular, obj_meta.name_plural
    cap, cap_plural = obj_meta.capitalized, obj_meta.capitalized_plural
    tag = [obj_meta.label_plural]
    record = ref(cap)
    example = example_record(obj_meta)
    reads = error_responses(400, 401, 404, 429)
    writes = error_responses(400, 401, 403, 404, 413, 415, 429)
    bodiless_writes = error_responses(400, 401, 403, 404, 429)
    list_schema = obj(
        {
            "data": obj({plural: array(record)}, required=[plural]),
            "pageInfo": ref("PageInfo"),
            "totalCount": {**basic(OpenApiTypes.INT), "description": "Records matching the filter, on all pages."},
        },
        required=["data", "pageInfo", "totalCount"],
    )
    ids = array(obj({"id": basic(UUID)}, required=["id"]))
    update_body = {
        "required": True,
        "content": json_content(ref(f"{cap}ForUpdate"), {"example": _update_example(example)}),
    }
    bulk_note = (
        f"At most {MAX_LIMIT} records: a filter matching more is refused and nothing changes; so is a "
        "missing or empty filter."
    )
    update_one = {
        "operationId": f"updateOne{cap}",
        "summary": f"Update a {singular}",
        "description": "Only the fields sent change; composite fields may be sent partially.",
        "tags": tag,
        "parameters": _shape_parameters(),
        "requestBody": update_body,
        "responses": {
            "200": json_response(f"The updated {singular}.", _envelope(f"update{cap}", record)),
            **writes,
        },
    }
    update_many = {
        "operationId": f"updateMany{cap_plural}",
        "summary": f"Update every {singular} matching a filter",
        "description": f"The same change to every match, all or nothing. {bulk_note}",
        "tags": tag,
        "parameters": [
            _filter_parameter(obj_meta, required=True, purpose=f"Which {plural} to change."),
            *_shape_parameters(),
        ],
        "requestBody": update_body,
        "responses": {
            "200": json_response(f"The updated {plural}.", _envelope(f"update{cap_plural}", array(record))),
            **writes,
        },
    }
    restore_one = {
        "operationId": f"restoreOne{cap}",
        "summary": f"Restore a deleted {singular}",
        "tags": tag,
        "parameters": _shape_parameters(),
        "responses": {
            "200": json_response(f"The restored {singular}.", _envelope(f"restore{cap}", record)),
            **bodiless_writes,
        },
    }
    return {
        f"/{plural}": {
            "get": {
                "operationId": f"findMany{cap_plural}",
                "summary": f"List {plural}",
                "description": f"A page of {plural}, filtered and ordered; follow `pageInfo` cursors for more.",
                "tags": tag,
                "parameters": list_parameters(obj_meta),
                "responses": {"200": json_response(f"A page of {plural}.", list_schema), **reads},
            },
            "post": {
                "operationId": f"createOne{cap}",
                "summary": f"Create a {singular}",
                "tags": tag,
                "parameters": [_upsert_parameter(obj_meta), *_shape_parameters()],
                "requestBody": {
                    "required": True,
                    "content": json_content(ref(f"{cap}ForCreate"), {"example": example}),
                },
                "responses": {
                    "201": json_response(f"The created {singular}.", _envelope(f"create{cap}", record)),
                    **writes,
                },
            },
            "patch": update_many,
            "put": _as_put(update_many),
            "delete": {
                "operationId": f"deleteMany{cap_plural}",
                "summary": f"Delete every {singular} matching a filter",
                "description": (
                    f"Deletes every match for good, soft-deleted ones included, unless `soft_delete=true`, "
                    f"which soft-deletes (restorably) every live match. {bulk_note}"
                ),
                "tags": tag,
                "parameters": [
                    _filter_parameter(obj_meta, required=True, purpose=f"Which {plural} to delete."),
                    _soft_delete_parameter(),
                    *_shape_parameters(),
                ],
                "responses": {
                    "200": json_response(f"The deleted {plural}' ids.", _envelope(f"delete{cap_plural}", ids)),
                    **bodiless_writes,
                },
            },
        },
        f"/{plural}/restore": {
            "patch": {
                "operationId": f"restoreMany{cap_plural}",
                "summary": f"Restore every deleted {singular} matching a filter",
                "description": bulk_note,
                "tags": tag,
                "parameters": [
                    _filter_parameter(obj_meta, required=True, purpose=f"Which deleted {plural} to restore."),
                    *_shape_parameters(),
                ],
                "responses": {
                    "200": json_response(f"The restored {plural}.", _envelope(f"restore{cap_plural}", array(record))),
                    **bodiless_writes,
                },
            },
        },
        f"/{plural}/{{id}}": {
            "parameters": [_id_parameter(obj_meta)],
            "get": {
                "operationId": f"findOne{cap}",
                "summary": f"Get a {singular}",
                "tags": tag,
                "parameters": _shape_parameters(),
                "responses": {"200": json_response(f"The {singular}.", _envelope(singular, record)), **reads},
            },
            "patch": update_one,
            "put": _as_put(update_one),
            "delete": {
                "operationId": f"deleteOne{cap}",
                "summary": f"Delete a {singular}",
                "description": "Deletes for good, unless `soft_delete=true`: a soft delete, which can be restored.",
                "tags": tag,
                "parameters": [_soft_delete_parameter(), *_shape_parameters()],
                "responses": {
                    "200": json_response(
                        f"The deleted {singular}'s id.",
                        _envelope(f"delete{cap}", obj({"id": basic(UUID)}, required=["id"])),
                    ),
                    **bodiless_writes,
                },
            },
        },
        f"/{plural}/{{id}}/restore": {"parameters": [_id_parameter(obj_meta)], "patch": restore_one},
        f"/batch/{plural}": {
            "post": {
                "operationId": f"createMany{cap_plural}",
                "summary": f"Create up to {MAX_BATCH} {plural}",
                "description": "All or nothing: if one record is invalid, none is created.",
                "tags": tag,
                "parameters": [_upsert_parameter(obj_meta), *_shape_parameters()],
                "requestBody": {
                    "required": True,
                    "content": json_content(
                        array(ref(f"{cap}ForCreate"), minItems=1, maxItems=MAX_BATCH), {"example": [example]}
                    ),
                },
                "responses": {
                    "201": json_response(f"The created {plural}.", _envelope(f"create{cap_plural}", array(record))),
                    **writes,
                },
            }
        },
        f"/restore/{plural}/{{id}}": {
            "parameters": [_id_parameter(obj_meta)],
            "patch": {
                **restore_one,
                "operationId": f"restoreOne{cap}AtRestorePath",
                "description": f"The same as `PATCH /{plural}/{{id}}/restore`.",
            },
        },
    }


def _update_example(example: dict[str, Any]) -> dict[str, Any]:
    first = next(iter(example.items()), None)
    return dict([first]) if first else {}


def build_core_document(workspace_schema: WorkspaceSchema, server_url: str, workspace_name: str) -> Schema:
    components = shared_components()
    schemas = components["schemas"]
    schemas["WorkspaceMember"] = _member_schema()
    paths: dict[str, Schema] = {}
    webhooks: dict[str, Schema] = {}
    tags = []
    for obj_meta in sorted(workspace_schema.objects.values(), key=lambda o: o.name_plural):
        cap = obj_meta.capitalized
        schemas[cap] = record_schema(workspace_schema, obj_meta)
        schemas[f"{cap}ForCreate"] = write_schema(obj_meta, creating=True)
        schemas[f"{cap}ForUpdate"] = write_schema(obj_meta, creating=False)
        schemas[f"{cap}Group"] = group_schema(obj_meta)
        paths.update(operation_paths(obj_meta))
        paths.update(object_paths(obj_meta))
        tags.append({"name": obj_meta.label_plural, "description": obj_meta.description})
    for addition in core_additions(workspace_schema):
        schemas.update(addition.schemas)
        paths.update(addition.paths)
        webhooks.update(addition.webhooks)
        tags.extend(addition.tags)
    description = (
        f"Records of the **{workspace_name}** workspace, including its custom fields. "
        "Authenticate with an API key: `Authorization: Bearer <key>`. "
        + rate_limit_note()
        + ' Errors always look like `{"statusCode": 400, "error": "BadRequestException", "messages": [...]}`.'
    )
    return document(
        f"{workspace_name} — REST API",
        description,
        server_url,
        paths,
        components,
        tags=tags,
        webhooks=webhooks,
    )
