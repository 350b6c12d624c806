"""The webhooks part of the core OpenAPI document: the routes under /rest/webhooks, so
automations can subscribe themselves, and the delivery log with its test, resend and
recover actions; and the body and headers of the deliveries each object's changes send.
Added to the document through crm.rest.openapi.extensions (see ``webhooks.apps``).

They live in the core document (server ``/rest``) because that is where the routes
are; the metadata document's server is ``/rest/metadata``. The schemas follow
``webhooks/rest/shapes.py`` field for field.
"""

from __future__ import annotations

from drf_spectacular.plumbing import build_parameter_type
from drf_spectacular.types import OpenApiTypes

from crm.metadata.schema import CompiledObject, WorkspaceSchema
from crm.rest.openapi.common import (
    DATETIME,
    UUID,
    Schema,
    array,
    basic,
    error_responses,
    json_content,
    json_response,
    nullable,
    obj,
    ref,
    request_schema,
)
from crm.rest.openapi.extensions import CoreAddition
from webhooks.inputs import WebhookInput
from webhooks.models import Delivery
from webhooks.operations import ACTIONS
from webhooks.rest.deliveries import DEFAULT_LIMIT, MAX_LIMIT

STRING = OpenApiTypes.STR
TAG = "Webhooks"
TAG_DESCRIPTION = (
    "Endpoints that receive signed POSTs when records change, and their delivery log. "
    "The payloads are described under Webhooks."
)


def _webhook_properties() -> Schema:
    return {
        "id": basic(UUID),
        "targetUrl": basic(STRING),
        "operations": {**array(basic(STRING)), "examples": [["person.*", "*.deleted"]]},
        "description": basic(STRING),
        "secret": {
            **basic(STRING),
            "description": "Signing secret: generated (`whsec_...`) or the one you chose.",
            "examples": ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        },
        "previousSecretExpiresAt": {
            **nullable(basic(DATETIME)),
            "description": "After a rotation, until when the previous secret also signs.",
        },
        "isActive": basic(OpenApiTypes.BOOL),
        "disabledAt": nullable(basic(DATETIME)),
        "disabledReason": {**nullable(basic(STRING)), "description": "Why it was disabled (by an admin, or failing)."},
        "consecutiveFailures": basic(OpenApiTypes.INT),
        "failingSince": {**nullable(basic(DATETIME)), "description": "First failure of the current failing streak."},
        "lastSuccessAt": nullable(basic(DATETIME)),
        "createdAt": basic(DATETIME),
        "updatedAt": basic(DATETIME),
        "deletedAt": {**nullable(basic(DATETIME)), "description": "Always null: a deleted webhook is gone."},
        "failedDeliveryCount": {
            **basic(OpenApiTypes.INT),
            "description": "Failed deliveries that can be resent (test events aside).",
        },
    }


WEBHOOK_REQUIRED = [
    "id",
    "targetUrl",
    "operations",
    "description",
    "secret",
    "previousSecretExpiresAt",
    "isActive",
    "disabledAt",
    "disabledReason",
    "consecutiveFailures",
    "failingSince",
    "lastSuccessAt",
    "createdAt",
    "updatedAt",
    "deletedAt",
]


def webhook_schema() -> Schema:
    return obj(
        _webhook_properties(),
        required=WEBHOOK_REQUIRED,
        description="A webhook endpoint, in the shape of Twenty's webhook API, with its delivery state.",
    )


def webhook_write_schema(workspace_schema: WorkspaceSchema, *, creating: bool) -> Schema:
    """The body of a creation or a change, from the declaration that validates it."""
    return request_schema(
        WebhookInput(objects=workspace_schema.objects, partial=not creating),
        additionalProperties=False,
        **({} if creating else {"description": "Only the fields sent change."}),
    )


def _attempt_properties() -> Schema:
    headers = obj({}, additionalProperties=basic(STRING))
    return {
        "id": basic(UUID),
        "number": {**basic(OpenApiTypes.INT), "description": "1 for the first attempt of the delivery."},
        "startedAt": basic(DATETIME),
        "finishedAt": nullable(basic(DATETIME)),
        "durationMs": nullable(basic(OpenApiTypes.INT)),
        "succeeded": basic(OpenApiTypes.BOOL),
        "statusCode": {**nullable(basic(OpenApiTypes.INT)), "description": "null when no response came back."},
        "error": {**nullable(basic(STRING)), "description": "Why the attempt failed, in words."},
        "requestHeaders": {**headers, "description": "Headers sent (signatures, never the secret)."},
        "responseHeaders": headers,
        "responseBody": {**basic(STRING), "description": "The start of the response body."},
    }


