"""Recording what happened to the deliveries a claim sent: the attempts written to the
log, each delivery settled (delivered, due again later, or failed), the unsent ones put
back, and the endpoint's run of failures kept, which may disable it. Each of these ends
the claim's worker lease (transitions 4 to 7 in docs/webhook-delivery.md)."""

from __future__ import annotations

import contextlib
import email.utils
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, DateTimeField, F, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from webhooks import safe_http
from webhooks.models import Attempt, Delivery, WebhookEndpoint
from webhooks.services.claims import Claim
from webhooks.services.endpoints import OVERLAP_TRIES, disable_endpoint, tried_again_on_overlap

# A receiver asking for a longer pause than this is treated as asking for this.
MAX_RETRY_AFTER = timedelta(days=1)
RETRY_AFTER_STATUSES = (429, 503)
# last_success_at is a display value: refreshing it on every batch would make each
# batch to a healthy endpoint pay an extra write.
SUCCESS_STAMP_INTERVAL = timedelta(seconds=60)
# What a worker that outlived its lease writes over the row the sweeper wrote for its
# attempt (interrupted): everything but the attempt's identity.
_ATTEMPT_OUTCOME_FIELDS = [
    "started_at",
    "request_headers",
    "finished_at",
    "duration_ms",
    "succeeded",
    "status_code",
    "response_headers",
    "response_body",
    "error",
]

_PENDING = Delivery.Status.PENDING


def accepted(outcome: safe_http.HttpOutcome) -> bool:
    return outcome.status_code is not None and 200 <= outcome.status_code < 300


@dataclass
class _Settlement:
    """What one claim's outcomes change: its attempts logged, its deliveries' new state."""

    claim: Claim
    # The columns of each attempt made, by attempt id.
    attempts: dict[uuid.UUID, dict[str, object]]
    # The new state of each delivery sent, by delivery id.
    changes: dict[uuid.UUID, dict[str, object]]
    # (succeeded, status) of the real (non-test) attempts, in order, for the endpoint's health.
    counted: list[tuple[bool, int | None]]


def record(claims: list[Claim]) -> dict[uuid.UUID, dict[str, object]]:
    """Log the attempts, settle the deliveries each claim still holds, and put back the
    ones never sent; on PostgreSQL one statement when everything claimed was sent.
    Returns the columns of the attempts logged, by attempt id."""
    now = timezone.now()
    settlements = [_settlement(claim, now) for claim in claims if claim.outcomes]
    unsent = [claim for claim in claims if len(claim.outcomes) < len(claim.sendings)]
    if not settlements and not unsent:
        return {}
    # An endpoint deleted while this is written: the delete's transaction still shows
    # its deliveries when the attempts are logged, and has removed them when the log's
    # foreign keys are checked, so the whole record is refused and nothing of it is
    # written. Tried again, it sees those deliveries gone and leaves their attempts out.
    # Inside a caller's transaction, which the refusal has broken, it cannot be.
    held = tried_again_on_overlap(
        lambda: _write(settlements, unsent), tries=1 if connection.in_atomic_block else OVERLAP_TRIES
    )
    for settlement in settlements:
        if settlement.claim.token in held and settlement.counted:
            assert settlement.claim.endpoint is not None
            _note_endpoint_health(settlement.claim.endpoint, settlement.counted, now)
    return {attempt_id: row for settlement in settlements for attempt_id, row in settlement.attempts.items()}


def _write(settlements: list[_Settlement], unsent: list[Claim]) -> set[uuid.UUID]:
    """What ``record`` writes, as one statement or one transaction; nothing of it when
    refused. Returns the tokens of the claims that still held a delivery."""
    single_statement = connection.vendor == "postgresql" and not unsent
    with contextlib.nullcontext() if single_statement else transaction.atomic():
        # Only the current claim holder decides; a worker that outlived its lease
        # has been replaced and keeps just its attempt rows.
        held = _settle(settlements) if settlements else set()
        for claim in unsent:
            _put_back_unsent(claim)
    return held


