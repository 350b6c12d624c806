import uuid
from datetime import datetime

from django.db import models
from django.utils import timezone

from crm.models import Workspace
from crm.models.json_field import OrjsonJSONField
from webhooks.operations import ACTIONS, subscribes

__all__ = ["ACTIONS", "WebhookEndpoint"]


class WebhookEndpoint(models.Model):
    """A receiver URL subscribed to some record events of one workspace."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="webhook_endpoints")
    target_url = models.URLField(max_length=2048)
    operations = OrjsonJSONField(default=list)
    description = models.TextField(blank=True)
    # Stored in clear: signing needs it. "whsec_" + base64 of 32 random bytes.
    secret = models.CharField(max_length=100)
    # After a rotation the old secret keeps signing for a while, so receivers can
    # switch over without dropping messages.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.TextField(blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # Start of the current run of failures; a run longer than WEBHOOK_DISABLE_AFTER disables the endpoint.
    first_failure_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["workspace", "is_active"], name="endpoint_ws_active")]

    def __str__(self) -> str:
        return self.target_url

    def subscribes_to(self, object_name: str, action: str) -> bool:
        return subscribes(self.operations, object_name, action)

    def signing_secrets(self, now: datetime | None = None) -> list[str]:
        """The current secret first, then the previous one while it is still honoured."""
        now = now or timezone.now()
        secrets = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            secrets.append(self.previous_secret)
        return secrets
