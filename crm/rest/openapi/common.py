"""Pieces shared by the core and metadata OpenAPI documents: JSON Schema helpers
(OpenAPI 3.1, so nullability is a ``"null"`` type), the error shape, auth, headers."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import (
    ComponentRegistry,
    build_basic_type,
    build_bearer_security_scheme_object,
    build_media_type_object,
    build_object_type,
    build_parameter_type,
    build_root_object,
)
from drf_spectacular.settings import patched_settings
from drf_spectacular.types import OpenApiTypes
from rest_framework.serializers import Serializer

from crm.rest.errors import ERROR_NAMES, MAX_BODY_BYTES
from crm.services.rate_limit import limit_per_minute

Schema = dict[str, Any]

UUID = OpenApiTypes.UUID
DATETIME = OpenApiTypes.DATETIME
DATE = OpenApiTypes.DATE
JSON_TYPES = ("string", "number", "boolean", "object", "array", "null")

ERROR_DESCRIPTIONS = {
    400: (
        "Invalid input: a malformed filter, an unknown field, a bad cursor or value, an id in the path that is "
        "not a UUID. `messages` says what and where."
    ),
    401: "Missing, invalid, expired or revoked API key.",
    403: "The API key is read-only and the operation writes.",
    404: (
        "No such record, field, object, webhook or delivery in this workspace; for a record the first message "
        "is `Record not found`."
    ),
    409: "The webhook is disabled: enable it before resending or recovering its deliveries.",
    413: f"The request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB.",
    415: "The request body is not JSON (send `Content-Type: application/json`).",
    429: "Too many requests with this API key; wait for `Retry-After` seconds.",
}


def basic(kind: OpenApiTypes) -> Schema:
    schema = build_basic_type(kind)
    assert schema is not None
    return schema


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def any_value(**kwargs: Any) -> Schema:
    """Any JSON value. The types are spelled out rather than written ``{}``: Scalar's
    reference rejects a schema without ``type`` inside a schema that others reference."""
    return {"type": list(JSON_TYPES), **kwargs}


def nullable_ref(name: str) -> Schema:
    """A reference to an object schema, or ``null``. The ``type`` beside the ``anyOf``
    restates what the branches allow, for tools that expect a type on every schema."""
    return {"type": ["object", "null"], "anyOf": [ref(name), {"type": "null"}]}


def nullable(schema: Schema) -> Schema:
    """The same schema also accepting ``null`` (OpenAPI 3.1 has no ``nullable``: null is
    one more type). References go through ``nullable_ref``."""
    if "$ref" in schema or "type" not in schema:
        raise ValueError(f"nullable() needs a schema with a type, not {schema!r}")
    kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    result = {**schema, "type": [*kinds, "null"] if "null" not in kinds else kinds}
    if "enum" in result and None not in result["enum"]:
        result["enum"] = [*result["enum"], None]
    return result


def obj(properties: Schema, required: list[str] | None = None, **kwargs: Any) -> Schema:
    return build_object_type(properties=properties, required=required, **kwargs)


def request_schema(serializer: Serializer, **extra: Any) -> Schema:
    """The request body a serializer reads, as drf-spectacular describes it (types,
    limits, defaults, help texts, required fields; none required for a partial one), so
    the document says what the serializer checks. ``extra`` is added (a description,
    ``additionalProperties``)."""
    inspector = AutoSchema()
    inspector.registry = ComponentRegistry()
    inspector.method = "PATCH" if serializer.partial else "POST"
    inspector.view = SimpleNamespace(request=None)  # read only for a serializer without context
    with patched_settings({"OAS_VERSION": "3.1.0"}):
        schema = inspector._map_serializer(serializer, "request")
    if serializer.partial:
        # A default applies on creation; in a change, what is left out stays as it is.
        for field_schema in schema["properties"].values():
            field_schema.pop("default", None)
    schema.pop("description", None)  # the serializer's docstring speaks to programmers
    return {**schema, **extra}


def array(items: Schema, **kwargs: Any) -> Schema:
    return {"type": "array", "items": items, **kwargs}


def json_content(schema: Schema, examples: dict[str, Any] | None = None) -> Schema:
    named = {name: {"value": value} for name, value in (examples or {}).items()}
    return {"application/json": build_media_type_object(schema, examples=named or None)}


def json_response(description: str, schema: Schema) -> Schema:
    return {
        "description": description,
        "headers": {
            "X-RateLimit-Limit": {"$ref": "#/components/headers/X-RateLimit-Limit"},
            "X-RateLimit-Remaining": {"$ref": "#/components/headers/X-RateLimit-Remaining"},
        },
        "content": json_content(schema),
    }


def error_responses(*statuses: int) -> dict[str, Schema]:
    return {str(status): {"$ref": f"#/components/responses/{ERROR_NAMES[status]}"} for status in statuses}


def data_envelope(key: str, schema: Schema) -> Schema:
    """``{"data": {key: ...}}``, the envelope of one record or one operation's answer."""
    return obj({"data": obj({key: schema}, required=[key])}, required=["data"])