def attempt_schema() -> Schema:
    properties = _attempt_properties()
    return obj(properties, required=list(properties), description="One POST of a delivery.")


def _body_property() -> Schema:
    return {
        **obj({}, additionalProperties=True),
        "description": "The JSON body sent (eventName, record, ...), as in the webhook events of this document.",
    }


def outcome_schema() -> Schema:
    properties = {
        "deliveryId": {**basic(UUID), "description": "Also the webhook-id header."},
        **_attempt_properties(),
        "body": _body_property(),
    }
    return obj(properties, required=list(properties), description="The attempt that carried the test event.")


def delivery_schema() -> Schema:
    properties = {
        "id": {**basic(UUID), "description": "Also the webhook-id header, the same on every attempt."},
        "webhookId": basic(UUID),
        "eventId": basic(UUID),
        "event": {**basic(STRING), "examples": ["person.created"]},
        "recordId": nullable(basic(UUID)),
        "status": {**basic(STRING), "enum": list(Delivery.Status.values)},
        "attemptCount": basic(OpenApiTypes.INT),
        "nextAttemptAt": nullable(basic(DATETIME)),
        "lastStatusCode": nullable(basic(OpenApiTypes.INT)),
        "lastError": nullable(basic(STRING)),
        "createdAt": basic(DATETIME),
        "deliveredAt": nullable(basic(DATETIME)),
        "body": {**_body_property(), "description": "In the delivery log: the JSON body every attempt sent."},
        "attempts": {
            **array(ref("WebhookAttempt")),
            "description": "Oldest first. In the delivery log, not in the answer to a resend.",
        },
    }
    return obj(
        properties,
        required=[name for name in properties if name not in ("attempts", "body")],
        description="One event on its way to one endpoint.",
    )


def webhook_components(workspace_schema: WorkspaceSchema) -> dict[str, Schema]:
    return {
        "Webhook": webhook_schema(),
        "WebhookForCreate": webhook_write_schema(workspace_schema, creating=True),
        "WebhookForUpdate": webhook_write_schema(workspace_schema, creating=False),
        "WebhookDelivery": delivery_schema(),
        "WebhookAttempt": attempt_schema(),
        "WebhookTestOutcome": outcome_schema(),
    }


def _envelope(key: str, schema: Schema) -> Schema:
    return obj({"data": obj({key: schema}, required=[key])}, required=["data"])


def _list_envelope(key: str, item: Schema, total: str) -> Schema:
    return obj(
        {
            "data": obj({key: array(item)}, required=[key]),
            "pageInfo": ref("PageInfo"),
            "totalCount": {**basic(OpenApiTypes.INT), "description": total},
        },
        required=["data", "pageInfo", "totalCount"],
    )


def _operation(operation_id: str, summary: str, responses: Schema, **extra: object) -> Schema:
    return {"operationId": operation_id, "summary": summary, "tags": [TAG], **extra, "responses": responses}


