"""Sending deliveries: the worker's rounds and the single attempts of the UI and the API.

The database decides who sends what (see claims.py): a worker claims a batch of due
deliveries from each endpoint it was given, POSTs them one after another over the
process's keep-alive connections, and records every outcome (see outcomes.py), only for
the deliveries it still holds. A killed worker leaves open attempts and worker leases
that run out; the sweeper then marks those attempts interrupted and makes the deliveries
due again. docs/webhook-delivery.md draws the whole cycle.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from webhooks import safe_http
from webhooks.models import Attempt, Delivery, WebhookEndpoint
from webhooks.models.event import TEST_EVENT_NAME
from webhooks.services import claims, nudges, outcomes, slow_receivers

# Time kept free at the end of a worker lease for recording the outcomes.
LEASE_MARGIN_SECONDS = 1.0

_PENDING = Delivery.Status.PENDING


@dataclass
class BatchResult:
    claimed: int = 0
    full: bool = False  # it claimed as many as it asked for, so more may well be due
    sent: int = 0  # attempts made: the claimed deliveries posted before the batch stopped
    # Why the endpoint should not be sent more right now, if so:
    # "failing", "gone" (410 or disabled), "missing".
    stop: str | None = None
    failures_in_a_row: int = 0


def deliver(delivery_id: uuid.UUID | str) -> Attempt | None:
    """Send one delivery if it is due and unclaimed, then, if the receiver accepted it,
    go on with the endpoint's other due deliveries for up to WEBHOOK_DRAIN_SECONDS.
    Returns the attempt made, or None when there was nothing to do (already sent, not
    due yet, claimed elsewhere)."""
    attempt = attempt_delivery(delivery_id)
    if attempt is not None and attempt.succeeded:
        deliver_to_endpoints([attempt.delivery.endpoint_id])
    return attempt


def deliver_to_endpoints(endpoint_ids: Iterable[uuid.UUID | str], *, drain_seconds: float | None = None) -> int:
    """The worker's entry point: send the endpoints everything due, in rounds of a batch
    per endpoint, until nothing is left or WEBHOOK_DRAIN_SECONDS have passed. Returns how
    many deliveries were attempted.

    An endpoint with enough batches in flight already is skipped: the workers sending
    them look for more (in a statement of its own, after recording their batch), so a
    delivery committed before the skip is seen by one of them. Work left at the deadline
    goes back to the queue in one message, so other messages get their turn; an endpoint
    failing again and again is left to the sweeper's pace.
    """
    seconds = settings.WEBHOOK_DRAIN_SECONDS if drain_seconds is None else drain_seconds
    deadline = time.monotonic() + seconds
    waiting = [e for e in dict.fromkeys(map(_as_uuid, endpoint_ids)) if e is not None]
    # Before the first look for work: a delivery committed from here on gets a message
    # of its own, since its writer finds no message waiting.
    nudges.clear([str(endpoint_id) for endpoint_id in waiting])
    random.shuffle(waiting)  # workers given the same endpoints do not all start with the same one
    failures: dict[uuid.UUID, int] = {}
    failing: list[uuid.UUID] = []
    attempted = 0
    # Endpoints that may have nothing due: all of them at first, then those whose last
    # claim took fewer than it asked for (it found the end of their backlog).
    unsure = set(waiting)
    while waiting and time.monotonic() < deadline:
        if unsure:
            # One cheap look for them before any claim's transaction.
            due = claims.endpoints_with_due([e for e in waiting if e in unsure])
            waiting = [endpoint_id for endpoint_id in waiting if endpoint_id not in unsure or endpoint_id in due]
        unsure = set()
        for group in _claim_groups(waiting):
            results = send_batches(group, failures)
            for endpoint_id, result in results.items():
                attempted += result.sent
                failures[endpoint_id] = result.failures_in_a_row
                if result.stop or not result.claimed:
                    waiting.remove(endpoint_id)
                    if result.stop == "failing":
                        failing.append(endpoint_id)
                elif not result.full:
                    unsure.add(endpoint_id)
            if time.monotonic() >= deadline:
                break
    if failing:
        from webhooks.services.queueing import release_queue_leases

        release_queue_leases(failing)
    if waiting:
        from webhooks.services.queueing import queue_endpoints

        queue_endpoints(waiting)
    return attempted


def send_batches(
    endpoint_ids: list[uuid.UUID], failures: dict[uuid.UUID, int] | None = None
) -> dict[uuid.UUID, BatchResult]:
    """Claim a batch of due deliveries from each endpoint (together up to BATCH_SIZE), POST
    each endpoint's batch in turn, and record all the outcomes at once.

    ``failures`` gives each endpoint's failures in a row so far in this round. A receiver
    answering slowly while others wait in the same claim is sent no more of it: the rest
    of its batch goes back for the next round, where it is claimed on its own.
    """
    failures = failures or {}
    results: dict[uuid.UUID, BatchResult] = {}
    sending: list[claims.Claim] = []
    for endpoint_id, claim in zip(endpoint_ids, claims.claim_endpoints(endpoint_ids), strict=True):
        if claim.endpoint is None:
            results[endpoint_id] = BatchResult(stop="missing")
        elif not claim.endpoint.is_active:
            _fail_for_disabled_endpoint(claim.endpoint, delivery_id=None)
            results[endpoint_id] = BatchResult(stop="gone")
        else:
            sending.append(claim)
    for claim in sending:
        assert claim.endpoint is not None
        # The first delivery of the first batch goes out whatever its lease says: a lease
        # shorter than one timeout would otherwise never send anything.
        results[claim.endpoint.id] = _post(
            claim,
            failures_in_a_row=failures.get(claim.endpoint.id, 0),
            first_is_free=claim is sending[0],
            others_waiting=claim is not sending[-1],
        )
    outcomes.record(sending)
    return results


def _claim_groups(endpoint_ids: list[uuid.UUID]) -> list[list[uuid.UUID]]:
    """The endpoints as claims go: the quick ones together (up to BATCH_SIZE to a claim),
    then each one that answered slowly of late on its own, so that waiting for it never
    holds up deliveries to the others."""
    slow_ones = slow_receivers.slow_among(endpoint_ids)
    quick = [endpoint_id for endpoint_id in endpoint_ids if endpoint_id not in slow_ones]
    slow = [[endpoint_id] for endpoint_id in endpoint_ids if endpoint_id in slow_ones]
    size = claims.BATCH_SIZE
    return [quick[start : start + size] for start in range(0, len(quick), size)] + slow


def send_batch(endpoint_id: uuid.UUID, *, failures_in_a_row: int = 0) -> BatchResult:
    """Claim up to BATCH_SIZE due deliveries of the endpoint, send them, record the outcomes."""
    return send_batches([endpoint_id], {endpoint_id: failures_in_a_row})[endpoint_id]


def attempt_delivery(delivery_id: uuid.UUID | str, *, ignore_endpoint_limit: bool = False) -> Attempt | None:
    """One attempt at one delivery, or None if it is not ours to make right now."""
    now = timezone.now()
    parsed = _as_uuid(delivery_id)
    delivery = Delivery.objects.select_related("event", "endpoint__workspace").filter(id=parsed).first()
    if delivery is None or delivery.status != _PENDING:
        return None
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
        return None
    if not delivery.endpoint.is_active and delivery.event.name != TEST_EVENT_NAME:
        _fail_for_disabled_endpoint(delivery.endpoint, delivery_id=delivery.id)
        return None
    claim = claims.claim_one(delivery.endpoint_id, delivery=delivery, enforce_limit=not ignore_endpoint_limit)
    if claim.busy:
        # Leave it to the worker already sending to this endpoint (it goes on with the
        # backlog) or to the sweeper, rather than waiting on a slow receiver here.
        Delivery.objects.filter(id=delivery.id, status=_PENDING).update(queued_until=None)
        return None
    if not claim.sendings:
        return None
    _post(claim, failures_in_a_row=0, first_is_free=True)
    logged = outcomes.record([claim])
    if delivery.endpoint_id in claims.endpoints_with_due([delivery.endpoint_id]):
        # A worker may have skipped the endpoint while this attempt was in flight.
        from webhooks.services import publisher

        transaction.on_commit(lambda: publisher.publish([delivery.endpoint_id]))
    # As logged, for the page or API that shows it.
    attempt_id = claim.sendings[0].attempt_id
    attempt = Attempt(id=attempt_id, **logged[attempt_id])
    attempt.delivery = delivery
    return attempt


def _post(
    claim: claims.Claim, *, failures_in_a_row: int, first_is_free: bool, others_waiting: bool = False
) -> BatchResult:
    """POST the claimed deliveries in order into ``claim.outcomes``, stopping early for a
    410, a run of failures, a lease too short for one more timeout, or (when other
    endpoints' batches wait behind this one) a slow answer."""
    endpoint = claim.endpoint
    assert endpoint is not None
    timeout = float(settings.WEBHOOK_TIMEOUT_SECONDS)
    result = BatchResult(
        claimed=len(claim.sendings), full=len(claim.sendings) >= claim.size, failures_in_a_row=failures_in_a_row
    )
    if not claim.sendings:
        return result
    # The URL is resolved and its address checked once for the batch; every POST of it
    # goes to that address, over the process's kept-alive connection to it.
    target = safe_http.Target(endpoint.target_url)
    for index, sending in enumerate(claim.sendings):
        if (index or not first_is_free) and time.monotonic() + timeout + LEASE_MARGIN_SECONDS > claim.lease_ends:
            break  # the rest go back unsent rather than outlive the lease
        outcome = target.post(sending.body, sending.headers)
        claim.outcomes.append(outcome)
        if outcomes.accepted(outcome):
            result.failures_in_a_row = 0
        elif not sending.is_test:
            result.failures_in_a_row += 1
            if outcome.status_code == 410:
                result.stop = "gone"
                break
            if result.failures_in_a_row >= claims.MAX_FAILURES_IN_A_ROW:
                result.stop = "failing"
                break
        if slow_receivers.note_answer(endpoint.id, outcome.duration_ms) and others_waiting:
            break  # the rest go back, to be claimed on their own
    result.sent = len(claim.outcomes)
    return result


def _fail_for_disabled_endpoint(endpoint: WebhookEndpoint, *, delivery_id: uuid.UUID | None) -> None:
    """Deliveries written just before the endpoint was disabled: failed, resendable later."""
    waiting = Delivery.objects.filter(endpoint_id=endpoint.id, status=_PENDING).exclude(event__name=TEST_EVENT_NAME)
    if delivery_id is not None:
        waiting = Delivery.objects.filter(id=delivery_id, status=_PENDING)
    waiting.update(
        status=Delivery.Status.FAILED,
        next_attempt_at=None,
        queued_until=None,
        last_error=f"Not sent: the endpoint was disabled. {endpoint.disabled_reason}".strip(),
    )


def _as_uuid(value: object) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
