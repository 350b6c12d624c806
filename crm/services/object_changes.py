"""How the object service announces that an object was renamed or deleted.

Other apps keep names of objects (webhook endpoints subscribe to ``project.created``),
and must follow such a change in the same transaction, so that no subscription names
an object that is gone or was renamed. As with record changes
(crm.services.record_changes), the CRM core knows nothing of its listeners: they
register when their app loads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crm.models import Workspace


@dataclass(frozen=True)
class ObjectChange:
    workspace: Workspace
    action: str  # renamed or deleted
    name: str  # the object's singular name before the change
    new_name: str | None = None  # renamed: the new singular name


ObjectListener = Callable[[ObjectChange], None]

_listeners: list[ObjectListener] = []


def listen(listener: ObjectListener) -> None:
    """Call ``listener`` with every rename and deletion, inside the changing transaction."""
    if listener not in _listeners:
        _listeners.append(listener)


def announce(change: ObjectChange) -> None:
    for listener in _listeners:
        listener(change)
