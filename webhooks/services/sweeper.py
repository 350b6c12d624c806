"""The periodic sweep: nothing owed to a receiver depends on a message surviving.

Run every few seconds by Celery beat. It first takes back deliveries whose worker
lease ran out (the worker was killed or lost), then queues deliveries that are due
and not in flight: retries whose time has come, deliveries whose message never
reached the broker or was lost with a worker.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from webhooks.models import Attempt, Delivery, WebhookEndpoint
from webhooks.models.event import TEST_EVENT_NAME
from webhooks.services.queueing import queue_deliveries

logger = logging.getLogger(__name__)

INTERRUPTED = "Interrupted: the worker stopped before the outcome was recorded."
# Upper bounds per sweep, so one sweep stays short even with a large backlog.
MAX_RECLAIMS = 500
MAX_ENDPOINTS = 500


def sweep(now: datetime | None = None) -> int:
    """Reclaim expired leases, then queue what is due. Returns how many were queued."""
    now = now or timezone.now()
    reclaimed = reclaim_expired_leases(now)
    if reclaimed:
        logger.info("Took back %d webhook deliveries from stopped workers", reclaimed)
    return queue_due_deliveries(now)


def reclaim_expired_leases(now: datetime | None = None) -> int:
    """Deliveries a worker claimed but never finished: their open attempt is marked
    interrupted and counts as a failed one; the delivery is due again at once (the
    failure was ours, not the receiver's) unless its retries are used up."""
    now = now or timezone.now()
    schedule_length = len(settings.WEBHOOK_RETRY_SCHEDULE)
    stuck = Delivery.objects.filter(status=Delivery.Status.DELIVERING, claimed_until__lt=now).values_list(
        "id", "claim_token", "attempt_count", "round_start", "event__name"
    )[:MAX_RECLAIMS]
    reclaimed = 0
    for delivery_id, token, attempt_count, round_start, event_name in stuck:
        retry = event_name != TEST_EVENT_NAME and attempt_count - round_start <= schedule_length
        with transaction.atomic():
            updated = Delivery.objects.filter(
                id=delivery_id, status=Delivery.Status.DELIVERING, claim_token=token
            ).update(
                status=Delivery.Status.PENDING if retry else Delivery.Status.FAILED,
                next_attempt_at=now if retry else None,
                claimed_until=None,
                claim_token=None,
                last_status_code=None,
                last_error=INTERRUPTED,
            )
            if updated:
                Attempt.objects.filter(delivery_id=delivery_id, finished_at__isnull=True).update(
                    finished_at=now, error=INTERRUPTED
                )
                reclaimed += 1
    return reclaimed


def queue_due_deliveries(now: datetime | None = None) -> int:
    """Claim and queue due, unqueued deliveries, at most WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT
    per endpoint counting those already queued or being sent.

    Picking per endpoint keeps one endpoint's large backlog from filling the sweep
    ahead of the others; the worker that gets an endpoint's delivery drains the rest.
    """
    now = now or timezone.now()
    due = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )
    limit = max(1, settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT)
    chosen: list[uuid.UUID] = []
    with transaction.atomic():
        endpoint_ids = list(
            WebhookEndpoint.objects.filter(Exists(due.filter(endpoint_id=OuterRef("pk")))).values_list("id", flat=True)[
                :MAX_ENDPOINTS
            ]
        )
        if not endpoint_ids:
            return 0
        busy = dict(
            Delivery.objects.filter(
                endpoint_id__in=endpoint_ids,
                status__in=[Delivery.Status.PENDING, Delivery.Status.DELIVERING],
                claimed_until__gte=now,
            )
            .values_list("endpoint_id")
            .annotate(n=Count("id"))
            .values_list("endpoint_id", "n")
        )
        for endpoint_id in endpoint_ids:
            free = limit - busy.get(endpoint_id, 0)
            if free <= 0:
                continue
            rows = due.filter(endpoint_id=endpoint_id).order_by("next_attempt_at")
            if connection.vendor == "postgresql":
                # Another sweeper (two beats, say) skips what this one is taking.
                rows = rows.select_for_update(skip_locked=True)
            chosen.extend(rows.values_list("id", flat=True)[:free])
        if chosen:
            # Conditional, like every claim, though the rows are locked (PostgreSQL) or the
            # transaction runs alone (SQLite): a stray extra message would only be a no-op.
            due.filter(id__in=chosen).update(
                claimed_until=now + timedelta(seconds=settings.WEBHOOK_QUEUE_LEASE_SECONDS)
            )
    if chosen:
        queue_deliveries(chosen)
    return len(chosen)
