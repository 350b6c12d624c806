"""Writing events: the record service's changes (crm.services.record_changes), inside its
transaction, as ``Event`` rows with their deliveries."""

from __future__ import annotations

from crm.models import Workspace
from crm.services.actor import Actor
from crm.services.record_changes import RecordChange, Statement
from webhooks.models import Event
from webhooks.services.fan_out import write_events, write_events_along


def write_change_events(workspace: Workspace, actor: Actor, changes: list[RecordChange]) -> None:
    """One event per change, written with its deliveries in one statement where possible."""
    write_events([_event(workspace, actor, change) for change in changes])


def write_change_events_along(
    statement: Statement, workspace: Workspace, actor: Actor, changes: list[RecordChange]
) -> bool:
    """The same, in one statement that also runs the records' own ``statement``; False
    where the database cannot (record_changes.insert_and_announce)."""
    return write_events_along(statement, [_event(workspace, actor, change) for change in changes])


def _event(workspace: Workspace, actor: Actor, change: RecordChange) -> Event:
    return Event(
        workspace_id=workspace.id,
        name=f"{change.object_name}.{change.action}",
        object_name=change.object_name,
        action=change.action,
        record_id=change.record.get("id"),
        record=change.record,
        updated_fields=change.updated_fields,
        previous=change.previous,
        actor=actor.as_dict(),
    )
