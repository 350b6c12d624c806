import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from crm.models.workspace import Workspace


class ApiKey(models.Model):
    """An API key. Only the SHA-256 of the token is stored: tokens carry 256 bits of
    randomness, so a fast hash is enough and lookup by hash leaks nothing useful
    through timing (an attacker cannot steer the hash prefix)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the token, to recognise a key in lists.
    token_prefix = models.CharField(max_length=16)
    read_only = models.BooleanField(default=False)
    # How long the key was made to last, so regenerating keeps the same lifetime.
    lifetime_days = models.PositiveIntegerField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_prefix}…)"

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def status(self) -> str:
        if self.is_revoked:
            return "revoked"
        if self.is_expired():
            return "expired"
        return "active"