def _settlement(claim: Claim, now: datetime) -> _Settlement:
    settlement = _Settlement(claim, {}, {}, [])
    for sending, outcome in zip(claim.sendings, claim.outcomes, strict=False):
        code = outcome.status_code
        succeeded = accepted(outcome)
        error = outcome.error or describe_status(code, outcome.headers) or ""
        settlement.attempts[sending.attempt_id] = {
            "delivery_id": sending.delivery_id,
            "number": sending.number,
            "started_at": sending.started_at,
            "request_headers": sending.headers,
            "finished_at": now,
            "duration_ms": outcome.duration_ms,
            "succeeded": succeeded,
            "status_code": code,
            # PostgreSQL stores no NUL character in text or JSON; a receiver may send one.
            "response_headers": _without_nul(outcome.headers),
            "response_body": outcome.body_excerpt[: safe_http.EXCERPT_CHARS].replace("\x00", "\ufffd"),
            "error": error,
        }
        if succeeded:
            change: dict[str, object] = {"status": Delivery.Status.SUCCEEDED, "delivered_at": now}
            change["next_attempt_at"] = None
        else:
            delay = (
                None if sending.is_test or code == 410 else retry_delay(sending.number - sending.round_start, outcome)
            )
            if delay is None:
                change = {"status": Delivery.Status.FAILED, "next_attempt_at": None}
            else:
                change = {"status": _PENDING, "next_attempt_at": now + delay}
        change.update(last_status_code=code, last_error=error)
        settlement.changes[sending.delivery_id] = change
        if not sending.is_test:
            settlement.counted.append((succeeded, code))
    return settlement


def _put_back_unsent(claim: Claim) -> None:
    """Never posted: no attempt is logged, the attempt count goes back, and the deliveries
    wait for the next batch."""
    unsent = claim.sendings[len(claim.outcomes) :]
    Delivery.objects.filter(id__in=[s.delivery_id for s in unsent], claim_token=claim.token).update(
        status=_PENDING, attempt_count=F("attempt_count") - 1, sending_until=None, claim_token=None
    )


def _settle(settlements: list[_Settlement]) -> set[uuid.UUID]:
    """Log the attempts and settle the deliveries their claims still hold; returns the
    tokens of the claims that held at least one."""
    if connection.vendor == "postgresql":
        return _settle_postgresql(settlements)
    return _settle_with_orm(settlements)


def _settle_with_orm(settlements: list[_Settlement]) -> set[uuid.UUID]:
    """What ``_settle_postgresql`` does in one statement, a statement per claim."""
    rows = [(attempt_id, row) for s in settlements for attempt_id, row in s.attempts.items()]
    existing = set(Delivery.objects.filter(id__in=[row["delivery_id"] for _, row in rows]).values_list("id", flat=True))
    Attempt.objects.bulk_create(
        [Attempt(id=attempt_id, **row) for attempt_id, row in rows if row["delivery_id"] in existing],
        update_conflicts=True,
        unique_fields=["delivery", "number"],
        update_fields=_ATTEMPT_OUTCOME_FIELDS,
    )
    field = Delivery._meta.get_field
    held = set()
    for settlement in settlements:
        changes = settlement.changes
        updated = Delivery.objects.filter(id__in=list(changes), claim_token=settlement.claim.token).update(
            status=_case(changes, "status", field("status")),
            next_attempt_at=_case(changes, "next_attempt_at", field("next_attempt_at")),
            delivered_at=_case(changes, "delivered_at", field("delivered_at"), keep=True),
            last_status_code=_case(changes, "last_status_code", field("last_status_code")),
            last_error=_case(changes, "last_error", field("last_error")),
            sending_until=None,
            claim_token=None,
        )
        if updated:
            held.add(settlement.claim.token)
    return held