def depth_parameter() -> Schema:
    return build_parameter_type(
        "depth",
        {**basic(OpenApiTypes.INT), "enum": [0, 1]},
        "query",
        description="0: the record's own fields; 1: also its related records.",
        default=0,
    )


def fields_parameter() -> Schema:
    return build_parameter_type(
        "fields",
        {**basic(OpenApiTypes.STR), "pattern": r"\S"},
        "query",
        description="Comma-separated field names: the records in the answer hold only these fields (and `id`).",
        examples={"nameAndEmail": {"value": "id,createdAt"}},
    )


def page_info_schema() -> Schema:
    cursor = {**nullable(basic(OpenApiTypes.STR)), "description": "Opaque cursor; pass it back unchanged."}
    return obj(
        {
            "hasNextPage": basic(OpenApiTypes.BOOL),
            "hasPreviousPage": basic(OpenApiTypes.BOOL),
            "startCursor": cursor,
            "endCursor": cursor,
        },
        required=["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"],
    )


def shared_components() -> Schema:
    """Schemas, responses, headers and the security scheme both documents use."""
    error = obj(
        {
            "statusCode": {**basic(OpenApiTypes.INT), "examples": [400]},
            "error": {**basic(OpenApiTypes.STR), "examples": ["BadRequestException"]},
            "messages": array(basic(OpenApiTypes.STR), minItems=1),
        },
        required=["statusCode", "error", "messages"],
        description="Every failure has this shape.",
    )
    responses = {}
    for status, description in ERROR_DESCRIPTIONS.items():
        name = ERROR_NAMES[status]
        example = {"statusCode": status, "error": name, "messages": [description.split(";")[0].split(".")[0] + "."]}
        response: Schema = {
            "description": description,
            "content": {"application/json": {"schema": ref("Error"), "example": example}},
        }
        if status == 429:
            response["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
        responses[name] = response
    integer_header = {"schema": basic(OpenApiTypes.INT)}
    return {
        "schemas": {"Error": error, "PageInfo": page_info_schema()},
        "responses": responses,
        "headers": {
            "X-RateLimit-Limit": {**integer_header, "description": "Requests allowed per minute for this key."},
            "X-RateLimit-Remaining": {**integer_header, "description": "Requests left in the current minute."},
            "Retry-After": {**integer_header, "description": "Seconds until the rate limit resets."},
        },
        "securitySchemes": {
            "bearerAuth": {
                **build_bearer_security_scheme_object("Authorization", "Bearer", "API key"),
                "description": "An API key from Settings → APIs, sent as `Authorization: Bearer <key>`.",
            }
        },
    }


def document(title: str, description: str, server_url: str, paths: Schema, components: Schema, **extra: Any) -> Schema:
    root = build_root_object(paths=paths, components=components, webhooks=None, version=None)
    root["openapi"] = "3.1.0"
    root["info"]["title"] = title
    root["info"]["description"] = description
    root["servers"] = [{"url": server_url, "description": "This workspace"}]
    root["security"] = [{"bearerAuth": []}]
    root.update(extra)
    return root


def rate_limit_note() -> str:
    return (
        f"Each API key may make {limit_per_minute()} requests per minute; every response carries "
        "`X-RateLimit-Limit` and `X-RateLimit-Remaining`, and a refused request gets 429 with `Retry-After`."
    )