def webhook_paths() -> dict[str, Schema]:
    webhook_id = build_parameter_type("id", basic(UUID), "path", description="Id of the webhook.", required=True)
    delivery_id = build_parameter_type(
        "deliveryId", basic(UUID), "path", description="Id of the delivery.", required=True
    )
    example = {"targetUrl": "https://hooks.example.com/crm", "operations": ["person.*"], "description": "Sync"}
    writes = error_responses(400, 401, 403, 404, 413, 415, 429)
    actions = error_responses(401, 403, 404, 429)
    statuses = ", ".join(f"`{s}`" for s in Delivery.Status.values)
    return {
        "/webhooks": {
            "get": _operation(
                "findManyWebhooks",
                "List webhooks",
                {
                    "200": json_response("Every webhook of the workspace, oldest first.", array(ref("Webhook"))),
                    **error_responses(401, 403, 429),
                },
                description="Also at `/rest/metadata/webhooks`, as a page (`limit`, `starting_after`, "
                "`ending_before`) in the metadata envelope `{data: [...], pageInfo, totalCount}`.",
            ),
            "post": _operation(
                "createOneWebhook",
                "Create a webhook",
                {
                    "201": json_response("The created webhook, with its secret.", ref("Webhook")),
                    **error_responses(400, 401, 403, 413, 415, 429),
                },
                description="Subscribes a URL to record events, signed with the secret given or a generated one.",
                requestBody={"required": True, "content": json_content(ref("WebhookForCreate"), {"example": example})},
            ),
        },
        "/webhooks/{id}": {
            "parameters": [webhook_id],
            "get": _operation(
                "findOneWebhook",
                "Get a webhook",
                {
                    "200": json_response("The webhook.", ref("Webhook")),
                    **error_responses(401, 403, 404, 429),
                },
            ),
            "patch": _operation(
                "updateOneWebhook",
                "Update a webhook",
                {"200": json_response("The updated webhook.", ref("Webhook")), **writes},
                description=(
                    "Only the fields sent change. `isActive: true` enables a disabled endpoint again; "
                    "`failedDeliveryCount` then says how many deliveries `recover` can resend."
                ),
                requestBody={
                    "required": True,
                    "content": json_content(ref("WebhookForUpdate"), {"disable": {"isActive": False}}),
                },
            ),
            "delete": _operation(
                "deleteOneWebhook",
                "Delete a webhook and its delivery log",
                {"200": json_response("`true`: the webhook is gone.", basic(OpenApiTypes.BOOL)), **actions},
            ),
        },
        "/webhooks/{id}/rotate-secret": {
            "parameters": [webhook_id],
            "post": _operation(
                "rotateWebhookSecret",
                "Rotate the signing secret",
                {
                    "200": json_response(
                        "The webhook with its new secret.", _envelope("rotateWebhookSecret", ref("Webhook"))
                    ),
                    **actions,
                },
                description="The previous secret keeps signing alongside the new one for 24 hours.",
            ),
        },
        "/webhooks/{id}/test": {
            "parameters": [webhook_id],
            "post": _operation(
                "testWebhook",
                "Send a test event now",
                {
                    "200": json_response(
                        "The outcome of the POST (a failure of the receiver is still a 200 here).",
                        _envelope("testWebhook", ref("WebhookTestOutcome")),
                    ),
                    **actions,
                },
                description="Posts a signed `webhook.test` event and waits for the answer; never retried. "
                "Works on a disabled endpoint too.",
            ),
        },
        "/webhooks/{id}/deliveries": {
            "parameters": [webhook_id],
            "get": _operation(
                "findManyWebhookDeliveries",
                "List deliveries, newest first, with their attempts",
                {
                    "200": json_response(
                        "A page of deliveries.",
                        _list_envelope("deliveries", ref("WebhookDelivery"), "Deliveries matching the filters."),
                    ),
                    **error_responses(400, 401, 403, 404, 429),
                },
                parameters=[
                    build_parameter_type(
                        "status",
                        {**basic(STRING), "enum": list(Delivery.Status.values)},
                        "query",
                        description=f"Only deliveries in this state: {statuses}.",
                    ),
                    build_parameter_type(
                        "event",
                        basic(STRING),
                        "query",
                        description="An event name or pattern: `person.created`, `person.*`, `*.deleted`.",
                        examples={"personEvents": {"value": "person.*"}},
                    ),
                    build_parameter_type(
                        "limit",
                        {**basic(OpenApiTypes.INT), "minimum": 1, "maximum": MAX_LIMIT},
                        "query",
                        description=f"Deliveries per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT}).",
                        default=DEFAULT_LIMIT,
                    ),
                    build_parameter_type(
                        "starting_after",
                        basic(STRING),
                        "query",
                        description="Cursor: the page after this one (`pageInfo.endCursor`).",
                    ),
                ],
            ),
        },
        "/webhooks/{id}/deliveries/{deliveryId}/resend": {
            "parameters": [webhook_id, delivery_id],
            "post": _operation(
                "resendWebhookDelivery",
                "Resend a delivery",
                {
                    "202": json_response(
                        "The delivery, queued again (without its attempts).",
                        _envelope("resendDelivery", ref("WebhookDelivery")),
                    ),
                    **error_responses(401, 403, 404, 409, 429),
                },
                description="A fresh round of attempts under the same webhook-id. 409 while the webhook is disabled.",
            ),
        },
        "/webhooks/{id}/recover": {
            "parameters": [webhook_id],
            "post": _operation(
                "recoverWebhookDeliveries",
                "Resend every failed delivery since a time",
                {
                    "202": json_response(
                        "How many failed deliveries were queued again.",
                        _envelope(
                            "recoverWebhookDeliveries",
                            obj(
                                {"count": basic(OpenApiTypes.INT), "since": basic(DATETIME)},
                                required=["count", "since"],
                            ),
                        ),
                    ),
                    **error_responses(400, 401, 403, 404, 409, 413, 415, 429),
                },
                description="After an outage, once the receiver is fixed. 409 while the webhook is disabled.",
                requestBody={
                    "required": True,
                    "content": json_content(
                        obj(
                            {
                                "since": {
                                    **basic(DATETIME),
                                    "description": "ISO-8601 with a time zone: failed deliveries created since then.",
                                }
                            },
                            required=["since"],
                        ),
                        {"lastDay": {"since": "2026-01-31T09:00:00Z"}},
                    ),
                },
            ),
        },
    }


