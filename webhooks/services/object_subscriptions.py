"""Endpoints follow the objects they subscribe to: when a custom object is renamed,
``project.created`` becomes ``job.created``; when it is deleted, the operations that
name it go. An endpoint left with no operation is disabled, saying why, rather than
kept subscribed to nothing. Runs inside the object change's transaction
(crm.services.object_changes)."""

from __future__ import annotations

from crm.services.object_changes import ObjectChange
from webhooks.models import WebhookEndpoint
from webhooks.services.endpoints import disable_endpoint


def follow_object_change(change: ObjectChange) -> None:
    endpoints = WebhookEndpoint.objects.filter(workspace=change.workspace).select_for_update()
    for endpoint in endpoints:
        operations = list(endpoint.operations or ())
        kept: list[str] = []
        for operation in operations:
            object_name, _, action = operation.partition(".")
            if object_name != change.name:
                kept.append(operation)
            elif change.action == "renamed" and f"{change.new_name}.{action}" not in kept:
                kept.append(f"{change.new_name}.{action}")
        if kept == operations:
            continue
        endpoint.operations = kept
        endpoint.save(update_fields=["operations", "updated_at"])
        if not kept and endpoint.is_active:
            disable_endpoint(endpoint, f"Its only events were of the object '{change.name}', which was deleted.")
