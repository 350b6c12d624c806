"""The JSON body of a delivery.

Built from the stored event each time, byte for byte the same on every retry, so the
receiver can compare bodies and the signature of a resend covers the same content.
"""

from __future__ import annotations

from typing import Any

import orjson

from crm.metadata.schema import get_workspace_schema
from crm.query.serialize import format_datetime
from webhooks.models import Event, WebhookEndpoint
from webhooks.models.event import TEST_EVENT_NAME


def object_metadata(event: Event) -> dict[str, Any]:
    if event.name != TEST_EVENT_NAME:
        compiled = get_workspace_schema(event.workspace).objects.get(event.object_name)
        if compiled is not None:
            return {"id": compiled.id, "nameSingular": compiled.name_singular, "namePlural": compiled.name_plural}
    # A test event, or an object removed since the event was written.
    return {"id": None, "nameSingular": event.object_name, "namePlural": None}


def build_payload(event: Event, endpoint: WebhookEndpoint) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(event.id),
        "event": event.name,
        "timestamp": format_datetime(event.created_at),
        "data": event.record,
    }
    if event.action == "updated":
        payload["updatedFields"] = event.updated_fields or []
        payload["previous"] = event.previous or {}
    payload["objectMetadata"] = object_metadata(event)
    payload["workspaceId"] = str(event.workspace_id)
    payload["webhookId"] = str(endpoint.id)
    return payload


def build_body(event: Event, endpoint: WebhookEndpoint) -> bytes:
    return orjson.dumps(build_payload(event, endpoint))
