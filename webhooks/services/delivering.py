"""Sending one delivery: claim it, sign and POST it, log the attempt, decide what comes next.

The database decides who sends what. A worker first claims the delivery (a lease
with a token, taken in one conditional UPDATE together with the attempt row), then
posts, then records the outcome only if it still holds the claim. A killed worker
leaves an open attempt and a lease that runs out; the sweeper then marks the attempt
interrupted and makes the delivery due again.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from webhooks import safe_http
from webhooks.models import Attempt, Delivery, WebhookEndpoint
from webhooks.models.event import TEST_EVENT_NAME
from webhooks.services.endpoints import disable_endpoint
from webhooks.services.payload import build_body
from webhooks.signing import build_headers

logger = logging.getLogger(__name__)

# A receiver asking for a longer pause than this is treated as asking for this.
MAX_RETRY_AFTER = timedelta(days=1)
RETRY_AFTER_STATUSES = (429, 503)
# last_success_at is a display value: refreshing it on every success would make
# each delivery to a healthy endpoint pay an extra write.
SUCCESS_STAMP_INTERVAL = timedelta(seconds=60)
# How many due deliveries a draining worker looks at per step; a few, so two workers
# draining the same endpoint do not keep colliding on the same row.
DRAIN_LOOKAHEAD = 5
DRAIN_MAX_FAILURES_IN_A_ROW = 3


def deliver(delivery_id: uuid.UUID | str) -> Attempt | None:
    """The worker's entry point: send the delivery if it is due and unclaimed, then,
    while the receiver keeps accepting, go on with the endpoint's other due deliveries
    for up to WEBHOOK_DRAIN_SECONDS. Returns the first attempt made, or None when
    there was nothing to do (already sent, not due yet, claimed elsewhere)."""
    attempt = attempt_delivery(delivery_id)
    if attempt is not None and attempt.succeeded:
        _drain(attempt.delivery.endpoint_id, deadline=time.monotonic() + settings.WEBHOOK_DRAIN_SECONDS)
    return attempt


def attempt_delivery(delivery_id: uuid.UUID | str, *, ignore_endpoint_limit: bool = False) -> Attempt | None:
    """One attempt at one delivery, or None if it is not ours to make right now."""
    now = timezone.now()
    delivery = Delivery.objects.select_related("event__workspace", "endpoint").filter(id=delivery_id).first()
    if delivery is None or delivery.status != Delivery.Status.PENDING:
        return None
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
        return None
    endpoint = delivery.endpoint
    is_test = delivery.event.name == TEST_EVENT_NAME
    if not endpoint.is_active and not is_test:
        Delivery.objects.filter(
            id=delivery.id, status=Delivery.Status.PENDING, attempt_count=delivery.attempt_count
        ).update(
            status=Delivery.Status.FAILED,
            next_attempt_at=None,
            claimed_until=None,
            last_error=f"Not sent: the endpoint was disabled. {endpoint.disabled_reason}".strip(),
        )
        return None

    body = build_body(delivery.event, endpoint)
    headers = build_headers(msg_id=delivery.webhook_id, body=body, secrets=endpoint.signing_secrets(now))
    claimed = _claim(delivery, headers, now, ignore_endpoint_limit=ignore_endpoint_limit)
    if claimed is None:
        return None
    attempt, token = claimed
    outcome = safe_http.post_json(endpoint.target_url, body, headers)
    _record_outcome(delivery, attempt, token, outcome, is_test=is_test)
    return attempt


def _claim(
    delivery: Delivery, headers: dict[str, str], now: datetime, *, ignore_endpoint_limit: bool
) -> tuple[Attempt, uuid.UUID] | None:
    token = uuid.uuid4()
    with transaction.atomic():
        if not ignore_endpoint_limit and _endpoint_is_busy(delivery.endpoint_id, now):
            # Leave it to the worker already sending to this endpoint (it drains the
            # backlog) or to the sweeper, rather than waiting on a slow receiver here.
            Delivery.objects.filter(id=delivery.id, status=Delivery.Status.PENDING).update(claimed_until=None)
            return None
        number = delivery.attempt_count + 1
        claimed = Delivery.objects.filter(
            id=delivery.id, status=Delivery.Status.PENDING, attempt_count=delivery.attempt_count
        ).update(
            status=Delivery.Status.DELIVERING,
            claimed_until=now + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS),
            claim_token=token,
            attempt_count=number,
        )
        if not claimed:
            return None
        attempt = Attempt.objects.create(delivery=delivery, number=number, started_at=now, request_headers=headers)
    delivery.status, delivery.claim_token, delivery.attempt_count = Delivery.Status.DELIVERING, token, number
    return attempt, token


def _endpoint_is_busy(endpoint_id: uuid.UUID, now: datetime) -> bool:
    if connection.vendor == "postgresql":
        # Serialises claims per endpoint so two workers cannot both see a free slot.
        # NO KEY: a plain FOR UPDATE would also block writers inserting deliveries
        # (their foreign key check takes a KEY SHARE lock on this row).
        # SQLite needs no lock: its IMMEDIATE transactions already run one at a time.
        list(WebhookEndpoint.objects.select_for_update(no_key=True).filter(id=endpoint_id).values_list("id", flat=True))
    in_flight = Delivery.objects.filter(
        endpoint_id=endpoint_id, status=Delivery.Status.DELIVERING, claimed_until__gt=now
    ).count()
    return in_flight >= max(1, settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT)


def _record_outcome(
    delivery: Delivery, attempt: Attempt, token: uuid.UUID, outcome: safe_http.HttpOutcome, *, is_test: bool
) -> None:
    now = timezone.now()
    code = outcome.status_code
    succeeded = code is not None and 200 <= code < 300
    error = outcome.error or describe_status(code, outcome.headers)
    attempt.finished_at = now
    attempt.duration_ms = outcome.duration_ms
    attempt.succeeded = succeeded
    attempt.status_code = code
    attempt.response_headers = outcome.headers
    attempt.response_body = outcome.body_excerpt[: safe_http.EXCERPT_CHARS]
    attempt.error = error or ""

    if succeeded:
        changes = {"status": Delivery.Status.SUCCEEDED, "delivered_at": now, "next_attempt_at": None}
    else:
        delay = None if is_test or code == 410 else retry_delay(delivery, outcome)
        if delay is None:
            changes = {"status": Delivery.Status.FAILED, "next_attempt_at": None}
        else:
            changes = {"status": Delivery.Status.PENDING, "next_attempt_at": now + delay}
    with transaction.atomic():
        Attempt.objects.filter(id=attempt.id).update(
            finished_at=attempt.finished_at,
            duration_ms=attempt.duration_ms,
            succeeded=attempt.succeeded,
            status_code=attempt.status_code,
            response_headers=attempt.response_headers,
            response_body=attempt.response_body,
            error=attempt.error,
        )
        # Only the current claim holder decides; a worker that outlived its lease
        # has been replaced and keeps just its attempt row.
        owned = Delivery.objects.filter(id=delivery.id, claim_token=token).update(
            **changes, claimed_until=None, claim_token=None, last_status_code=code, last_error=attempt.error
        )
    if owned:
        for name, value in changes.items():
            setattr(delivery, name, value)
        delivery.claimed_until = delivery.claim_token = None
        delivery.last_status_code, delivery.last_error = code, attempt.error
    if owned and not is_test:
        _note_endpoint_health(delivery.endpoint, succeeded, code, now)


def describe_status(code: int | None, headers: dict[str, str]) -> str:
    """Why a status that arrived is still a failure (empty for success or no status)."""
    if code is None or 200 <= code < 300:
        return ""
    if 300 <= code < 400:
        location = header(headers, "Location")
        target = f" to {location}" if location else ""
        return f"Redirect ({code}){target} not followed: only a 2xx answer counts as delivered."
    if code == 410:
        return "The receiver answered 410 Gone: the endpoint was disabled."
    return f"The receiver answered {code}."


def header(headers: dict[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def parse_retry_after(value: str | None, now: datetime | None = None) -> timedelta | None:
    """Retry-After as seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(timedelta(0), when - (now or timezone.now()))


