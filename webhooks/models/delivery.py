import uuid

from django.db import models

from webhooks.models.endpoint import WebhookEndpoint
from webhooks.models.event import Event


class Delivery(models.Model):
    """One event owed to one endpoint. Its id is the ``webhook-id`` header, so it stays
    the same across retries and resends and receivers can deduplicate on it.

    Its states, who moves it between them and what each lease means are set out in
    docs/webhook-delivery.md. In short: each lease belongs to one state and is empty in
    every other, so a lost message or a killed worker simply lets it run out and the
    sweeper takes over.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERING = "delivering", "Delivering"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    # No index of its own: the two indexes below start with the endpoint. Every index
    # costs each insert and (status being indexed) each update of a delivery.
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    # attempt_count when the current round of retries began (a resend starts a new round).
    round_start = models.PositiveIntegerField(default=0)
    # Indexed through delivery_due (status, next_attempt_at), the sweeper's query.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Neither lease is indexed: every query that reads one narrows by status first (through
    # the indexes below), and an unindexed column keeps renewing or clearing it cheap.
    # The queue lease, set only while pending: a task message naming the endpoint is on
    # its way until then, so the sweeper does not queue another.
    queued_until = models.DateTimeField(null=True, blank=True)
    # The worker lease, set only while delivering: the worker holding the delivery has
    # until then to record its outcome before the sweeper takes it back.
    sending_until = models.DateTimeField(null=True, blank=True)
    # Which claim holds the delivery (set only while delivering), so a worker that
    # outlived its lease cannot overwrite the outcome recorded by the one that took over.
    claim_token = models.UUIDField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["endpoint", "status", "next_attempt_at"], name="delivery_endpoint_due"),
            models.Index(fields=["endpoint", "created_at"], name="delivery_endpoint_created"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.endpoint_id} ({self.status})"

    @property
    def webhook_id(self) -> str:
        return str(self.id)
