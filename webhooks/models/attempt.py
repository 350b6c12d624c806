import uuid

from django.db import models

from crm.models.json_field import OrjsonJSONField
from webhooks.models.delivery import Delivery


class Attempt(models.Model):
    """One POST of a delivery, written when its worker records the answer; an attempt
    cut short by a lost worker is written by the sweeper, as interrupted, when it takes
    the delivery back (docs/webhook-delivery.md)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: attempt_delivery_number starts with the delivery.
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts", db_index=False)
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
        # No index on started_at: attempts are only ever read by delivery, a few at a time.
        constraints = [
            # One row per attempt number: a worker that outlived its lease records its
            # real answer over the row the sweeper wrote for it (interrupted).
            models.UniqueConstraint(fields=["delivery", "number"], name="attempt_delivery_number"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"
