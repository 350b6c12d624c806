"""Writing events: the record service's changes (crm.services.record_changes), inside its
transaction, as ``Event`` rows with their deliveries."""

from __future__ import annotations

from crm.models import Workspace
from crm.services.actor import Actor
from crm.services.record_changes import RecordChange
from webhooks.models import Event
from webhooks.services.fan_out import write_events


def write_change_events(workspace: Workspace, actor: Actor, changes: list[RecordChange]) -> None:
    """One event per change, written with its deliveries in one statement where possible."""
    write_events([_event(workspace, actor, change) for change in changes])


def _event(workspace: Workspace, actor: Actor, change: RecordChange) -> Event:
    return Event(
        workspace=workspace,
        name=f"{change.object_name}.{change.action}",
        object_name=change.object_name,
        action=change.action,
        record_id=change.record.get("id"),
        record=change.record,
        updated_fields=change.updated_fields,
        previous=change.previous,
        actor=actor.as_dict(),
    )