def retry_delay(delivery: Delivery, outcome: safe_http.HttpOutcome) -> timedelta | None:
    """When to try again after a failed attempt, or None when the schedule is used up.

    The schedule counts from the start of the delivery's current round (a resend
    starts a new one); jitter spreads retries of a burst so they do not arrive together.
    """
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    attempts_in_round = delivery.attempt_count - delivery.round_start
    if attempts_in_round > len(schedule):
        return None
    delay = schedule[attempts_in_round - 1] * random.uniform(0.9, 1.1)
    if outcome.status_code in RETRY_AFTER_STATUSES:
        asked = parse_retry_after(header(outcome.headers, "Retry-After"))
        if asked is not None:
            delay = max(delay, min(asked, MAX_RETRY_AFTER))
    return delay


def _note_endpoint_health(endpoint: WebhookEndpoint, succeeded: bool, code: int | None, now: datetime) -> None:
    if succeeded:
        stale = endpoint.last_success_at is None or endpoint.last_success_at < now - SUCCESS_STAMP_INTERVAL
        if endpoint.consecutive_failures or endpoint.first_failure_at or stale:
            WebhookEndpoint.objects.filter(id=endpoint.id).update(
                consecutive_failures=0, first_failure_at=None, last_success_at=now
            )
        return
    if code == 410:
        disable_endpoint(endpoint, reason=f"The receiver answered 410 Gone on {now:%Y-%m-%d %H:%M} UTC.")
        return
    WebhookEndpoint.objects.filter(id=endpoint.id).update(
        consecutive_failures=F("consecutive_failures") + 1,
        first_failure_at=Coalesce(F("first_failure_at"), Value(now, output_field=DateTimeField())),
    )
    failing_since = endpoint.first_failure_at
    if endpoint.is_active and failing_since is not None and now - failing_since >= settings.WEBHOOK_DISABLE_AFTER:
        days = settings.WEBHOOK_DISABLE_AFTER.total_seconds() / 86400
        disable_endpoint(
            endpoint,
            reason=f"Every delivery failed for {days:g} days (since {failing_since:%Y-%m-%d %H:%M} UTC).",
        )


def _drain(endpoint_id: uuid.UUID, *, deadline: float) -> None:
    failures_in_a_row = 0
    while time.monotonic() < deadline and failures_in_a_row < DRAIN_MAX_FAILURES_IN_A_ROW:
        due = list(
            Delivery.objects.filter(
                endpoint_id=endpoint_id, status=Delivery.Status.PENDING, next_attempt_at__lte=timezone.now()
            )
            .order_by("next_attempt_at")
            .values_list("id", flat=True)[:DRAIN_LOOKAHEAD]
        )
        attempt = next((a for a in map(attempt_delivery, due) if a is not None), None)
        if attempt is None:
            return  # nothing left, or all taken by other workers
        failures_in_a_row = 0 if attempt.succeeded else failures_in_a_row + 1
    # An endpoint failing again and again is left to the retry schedule and the sweeper's pace.
