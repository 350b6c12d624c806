"""The JSON body of a delivery, in Twenty's shape.

Receivers written for Twenty read ``eventName``, ``record`` and friends, so the body
carries Twenty's keys with Twenty's meaning, in Twenty's order, plus one key of ours:
``id``, the event's id (the same for every endpoint that gets the event).

Built from the stored event each time, byte for byte the same on every retry, so the
receiver can compare bodies and the signature of a resend covers the same content.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from crm.metadata.schema import get_workspace_schema
from crm.models import Workspace
from crm.query.serialize import format_datetime
from webhooks.models import Event, WebhookEndpoint
from webhooks.models.event import TEST_EVENT_NAME


class EventFacts(NamedTuple):
    """What a body says of its event: a worker reads just these from its claim's rows
    rather than whole Event objects, since a batch sends hundreds."""

    id: uuid.UUID
    workspace_id: uuid.UUID
    name: str
    object_name: str
    action: str
    record: Any
    updated_fields: list[str] | None
    member_id: str | None  # the workspace member behind the change, if any
    created_at: datetime

    @classmethod
    def of(cls, event: Event) -> EventFacts:
        return cls(
            event.id,
            event.workspace_id,
            event.name,
            event.object_name,
            event.action,
            event.record,
            event.updated_fields,
            (event.actor or {}).get("workspaceMemberId"),
            event.created_at,
        )


def object_metadata(workspace: Workspace, event: EventFacts) -> dict[str, Any]:
    if event.name != TEST_EVENT_NAME:
        compiled = get_workspace_schema(workspace).objects.get(event.object_name)
        if compiled is not None:
            return {"id": compiled.id, "nameSingular": compiled.name_singular}
    # A test event, or an object removed since the event was written.
    return {"id": None, "nameSingular": event.object_name}


def build_payload(event: Event | EventFacts, endpoint: WebhookEndpoint) -> dict[str, Any]:
    facts = event if isinstance(event, EventFacts) else EventFacts.of(event)
    payload: dict[str, Any] = {
        "targetUrl": endpoint.target_url,
        "eventName": facts.name,
        # The event belongs to the endpoint's workspace.
        "objectMetadata": object_metadata(endpoint.workspace, facts),
        "workspaceId": str(facts.workspace_id),
        "webhookId": str(endpoint.id),
        "eventDate": format_datetime(facts.created_at),
    }
    # Twenty names the workspace member behind a change made in the app; an API key has none.
    if facts.member_id:
        payload["workspaceMemberId"] = facts.member_id
    # The record after the change; for a deletion the event holds the record as it was
    # deleted (soft-deleted, or just before it was destroyed).
    payload["record"] = facts.record
    if facts.action == "updated":
        payload["updatedFields"] = facts.updated_fields or []
    payload["id"] = str(facts.id)
    return payload


def build_body(event: Event | EventFacts, endpoint: WebhookEndpoint) -> bytes:
    return orjson.dumps(build_payload(event, endpoint))