def webhook_event_schema(obj_meta: CompiledObject) -> Schema:
    """The body of a delivery: Twenty's keys with Twenty's meaning, plus the event id."""
    names = [f"{obj_meta.name_singular}.{action}" for action in ACTIONS]
    return obj(
        {
            "targetUrl": {**basic(OpenApiTypes.STR), "description": "The endpoint's URL, where this is sent."},
            "eventName": {**basic(OpenApiTypes.STR), "enum": names},
            "objectMetadata": obj(
                {"id": nullable(basic(UUID)), "nameSingular": basic(OpenApiTypes.STR)},
                required=["id", "nameSingular"],
            ),
            "workspaceId": basic(UUID),
            "webhookId": {**basic(UUID), "description": "The endpoint this delivery is for."},
            "eventDate": {**basic(DATETIME), "description": "When the change happened."},
            "workspaceMemberId": {
                **basic(UUID),
                "description": "The workspace member who made the change in the app (absent for API changes).",
            },
            "record": {
                **ref(obj_meta.capitalized),
                "description": "The record as REST returns it at depth 0: after the change, or as it was deleted.",
            },
            "updatedFields": {**array(basic(OpenApiTypes.STR)), "description": "Only on *.updated events."},
            "id": {**basic(UUID), "description": "The event's id, the same for every endpoint that receives it."},
        },
        required=["targetUrl", "eventName", "objectMetadata", "workspaceId", "webhookId", "eventDate", "record", "id"],
        description=f"Body of a webhook delivery for a {obj_meta.name_singular} change.",
    )


def webhook_operations(obj_meta: CompiledObject) -> Schema:
    cap = obj_meta.capitalized
    events = ", ".join(f"`{obj_meta.name_singular}.{action}`" for action in ACTIONS)
    headers = [
        ("webhook-id", "Delivery id: one per event and endpoint, stable across retries (Standard Webhooks)."),
        ("webhook-timestamp", "Unix time in seconds of this attempt."),
        ("webhook-signature", 'v1,<base64 HMAC-SHA256 of "id.timestamp.body"> keyed with the endpoint secret.'),
        ("X-Twenty-Webhook-Signature", 'Hex HMAC-SHA256 of "timestamp:body" keyed with the secret as shown.'),
        ("X-Twenty-Webhook-Timestamp", "Milliseconds since the epoch of this attempt."),
        ("X-Twenty-Webhook-Nonce", "Random hex, new on every attempt."),
    ]
    return {
        "post": {
            "operationId": f"on{cap}Event",
            "summary": f"{obj_meta.label_singular} events",
            "description": f"Sent to your endpoint for {events}. Answer 2xx to acknowledge; 410 disables it.",
            "tags": [obj_meta.label_plural],
            "parameters": [
                build_parameter_type(name, basic(OpenApiTypes.STR), "header", required=True, description=text)
                for name, text in headers
            ],
            "requestBody": {"required": True, "content": json_content(ref(f"{cap}WebhookEvent"))},
            "responses": {"200": {"description": "Delivery acknowledged (any 2xx)."}},
        }
    }


def core_addition(workspace_schema: WorkspaceSchema) -> CoreAddition:
    addition = CoreAddition(
        schemas=webhook_components(workspace_schema),
        paths=webhook_paths(),
        tags=[{"name": TAG, "description": TAG_DESCRIPTION}],
    )
    for obj_meta in sorted(workspace_schema.objects.values(), key=lambda o: o.name_plural):
        addition.schemas[f"{obj_meta.capitalized}WebhookEvent"] = webhook_event_schema(obj_meta)
        addition.webhooks[obj_meta.name_singular] = webhook_operations(obj_meta)
    return addition
