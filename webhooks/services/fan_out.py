"""Fan-out of events to webhook endpoints (the outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from webhooks.models import Delivery, Event, WebhookEndpoint
from webhooks.services.queueing import queue_endpoints


def create_deliveries(events: Sequence[Event]) -> int:
    """Write one delivery per matching active endpoint and event, in the caller's
    transaction, and after commit send one message naming the endpoints concerned.
    Returns how many deliveries were written.

    One query for the endpoints of every workspace in the batch, one insert for all
    deliveries, one broker message per commit. Every delivery starts with a queue lease
    (the message is on its way), so the sweeper leaves it alone unless that message is lost.
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
    deliveries: list[Delivery] = []
    endpoint_ids: dict[object, None] = {}
    for event in events:
        for endpoint in endpoints_by_workspace.get(event.workspace_id, ()):
            if not endpoint.subscribes_to(event.object_name, event.action):
                continue
            deliveries.append(
                Delivery(
                    event=event,
                    endpoint_id=endpoint.id,
                    status=Delivery.Status.PENDING,
                    next_attempt_at=now,
                    claimed_until=queue_lease,
                )
            )
            endpoint_ids[endpoint.id] = None
    if not deliveries:
        return 0
    Delivery.objects.bulk_create(deliveries)
    transaction.on_commit(lambda: queue_endpoints(endpoint_ids))
    return len(deliveries)
