"""Writes to every record a filter matches: update, soft delete, restore or destroy many.

GraphQL's ``updatePeople``/``deletePeople``/... and REST's bulk routes
(``PATCH``/``DELETE /rest/people?filter=...``, ``PATCH /rest/people/restore?filter=...``)
all come here. The targets are picked by ``bulk_target_ids`` (which refuses a filter
that names nothing), then each one goes through the record service, so every
changed record gets its own event, all in one transaction: either every match
changes or none does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from django.db import transaction

from crm.models import Workspace
from crm.query.ast import Node
from crm.query.record_queries import get_object
from crm.services import records as record_service
from crm.services.actor import Actor
from crm.services.bulk_targets import Scope, bulk_target_ids

Action = Literal["delete", "restore", "destroy"]

# Which records each action may reach: restore only finds deleted ones, destroy finds both.
ACTION_SCOPES: dict[Action, Scope] = {"delete": "live", "restore": "deleted", "destroy": "all"}

_PERFORM: dict[Action, Callable[..., dict[str, Any]]] = {
    "delete": record_service.delete_record,
    "restore": record_service.restore_record,
    "destroy": record_service.destroy_record,
}


def update_matching(
    workspace: Workspace, object_name: str, node: Node | None, data: Any, actor: Actor
) -> list[dict[str, Any]]:
    """Apply ``data`` to every live record ``node`` matches (at most a page); the records after."""
    obj = get_object(workspace, object_name)
    with transaction.atomic():
        ids = bulk_target_ids(workspace, obj, node, scope="live", action="update")
        return record_service.update_records(workspace, obj.name_singular, ids, data, actor)


def act_on_matching(
    workspace: Workspace, object_name: str, action: Action, node: Node | None, actor: Actor
) -> list[dict[str, Any]]:
    """Soft delete, restore or destroy every record ``node`` matches; the records as the
    action left them (as they were, for destroy)."""
    obj = get_object(workspace, object_name)
    perform = _PERFORM[action]
    with transaction.atomic():
        ids = bulk_target_ids(workspace, obj, node, scope=ACTION_SCOPES[action], action=action)
        return [perform(workspace, obj.name_singular, record_id, actor) for record_id in ids]
