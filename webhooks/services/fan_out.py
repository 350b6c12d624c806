"""Fan-out of events to webhook endpoints (the outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from webhooks.models import Delivery, Event, WebhookEndpoint
from webhooks.services.queueing import queue_deliveries


def create_deliveries(events: Sequence[Event]) -> int:
    """Write one delivery per matching active endpoint and event, in the caller's
    transaction, and queue them after commit. Returns how many were written.

    One query for the endpoints of every workspace in the batch, one insert for all
    deliveries. Per endpoint only a few deliveries are queued at once; the worker that
    sends them keeps going through that endpoint's backlog, and the sweeper queues the
    rest, so a burst to one endpoint does not flood the queue ahead of other endpoints.
    """
    events = [e for e in events if e is not None]
    if not events:
        return 0
    endpoints_by_workspace: dict[object, list[WebhookEndpoint]] = {}
    for endpoint in WebhookEndpoint.objects.filter(
        workspace_id__in={e.workspace_id for e in events}, is_active=True
    ).only("id", "workspace_id", "operations"):
        endpoints_by_workspace.setdefault(endpoint.workspace_id, []).append(endpoint)
    if not endpoints_by_workspace:
        return 0

    now = timezone.now()
    queue_lease = now + timedelta(seconds=settings.WEBHOOK_QUEUE_LEASE_SECONDS)
    per_endpoint_limit = max(1, settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT)
    queued_per_endpoint: dict[object, int] = {}
    deliveries: list[Delivery] = []
    to_queue: list[object] = []
    for event in events:
        for endpoint in endpoints_by_workspace.get(event.workspace_id, ()):
            if not endpoint.subscribes_to(event.object_name, event.action):
                continue
            queue_now = queued_per_endpoint.get(endpoint.id, 0) < per_endpoint_limit
            delivery = Delivery(
                event=event,
                endpoint_id=endpoint.id,
                status=Delivery.Status.PENDING,
                next_attempt_at=now,
                claimed_until=queue_lease if queue_now else None,
            )
            deliveries.append(delivery)
            if queue_now:
                queued_per_endpoint[endpoint.id] = queued_per_endpoint.get(endpoint.id, 0) + 1
                to_queue.append(delivery.id)
    if not deliveries:
        return 0
    Delivery.objects.bulk_create(deliveries)
    transaction.on_commit(lambda: queue_deliveries(to_queue))
    return len(deliveries)
