"""How the record service announces what it changed, to whoever listens.

The record service writes every change together with its announcement, in the same
database transaction: a listener writes its own rows there (the webhooks app writes the
change's ``Event`` and its deliveries), so a change is never written without them, nor
they without it. This module is the record service's own interface for that, so the CRM
core knows nothing of webhooks: the webhooks app registers its listener when it loads
(``WebhooksConfig.ready``), and the record service calls ``announce`` inside each write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crm.models import Workspace
from crm.services.actor import Actor


@dataclass(frozen=True)
class RecordChange:
    object_name: str  # singular: person, company, ...
    action: str  # created, updated, deleted, restored or destroyed
    record: dict[str, Any]  # as REST returns it at depth 0: after the change, before it for a removal
    updated_fields: list[str] | None = None
    previous: dict[str, Any] | None = None  # the updated fields' values before the change


ChangeListener = Callable[[Workspace, Actor, list[RecordChange]], None]

_listeners: list[ChangeListener] = []


def listen(listener: ChangeListener) -> None:
    """Call ``listener`` with every batch of changes, inside the writing transaction."""
    if listener not in _listeners:
        _listeners.append(listener)


def announce(workspace: Workspace, actor: Actor, changes: list[RecordChange]) -> None:
    for listener in _listeners:
        listener(workspace, actor, changes)
