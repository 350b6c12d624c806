import uuid

from django.db import models

from crm.models import Workspace
from crm.models.json_field import OrjsonJSONField

# The event sent by "Send test event": never fanned out, never retried.
TEST_EVENT_NAME = "webhook.test"


class Event(models.Model):
    """One change to a record, written by the record service in the same
    transaction as the change itself (the outbox that webhook deliveries hang off)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: event_ws_created starts with the workspace.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="events", db_index=False)
    # e.g. "person.created"; "webhook.test" for test deliveries.
    name = models.CharField(max_length=100)
    object_name = models.CharField(max_length=63)
    action = models.CharField(max_length=20)
    record_id = models.UUIDField(null=True, blank=True)
    # The record as the REST API returns it at depth 0, after the change.
    record = OrjsonJSONField(default=dict)
    updated_fields = OrjsonJSONField(null=True, blank=True)
    # Values of the updated fields before the change.
    previous = OrjsonJSONField(null=True, blank=True)
    # {"source": "API" | "MANUAL" | "IMPORT" | "SYSTEM", "name": ..., "workspaceMemberId": ..., "apiKeyId": ...}
    actor = OrjsonJSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["workspace", "created_at"], name="event_ws_created")]

    def __str__(self) -> str:
        return f"{self.name} {self.record_id}"
