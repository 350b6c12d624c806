"""Writing events: called by the record service inside its transaction."""

from __future__ import annotations

from typing import Any

from crm.models import Workspace
from crm.services.actor import Actor
from webhooks.models import Event
from webhooks.services.fan_out import write_events


def record_event(
    workspace: Workspace,
    object_name: str,
    action: str,
    record: dict[str, Any],
    actor: Actor,
    *,
    updated_fields: list[str] | None = None,
    previous: dict[str, Any] | None = None,
) -> Event:
    event = _build(workspace, object_name, action, record, actor, updated_fields, previous)
    write_events([event])
    return event


def record_events(
    workspace: Workspace, object_name: str, action: str, records: list[dict[str, Any]], actor: Actor
) -> list[Event]:
    """One event per record, written in one statement (batch creates and imports)."""
    events = [_build(workspace, object_name, action, record, actor, None, None) for record in records]
    write_events(events)
    return events


def _build(
    workspace: Workspace,
    object_name: str,
    action: str,
    record: dict[str, Any],
    actor: Actor,
    updated_fields: list[str] | None,
    previous: dict[str, Any] | None,
) -> Event:
    return Event(
        workspace=workspace,
        name=f"{object_name}.{action}",
        object_name=object_name,
        action=action,
        record_id=record.get("id"),
        record=record,
        updated_fields=updated_fields,
        previous=previous,
        actor=actor.as_dict(),
    )
