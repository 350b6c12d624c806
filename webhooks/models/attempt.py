import uuid

from django.db import models

from crm.models.json_field import OrjsonJSONField
from webhooks.models.delivery import Delivery


class Attempt(models.Model):
    """One POST of a delivery. Written before the request goes out and completed after,
    so even an attempt cut short by a killed worker is in the log."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # Signatures only: the secret itself never appears in a header.
    request_headers = OrjsonJSONField(default=dict)
    response_headers = OrjsonJSONField(default=dict)
    # The first 1 KiB of the response.
    response_body = models.TextField(blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at"]
        indexes = [models.Index(fields=["started_at"], name="attempt_started")]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"
