"""The JSON body of a delivery, in Twenty's shape.

Receivers written for Twenty read ``eventName``, ``record`` and friends, so the body
carries Twenty's keys with Twenty's meaning, in Twenty's order, plus one key of ours:
``id``, the event's id (the same for every endpoint that gets the event).

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
            return {"id": compiled.id, "nameSingular": compiled.name_singular}
    # A test event, or an object removed since the event was written.
    return {"id": None, "nameSingular": event.object_name}


def build_payload(event: Event, endpoint: WebhookEndpoint) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "targetUrl": endpoint.target_url,
        "eventName": event.name,
        "objectMetadata": object_metadata(event),
        "workspaceId": str(event.workspace_id),
        "webhookId": str(endpoint.id),
        "eventDate": format_datetime(event.created_at),
    }
    # Twenty names the workspace member behind a change made in the app; an API key has none.
    member_id = (event.actor or {}).get("workspaceMemberId")
    if member_id:
        payload["workspaceMemberId"] = member_id
    # The record after the change; for a deletion the event holds the record as it was
    # deleted (soft-deleted, or just before it was destroyed).
    payload["record"] = event.record
    if event.action == "updated":
        payload["updatedFields"] = event.updated_fields or []
    payload["id"] = str(event.id)
    return payload


def build_body(event: Event, endpoint: WebhookEndpoint) -> bytes:
    return orjson.dumps(build_payload(event, endpoint))