def _settle_postgresql(settlements: list[_Settlement]) -> set[uuid.UUID]:
    """The same as one statement (so one round trip, committed on its own): both tables
    written from JSON documents of rows, so the statement's text is the same whatever
    their number, and PostgreSQL prepares it once."""
    attempts = [
        {"id": attempt_id, **row} for settlement in settlements for attempt_id, row in settlement.attempts.items()
    ]
    deliveries = [
        {"id": delivery_id, "token": settlement.claim.token, **change}
        for settlement in settlements
        for delivery_id, change in settlement.changes.items()
    ]
    quote = connection.ops.quote_name
    # Only table names are interpolated (from the models); the rows are parameters. The
    # deliveries are found through the primary key (= ANY of an array the planner cannot
    # count): joined with the rows alone, it read the whole table instead, at a few
    # thousand deliveries. An attempt whose delivery is gone (its endpoint was deleted
    # while it was being sent) is not logged: there is no delivery left to log it on.
    sql = f"""
        WITH logged AS (
            INSERT INTO {quote(Attempt._meta.db_table)} (id, delivery_id, number, started_at, request_headers,
                finished_at, duration_ms, succeeded, status_code, response_headers, response_body, error)
            SELECT v.* FROM json_to_recordset(%s::json) AS v(id uuid, delivery_id uuid, number integer,
                started_at timestamptz, request_headers jsonb, finished_at timestamptz, duration_ms integer,
                succeeded boolean, status_code integer, response_headers jsonb, response_body text, error text)
            WHERE EXISTS (SELECT 1 FROM {quote(Delivery._meta.db_table)} d WHERE d.id = v.delivery_id)
            ON CONFLICT (delivery_id, number) DO UPDATE SET
                started_at = excluded.started_at, request_headers = excluded.request_headers,
                finished_at = excluded.finished_at, duration_ms = excluded.duration_ms,
                succeeded = excluded.succeeded, status_code = excluded.status_code,
                response_headers = excluded.response_headers, response_body = excluded.response_body,
                error = excluded.error
        ), w AS MATERIALIZED (
            SELECT * FROM json_to_recordset(%s::json) AS w(id uuid, token uuid, status text,
                next_attempt_at timestamptz, delivered_at timestamptz, last_status_code integer, last_error text)
        )
        UPDATE {quote(Delivery._meta.db_table)} d SET
            status = w.status, next_attempt_at = w.next_attempt_at,
            delivered_at = COALESCE(w.delivered_at, d.delivered_at),
            last_status_code = w.last_status_code, last_error = w.last_error,
            sending_until = NULL, claim_token = NULL
        FROM w
        WHERE d.id = ANY(ARRAY(SELECT id FROM w)) AND d.id = w.id AND d.claim_token = w.token
        RETURNING w.token
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [orjson.dumps(attempts).decode(), orjson.dumps(deliveries).decode()])
        return {row[0] for row in cursor.fetchall()}


def _case(
    changes: dict[uuid.UUID, dict[str, object]], name: str, output_field: object, *, keep: bool = False
) -> object:
    """One column's new value per delivery, as a single CASE (one UPDATE for the batch)."""
    values = {delivery_id: change[name] for delivery_id, change in changes.items() if name in change}
    distinct = set(values.values())
    if not keep and len(distinct) == 1 and len(values) == len(changes):
        return Value(distinct.pop(), output_field=output_field)
    whens = [When(id=key, then=Value(value, output_field=output_field)) for key, value in values.items()]
    default = F(name) if keep else None
    if not whens:
        return default
    return Case(*whens, default=default, output_field=output_field)


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


def retry_delay(attempts_in_round: int, outcome: safe_http.HttpOutcome) -> timedelta | None:
    """When to try again after the round's ``attempts_in_round``-th attempt failed, or
    None when the schedule is used up.

    The schedule counts from the start of the delivery's current round (a resend
    starts a new one); jitter spreads retries of a burst so they do not arrive together.
    """
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    if attempts_in_round > len(schedule):
        return None
    delay = schedule[attempts_in_round - 1] * random.uniform(0.9, 1.1)
    if outcome.status_code in RETRY_AFTER_STATUSES:
        asked = parse_retry_after(header(outcome.headers, "Retry-After"))
        if asked is not None:
            delay = max(delay, min(asked, MAX_RETRY_AFTER))
    return delay


def _note_endpoint_health(endpoint: WebhookEndpoint, outcomes: list[tuple[bool, int | None]], now: datetime) -> None:
    """One write per batch at most: a success ends the run of failures, failures after
    the last success extend it; 410 or five days of failures disable the endpoint."""
    if any(code == 410 for _, code in outcomes):
        disable_endpoint(endpoint, reason=f"The receiver answered 410 Gone on {now:%Y-%m-%d %H:%M} UTC.")
        return
    last_success = max((i for i, (succeeded, _) in enumerate(outcomes) if succeeded), default=None)
    trailing = len(outcomes) - 1 - last_success if last_success is not None else len(outcomes)
    if last_success is not None:
        stale = endpoint.last_success_at is None or endpoint.last_success_at < now - SUCCESS_STAMP_INTERVAL
        if trailing or endpoint.consecutive_failures or endpoint.first_failure_at or stale:
            WebhookEndpoint.objects.filter(id=endpoint.id).update(
                consecutive_failures=trailing, first_failure_at=now if trailing else None, last_success_at=now
            )
        return
    WebhookEndpoint.objects.filter(id=endpoint.id).update(
        consecutive_failures=F("consecutive_failures") + trailing,
        first_failure_at=Coalesce(F("first_failure_at"), Value(now, output_field=DateTimeField())),
    )
    failing_since = endpoint.first_failure_at
    if endpoint.is_active and failing_since is not None and now - failing_since >= settings.WEBHOOK_DISABLE_AFTER:
        days = settings.WEBHOOK_DISABLE_AFTER.total_seconds() / 86400
        disable_endpoint(
            endpoint,
            reason=f"Every delivery failed for {days:g} days (since {failing_since:%Y-%m-%d %H:%M} UTC).",
        )


def _without_nul(headers: dict[str, str]) -> dict[str, str]:
    if not any("\x00" in key or "\x00" in value for key, value in headers.items()):
        return headers
    return {key.replace("\x00", "\ufffd"): value.replace("\x00", "\ufffd") for key, value in headers.items()}
