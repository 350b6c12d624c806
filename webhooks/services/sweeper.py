"""The periodic sweep: nothing owed to a receiver depends on a message surviving.

Run every few seconds by Celery beat. It first takes back deliveries whose worker
lease (``sending_until``) ran out, the worker having been killed or lost, and logs their
attempt as interrupted; then it queues deliveries that are due and not in flight:
retries whose time has come, deliveries whose message never reached the broker or was
lost with a worker (their queue lease, ``queued_until``, ran out). docs/webhook-delivery.md shows where this fits in a
delivery's life.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from webhooks.models import Attempt, Delivery, WebhookEndpoint
from webhooks.models.event import TEST_EVENT_NAME
from webhooks.services.queueing import queue_endpoints, release_queue_leases

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
    """Deliveries a worker claimed but never finished: their attempt is logged as
    interrupted and counts as a failed one; the delivery is due again at once (the
    failure was ours, not the receiver's) unless its retries are used up.

    The endpoints concerned also lose their queue leases: workers that found them busy
    left the backlog to the worker that has now gone, so the sweep queues it instead.
    """
    now = now or timezone.now()
    schedule_length = len(settings.WEBHOOK_RETRY_SCHEDULE)
    lease = timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    stuck = Delivery.objects.filter(status=Delivery.Status.DELIVERING, sending_until__lt=now).values_list(
        "id", "claim_token", "attempt_count", "round_start", "event__name", "endpoint_id", "sending_until"
    )[:MAX_RECLAIMS]
    groups: dict[tuple[uuid.UUID | None, bool], list[uuid.UUID]] = defaultdict(list)
    endpoint_ids: set[uuid.UUID] = set()
    interrupted: dict[uuid.UUID, Attempt] = {}
    for delivery_id, token, attempt_count, round_start, event_name, endpoint_id, sending_until in stuck:
        retry = event_name != TEST_EVENT_NAME and attempt_count - round_start <= schedule_length
        groups[(token, retry)].append(delivery_id)
        endpoint_ids.add(endpoint_id)
        # What its worker never recorded; the claim began a lease before the lease ran out.
        interrupted[delivery_id] = Attempt(
            delivery_id=delivery_id,
            number=attempt_count,
            started_at=sending_until - lease,
            finished_at=now,
            error=INTERRUPTED,
        )
    if not groups:
        return _fail_abandoned_tests(now)
    reclaimed = 0
    with transaction.atomic():
        taken: list[uuid.UUID] = []
        for (token, retry), ids in groups.items():
            # Still held by the same claim: a worker recording its outcome meanwhile wins.
            held = Delivery.objects.filter(id__in=ids, status=Delivery.Status.DELIVERING, claim_token=token)
            # Locked until commit: a worker recording meanwhile waits, then changes nothing.
            taken += held.select_for_update().values_list("id", flat=True)
            reclaimed += held.update(
                status=Delivery.Status.PENDING if retry else Delivery.Status.FAILED,
                next_attempt_at=now if retry else None,
                sending_until=None,
                claim_token=None,
                last_status_code=None,
                last_error=INTERRUPTED,
            )
        # A worker that outlived its lease and records later writes its real answer over
        # this row; one that recorded already keeps its own.
        Attempt.objects.bulk_create([interrupted[i] for i in taken], ignore_conflicts=True)
    release_queue_leases(endpoint_ids)
    return reclaimed + _fail_abandoned_tests(now)


def _fail_abandoned_tests(now: datetime) -> int:
    """A test event is sent by the request that asked for it and by nobody else (it has
    no next_attempt_at); if that process stopped before claiming it, it is closed here."""
    abandoned_before = now - timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    return Delivery.objects.filter(
        status=Delivery.Status.PENDING, next_attempt_at__isnull=True, created_at__lt=abandoned_before
    ).update(status=Delivery.Status.FAILED, queued_until=None, last_error=INTERRUPTED)


def queue_due_deliveries(now: datetime | None = None) -> int:
    """Queue one message per endpoint whose due deliveries nobody is about to send: no
    message on its way (no delivery of it holding a live queue lease) and no batch in
    flight (a worker sending looks for more after each batch). Returns how many
    endpoints were queued.

    Each endpoint gets a message of its own, so workers share a swept backlog; the one
    that gets it sends everything due to that endpoint.
    """
    now = now or timezone.now()
    due = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now).filter(
        Q(queued_until__isnull=True) | Q(queued_until__lt=now)
    )
    # A live queue lease (only pending deliveries hold one) or worker lease (only
    # delivering ones do); the status narrows the search through the endpoint's index.
    covered = Delivery.objects.filter(
        Q(queued_until__gte=now) | Q(sending_until__gte=now),
        endpoint_id=OuterRef("pk"),
        status__in=[Delivery.Status.PENDING, Delivery.Status.DELIVERING],
    )
    marks: list[uuid.UUID] = []
    endpoint_ids: list[uuid.UUID] = []
    with transaction.atomic():
        candidates = list(
            WebhookEndpoint.objects.filter(Exists(due.filter(endpoint_id=OuterRef("pk"))))
            .exclude(Exists(covered))
            .values_list("id", flat=True)[:MAX_ENDPOINTS]
        )
        for endpoint_id in candidates:
            rows = due.filter(endpoint_id=endpoint_id).order_by("next_attempt_at")
            if connection.vendor == "postgresql":
                # Another sweeper (two beats, say) skips what this one is taking.
                rows = rows.select_for_update(skip_locked=True)
            mark = rows.values_list("id", flat=True).first()
            if mark is not None:
                marks.append(mark)
                endpoint_ids.append(endpoint_id)
        if marks:
            # The queue lease on one delivery says "a message is on its way" for the
            # whole endpoint, so the next sweeps leave it alone.
            due.filter(id__in=marks).update(queued_until=now + timedelta(seconds=settings.WEBHOOK_QUEUE_LEASE_SECONDS))
    for endpoint_id in endpoint_ids:
        if not queue_endpoints([endpoint_id], even_if_waiting=True):
            break  # the broker is down: the rest wait for the next sweep
    return len(endpoint_ids)
