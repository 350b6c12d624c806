"""Sending deliveries: claim batches, sign and POST each delivery, log the attempts,
decide what comes next.

The database decides who sends what. A worker claims a batch of due deliveries from each
endpoint it was given, in one conditional UPDATE (a lease with a token per endpoint's
batch), and opens their attempt rows in the same transaction; it then POSTs them one
after another over the process's keep-alive connections, and records every outcome in
one more statement, only for the deliveries it still holds. Claiming for all the
endpoints at once keeps the database work per round the same whether an endpoint has
fifty deliveries due or one. A killed worker leaves open attempts and leases that run
out; the sweeper then marks those attempts interrupted and makes the deliveries due again.

At most WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT batches of one endpoint are in flight at
once: claims of an endpoint are serialised (a row lock on PostgreSQL; SQLite's IMMEDIATE
transactions run one at a time anyway) and the claim's UPDATE takes nothing while that
many are in flight. Whoever holds a batch looks for more due work once it has recorded
it, so a worker that found the endpoint busy can leave the work to it.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import random
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, DateTimeField, Exists, F, OuterRef, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from webhooks import safe_http
from webhooks.models import Attempt, Delivery, Event, WebhookEndpoint
from webhooks.models.event import TEST_EVENT_NAME
from webhooks.services import nudges
from webhooks.services.endpoints import disable_endpoint
from webhooks.services.payload import build_body
from webhooks.signing import build_headers

logger = logging.getLogger(__name__)

# A receiver asking for a longer pause than this is treated as asking for this.
MAX_RETRY_AFTER = timedelta(days=1)
RETRY_AFTER_STATUSES = (429, 503)
# last_success_at is a display value: refreshing it on every batch would make each
# batch to a healthy endpoint pay an extra write.
SUCCESS_STAMP_INTERVAL = timedelta(seconds=60)
# Deliveries claimed at once, shared among the endpoints of one claim. Big enough that
# the claim and the record are a small part of the work; small enough that they are
# sent well within their lease. It also caps the endpoints a claim covers.
BATCH_SIZE = 50
# After this many failures in a row an endpoint is left to the retry schedule and the
# sweeper's pace instead of being sent the rest of its backlog at once.
MAX_FAILURES_IN_A_ROW = 3
# Time kept free at the end of a lease for recording the outcomes.
LEASE_MARGIN_SECONDS = 1.0
# A receiver taking longer than this to answer is claimed on its own for a while (in this
# worker process), so deliveries to other endpoints are never claimed only to wait for it.
SLOW_ANSWER_SECONDS = 0.5
SLOW_FOR_SECONDS = 60.0
_slow_until: dict[uuid.UUID, float] = {}  # endpoint id -> monotonic time

_ATTEMPT_OUTCOME_FIELDS = [
    "finished_at",
    "duration_ms",
    "succeeded",
    "status_code",
    "response_headers",
    "response_body",
    "error",
]
_PENDING = Delivery.Status.PENDING
_DELIVERING = Delivery.Status.DELIVERING


@dataclass
class _Claim:
    endpoint: WebhookEndpoint | None
    token: uuid.UUID
    lease_ends: float  # monotonic
    deliveries: list[Delivery] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    busy: bool = False
    # Filled in by _post: one per delivery sent, in order.
    outcomes: list[safe_http.HttpOutcome] = field(default_factory=list)


@dataclass
class BatchResult:
    attempts: list[Attempt] = field(default_factory=list)
    claimed: int = 0
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
    while waiting and time.monotonic() < deadline:
        # One cheap look for all of them before any claim's transaction.
        due = _endpoints_with_due(waiting)
        waiting = [endpoint_id for endpoint_id in waiting if endpoint_id in due]
        for group in _claim_groups(waiting):
            results = send_batches(group, failures)
            for endpoint_id, result in results.items():
                attempted += len(result.attempts)
                failures[endpoint_id] = result.failures_in_a_row
                if result.stop or not result.claimed:
                    waiting.remove(endpoint_id)
                    if result.stop == "failing":
                        failing.append(endpoint_id)
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
    sending: list[_Claim] = []
    for endpoint_id, claim in zip(endpoint_ids, _claim_endpoints(endpoint_ids), strict=True):
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
    _record(sending)
    return results


def _claim_groups(endpoint_ids: list[uuid.UUID]) -> list[list[uuid.UUID]]:
    """The endpoints as claims go: the quick ones together (up to BATCH_SIZE to a claim),
    then each one that answered slowly of late on its own, so that waiting for it never
    holds up deliveries to the others."""
    now = time.monotonic()
    for endpoint_id, until in list(_slow_until.items()):
        if until <= now:
            del _slow_until[endpoint_id]
    quick = [endpoint_id for endpoint_id in endpoint_ids if endpoint_id not in _slow_until]
    slow = [[endpoint_id] for endpoint_id in endpoint_ids if endpoint_id in _slow_until]
    return [quick[start : start + BATCH_SIZE] for start in range(0, len(quick), BATCH_SIZE)] + slow


def send_batch(endpoint_id: uuid.UUID, *, failures_in_a_row: int = 0) -> BatchResult:
    """Claim up to BATCH_SIZE due deliveries of the endpoint, send them, record the outcomes."""
    return send_batches([endpoint_id], {endpoint_id: failures_in_a_row})[endpoint_id]


def attempt_delivery(delivery_id: uuid.UUID | str, *, ignore_endpoint_limit: bool = False) -> Attempt | None:
    """One attempt at one delivery, or None if it is not ours to make right now."""
    now = timezone.now()
    parsed = _as_uuid(delivery_id)
    delivery = Delivery.objects.select_related("event__workspace", "endpoint").filter(id=parsed).first()
    if delivery is None or delivery.status != _PENDING:
        return None
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
        return None
    if not delivery.endpoint.is_active and delivery.event.name != TEST_EVENT_NAME:
        _fail_for_disabled_endpoint(delivery.endpoint, delivery_id=delivery.id)
        return None
    claim = _claim(delivery.endpoint_id, delivery=delivery, enforce_limit=not ignore_endpoint_limit)
    if claim.busy:
        # Leave it to the worker already sending to this endpoint (it goes on with the
        # backlog) or to the sweeper, rather than waiting on a slow receiver here.
        Delivery.objects.filter(id=delivery.id, status=_PENDING).update(claimed_until=None)
        return None
    if not claim.deliveries:
        return None
    result = _post(claim, failures_in_a_row=0, first_is_free=True)
    _record([claim])
    if delivery.endpoint_id in _endpoints_with_due([delivery.endpoint_id]):
        # A worker may have skipped the endpoint while this attempt was in flight.
        from webhooks.services.queueing import queue_endpoints

        transaction.on_commit(lambda: queue_endpoints([delivery.endpoint_id]))
    return result.attempts[0] if result.attempts else None


def _claim_endpoints(endpoint_ids: list[uuid.UUID]) -> list[_Claim]:
    """A claim per endpoint, in the order given (its endpoint None when there is no such
    endpoint; nothing claimed when it is disabled). On PostgreSQL one transaction takes
    every endpoint's batch; SQLite claims one endpoint at a time, as it writes anyway."""
    if connection.vendor != "postgresql":
        return [_claim(endpoint_id, enforce_limit=True) for endpoint_id in endpoint_ids]
    now = timezone.now()
    lease = settings.WEBHOOK_LEASE_SECONDS
    lease_ends = time.monotonic() + lease
    with transaction.atomic():
        # Serialises claims of each endpoint, so two workers cannot both see a free slot
        # (the claim counts the batches in flight in a statement that starts after this
        # one holds the locks); taken in id order, so two claims never deadlock.
        # NO KEY: a plain FOR UPDATE would also block writers inserting deliveries (their
        # foreign key check takes a KEY SHARE lock).
        locked = (
            WebhookEndpoint.objects.filter(id__in=endpoint_ids)
            .select_related("workspace")
            .select_for_update(no_key=True, of=("self",))
            .order_by("id")
        )
        endpoints = {endpoint.id: endpoint for endpoint in locked}
        claims = [
            _Claim(endpoint=endpoints.get(endpoint_id), token=uuid.uuid4(), lease_ends=lease_ends)
            for endpoint_id in endpoint_ids
        ]
        active = [claim for claim in claims if claim.endpoint is not None and claim.endpoint.is_active]
        if active:
            limit = max(1, settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT)
            claimed = _claim_batches_postgresql(active, now, lease, limit)
            for claim in active:
                _prepare(claim, claimed.get(claim.token, []), now)
            _open_attempts([attempt for claim in active for attempt in claim.attempts])
    return claims


def _claim(endpoint_id: uuid.UUID, *, delivery: Delivery | None = None, enforce_limit: bool) -> _Claim:
    """Take one endpoint's oldest due deliveries (or just the given one, loaded with its
    event and endpoint) and open their attempts, in one transaction."""
    token = uuid.uuid4()
    now = timezone.now()
    lease = settings.WEBHOOK_LEASE_SECONDS
    limit = max(1, settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT) if enforce_limit else None
    claim = _Claim(endpoint=None, token=token, lease_ends=time.monotonic() + lease)
    with transaction.atomic():
        endpoints = WebhookEndpoint.objects.filter(id=endpoint_id)
        if connection.vendor == "postgresql" and enforce_limit:
            # Serialises claims of the endpoint, as in _claim_endpoints.
            endpoints = endpoints.select_for_update(no_key=True, of=("self",))
        if delivery is None:
            claim.endpoint = endpoints.select_related("workspace").first()
            if claim.endpoint is None or not claim.endpoint.is_active:
                return claim
        else:
            if connection.vendor == "postgresql" and enforce_limit:
                list(endpoints.values_list("id", flat=True))
            claim.endpoint = delivery.endpoint
        claimed = _claim_rows(
            endpoint_id, delivery and delivery.id, token, now, lease, limit, _batch_size(claim.endpoint)
        )
        if delivery is not None:
            deliveries = [delivery] if claimed else []
        else:
            deliveries = list(
                Delivery.objects.select_related("event")
                .filter(id__in=list(claimed))
                .order_by("next_attempt_at", "created_at")
            )
        for claimed_delivery in deliveries:
            claimed_delivery.status, claimed_delivery.claim_token = _DELIVERING, token
            claimed_delivery.attempt_count = claimed[claimed_delivery.id]
        if not deliveries:
            # Nothing due, or enough batches in flight; only a single delivery needs to know which.
            claim.busy = delivery is not None and limit is not None and _batches_in_flight(endpoint_id, now) >= limit
            return claim
        _prepare(claim, deliveries, now)
        _open_attempts(claim.attempts)
    return claim


def _batch_size(endpoint: WebhookEndpoint, share: int | None = None) -> int:
    share = BATCH_SIZE if share is None else share
    # A failing receiver gets a few at a time: most of a full batch would only go back unsent.
    return min(share, MAX_FAILURES_IN_A_ROW) if endpoint.consecutive_failures else share


def _prepare(claim: _Claim, deliveries: list[Delivery], now: datetime) -> None:
    """Bodies, signed headers and unsaved attempts for the claimed deliveries. Made inside
    the claim's transaction, from the rows claimed, so the attempt log holds the exact
    headers sent."""
    endpoint = claim.endpoint
    assert endpoint is not None
    if not deliveries:
        return
    secrets = endpoint.signing_secrets(now)
    for delivery in deliveries:
        delivery.endpoint = endpoint
        if not _EVENT_WORKSPACE.is_cached(delivery.event):
            # The event belongs to the endpoint's workspace, already loaded with it.
            delivery.event.workspace = endpoint.workspace
        body = build_body(delivery.event, endpoint)
        headers = build_headers(msg_id=delivery.webhook_id, body=body, secrets=secrets)
        claim.deliveries.append(delivery)
        claim.bodies.append(body)
        claim.attempts.append(
            Attempt(delivery=delivery, number=delivery.attempt_count, started_at=now, request_headers=headers)
        )


def _batches_in_flight(endpoint_id: uuid.UUID, now: datetime) -> int:
    return (
        Delivery.objects.filter(endpoint_id=endpoint_id, status=_DELIVERING, claimed_until__gt=now)
        .values("claim_token")
        .distinct()
        .count()
    )


def _endpoints_with_due(endpoint_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    due = Delivery.objects.filter(endpoint_id=OuterRef("pk"), status=_PENDING, next_attempt_at__lte=timezone.now())
    return set(WebhookEndpoint.objects.filter(Exists(due), id__in=endpoint_ids).values_list("id", flat=True))


def _open_attempts(attempts: list[Attempt]) -> None:
    """Insert the attempts of a claim, still without an outcome."""
    if not attempts:
        return
    if connection.vendor != "postgresql":
        Attempt.objects.bulk_create(attempts)
        return
    # Plain SQL: the ORM's bulk insert costs more than the round trip itself here.
    rows = _values(
        "(%s, %s, %s, %s, NULL, NULL, false, NULL, %s::jsonb, '{}'::jsonb, '', '')",
        [(a.id, a.delivery_id, a.number, a.started_at, orjson.dumps(a.request_headers).decode()) for a in attempts],
    )
    table = connection.ops.quote_name(Attempt._meta.db_table)
    # Only the table name is interpolated (from the model); every value is a parameter.
    sql = (
        f"INSERT INTO {table} (id, delivery_id, number, started_at, finished_at, duration_ms, succeeded,"  # noqa: S608
        f" status_code, request_headers, response_headers, response_body, error) VALUES {rows.sql}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, rows.params)


def _claim_rows(
    endpoint_id: uuid.UUID,
    delivery_id: uuid.UUID | None,
    token: uuid.UUID,
    now: datetime,
    lease: float,
    limit: int | None,
    size: int = BATCH_SIZE,
) -> dict[uuid.UUID, int]:
    """One conditional UPDATE; returns {delivery id: its attempt number} for the rows taken."""
    sql, params = _claim_sql(endpoint_id, delivery_id, token, now, lease, limit, size)
    with connection.cursor() as cursor:
        cursor.execute(sql + " RETURNING id, attempt_count", params)
        rows = cursor.fetchall()
    return {_as_uuid(row[0]): row[1] for row in rows}


_EVENT_FIELDS = list(Event._meta.concrete_fields)
_EVENT_WORKSPACE = Event._meta.get_field("workspace")


def _claim_batches_postgresql(
    claims: list[_Claim], now: datetime, lease: float, limit: int
) -> dict[uuid.UUID, list[Delivery]]:
    """Every endpoint's batch in one UPDATE, returned with their events, oldest first, by
    claim token. The endpoints share BATCH_SIZE; each batch gets its claim's token."""
    share = max(1, BATCH_SIZE // len(claims))
    endpoint_ids = [claim.endpoint.id for claim in claims if claim.endpoint is not None]
    sizes = [_batch_size(claim.endpoint, share) for claim in claims if claim.endpoint is not None]
    tokens = [claim.token for claim in claims]
    table = connection.ops.quote_name(Delivery._meta.db_table)
    event_table = connection.ops.quote_name(Event._meta.db_table)
    columns = ", ".join(f"e.{connection.ops.quote_name(f.column)}" for f in _EVENT_FIELDS)
    # ARRAY(...) runs the pick exactly once (as "id IN (pick)" a prepared statement's
    # generic plan may run it again for each row it updates, and since every run skips
    # the rows already taken, one claim would take thousands). Each endpoint's pick takes
    # nothing while it has `limit` batches in flight (a delivery marked delivering
    # without a token counts as a batch of its own). Only table and column names are
    # interpolated (from the models); every value is a parameter.
    sql = f"""
        WITH c AS (
            UPDATE {table} SET status = %s, claimed_until = %s, attempt_count = attempt_count + 1,
                claim_token = (%s::uuid[])[array_position(%s::uuid[], endpoint_id)]
            WHERE id = ANY(ARRAY(
                SELECT p.id FROM unnest(%s::uuid[], %s::integer[]) AS w(endpoint_id, size)
                CROSS JOIN LATERAL (
                    SELECT d.id FROM {table} d
                    WHERE d.endpoint_id = w.endpoint_id AND d.status = %s AND d.next_attempt_at <= %s
                    ORDER BY d.next_attempt_at, d.created_at LIMIT w.size FOR UPDATE SKIP LOCKED
                ) p
                WHERE (SELECT COUNT(DISTINCT COALESCE(f.claim_token, f.id)) FROM {table} f
                       WHERE f.endpoint_id = w.endpoint_id AND f.status = %s AND f.claimed_until > %s) < %s
            )) AND status = %s
            RETURNING id, claim_token, event_id, attempt_count, round_start, next_attempt_at, created_at
        )
        SELECT c.id, c.claim_token, c.attempt_count, c.round_start, c.next_attempt_at, c.created_at, {columns}
        FROM c JOIN {event_table} e ON e.id = c.event_id ORDER BY c.next_attempt_at, c.created_at
    """  # noqa: S608
    params = [
        _DELIVERING,
        now + timedelta(seconds=lease),
        tokens,
        endpoint_ids,
        endpoint_ids,
        sizes,
        _PENDING,
        now,
        _DELIVERING,
        now,
        limit,
        _PENDING,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    claimed: dict[uuid.UUID, list[Delivery]] = {}
    for delivery_id, token, attempt_count, round_start, next_attempt_at, created_at, *event_values in rows:
        values = [
            field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
            for field, value in zip(_EVENT_FIELDS, event_values, strict=True)
        ]
        event = Event.from_db(connection.alias, [f.attname for f in _EVENT_FIELDS], values)
        delivery = Delivery(
            id=delivery_id,
            event=event,
            status=_DELIVERING,
            attempt_count=attempt_count,
            round_start=round_start,
            next_attempt_at=next_attempt_at,
            claim_token=token,
            created_at=created_at,
        )
        delivery._state.adding, delivery._state.db = False, connection.alias
        claimed.setdefault(token, []).append(delivery)
    return claimed


def _claim_sql(
    endpoint_id: uuid.UUID,
    delivery_id: uuid.UUID | None,
    token: uuid.UUID,
    now: datetime,
    lease: float,
    limit: int | None,
    size: int,
) -> tuple[str, list[object]]:
    """The claim's UPDATE (without RETURNING) and its parameters.

    With a limit, it takes nothing while that many batches of the endpoint are in flight
    (a delivery marked delivering without a token counts as a batch of its own).
    """
    # Only the table name is interpolated (from the model); every value is a parameter.
    table = connection.ops.quote_name(Delivery._meta.db_table)
    postgres = connection.vendor == "postgresql"
    adapt = (lambda value: value) if postgres else (lambda value: value.hex)
    if delivery_id is not None:
        which = "id = %s AND (next_attempt_at IS NULL OR next_attempt_at <= %s)"
        which_params: list[object] = [adapt(delivery_id), now]
    else:
        # Oldest due first; on PostgreSQL rows another transaction is writing are
        # skipped rather than waited for.
        pick = (
            f"SELECT id FROM {table} WHERE endpoint_id = %s AND status = %s AND next_attempt_at <= %s"  # noqa: S608
            " ORDER BY next_attempt_at, created_at LIMIT %s"
        )
        # ARRAY(...) runs the pick exactly once. As "id IN (pick)" a plan may run it again
        # for each row it updates (a prepared statement's generic plan did), and since
        # every run skips the rows already taken, one claim would take thousands.
        which = f"id = ANY(ARRAY({pick} FOR UPDATE SKIP LOCKED))" if postgres else f"id IN ({pick})"
        which_params = [adapt(endpoint_id), _PENDING, now, size]
    if limit is not None:
        which += (
            f" AND (SELECT COUNT(DISTINCT COALESCE(claim_token, id)) FROM {table}"  # noqa: S608
            " WHERE endpoint_id = %s AND status = %s AND claimed_until > %s) < %s"
        )
        which_params += [adapt(endpoint_id), _DELIVERING, now, limit]
    sql = (
        f"UPDATE {table} SET status = %s, claimed_until = %s, claim_token = %s, attempt_count = attempt_count + 1"  # noqa: S608
        f" WHERE {which} AND status = %s"
    )
    params = [_DELIVERING, now + timedelta(seconds=lease), adapt(token), *which_params, _PENDING]
    if not postgres:
        params = [connection.ops.adapt_datetimefield_value(p) if isinstance(p, datetime) else p for p in params]
    return sql, params


def _post(claim: _Claim, *, failures_in_a_row: int, first_is_free: bool, others_waiting: bool = False) -> BatchResult:
    """POST the claimed deliveries in order into ``claim.outcomes``, stopping early for a
    410, a run of failures, a lease too short for one more timeout, or (when other
    endpoints' batches wait behind this one) a slow answer."""
    endpoint = claim.endpoint
    assert endpoint is not None
    timeout = float(settings.WEBHOOK_TIMEOUT_SECONDS)
    result = BatchResult(claimed=len(claim.deliveries), failures_in_a_row=failures_in_a_row)
    for index, (delivery, body, attempt) in enumerate(zip(claim.deliveries, claim.bodies, claim.attempts, strict=True)):
        if (index or not first_is_free) and time.monotonic() + timeout + LEASE_MARGIN_SECONDS > claim.lease_ends:
            break  # the rest go back unsent rather than outlive the lease
        outcome = safe_http.post_json(endpoint.target_url, body, attempt.request_headers)
        claim.outcomes.append(outcome)
        if _succeeded(outcome):
            result.failures_in_a_row = 0
        elif delivery.event.name != TEST_EVENT_NAME:
            result.failures_in_a_row += 1
            if outcome.status_code == 410:
                result.stop = "gone"
                break
            if result.failures_in_a_row >= MAX_FAILURES_IN_A_ROW:
                result.stop = "failing"
                break
        if outcome.duration_ms > SLOW_ANSWER_SECONDS * 1000:
            _slow_until[endpoint.id] = time.monotonic() + SLOW_FOR_SECONDS
            if others_waiting:
                break  # the rest go back, to be claimed on their own
    result.attempts = claim.attempts[: len(claim.outcomes)]
    return result


def _succeeded(outcome: safe_http.HttpOutcome) -> bool:
    return outcome.status_code is not None and 200 <= outcome.status_code < 300


@dataclass
class _Settlement:
    """What one claim's outcomes change: its attempts closed, its deliveries' new state."""

    claim: _Claim
    attempts: list[Attempt]
    changes: dict[uuid.UUID, dict[str, object]]
    # (succeeded, status) of the real (non-test) attempts, in order, for the endpoint's health.
    counted: list[tuple[bool, int | None]]


def _record(claims: list[_Claim]) -> None:
    """Close the attempts, settle the deliveries each claim still holds, and put back the
    ones never sent; on PostgreSQL one statement when everything claimed was sent."""
    now = timezone.now()
    settlements = [_settlement(claim, now) for claim in claims if claim.outcomes]
    unsent = [claim for claim in claims if len(claim.outcomes) < len(claim.deliveries)]
    if not settlements and not unsent:
        return
    single_statement = connection.vendor == "postgresql" and not unsent
    with contextlib.nullcontext() if single_statement else transaction.atomic():
        # Only the current claim holder decides; a worker that outlived its lease
        # has been replaced and keeps just its attempt rows.
        held = _settle(settlements) if settlements else set()
        for claim in unsent:
            _put_back_unsent(claim)
    for settlement in settlements:
        claim = settlement.claim
        if claim.token not in held:
            continue
        for delivery in claim.deliveries[: len(claim.outcomes)]:
            for name, value in settlement.changes[delivery.id].items():
                setattr(delivery, name, value)
            delivery.claimed_until = delivery.claim_token = None
        if settlement.counted:
            assert claim.endpoint is not None
            _note_endpoint_health(claim.endpoint, settlement.counted, now)


def _settlement(claim: _Claim, now: datetime) -> _Settlement:
    settlement = _Settlement(claim, claim.attempts[: len(claim.outcomes)], {}, [])
    for delivery, attempt, outcome in zip(claim.deliveries, claim.attempts, claim.outcomes, strict=False):
        code = outcome.status_code
        succeeded = _succeeded(outcome)
        is_test = delivery.event.name == TEST_EVENT_NAME
        attempt.finished_at = now
        attempt.duration_ms = outcome.duration_ms
        attempt.succeeded = succeeded
        attempt.status_code = code
        # PostgreSQL stores no NUL character in text or JSON; a receiver may send one.
        attempt.response_headers = _without_nul(outcome.headers)
        attempt.response_body = outcome.body_excerpt[: safe_http.EXCERPT_CHARS].replace("\x00", "\ufffd")
        attempt.error = outcome.error or describe_status(code, outcome.headers) or ""
        if succeeded:
            change: dict[str, object] = {"status": Delivery.Status.SUCCEEDED, "delivered_at": now}
            change["next_attempt_at"] = None
        else:
            delay = None if is_test or code == 410 else retry_delay(delivery, outcome)
            if delay is None:
                change = {"status": Delivery.Status.FAILED, "next_attempt_at": None}
            else:
                change = {"status": _PENDING, "next_attempt_at": now + delay}
        change.update(last_status_code=code, last_error=attempt.error)
        settlement.changes[delivery.id] = change
        if not is_test:
            settlement.counted.append((succeeded, code))
    return settlement


def _put_back_unsent(claim: _Claim) -> None:
    """Never posted: the attempts are withdrawn and the deliveries wait for the next batch."""
    unsent = claim.deliveries[len(claim.outcomes) :]
    Delivery.objects.filter(id__in=[d.id for d in unsent], claim_token=claim.token).update(
        status=_PENDING, attempt_count=F("attempt_count") - 1, claimed_until=None, claim_token=None
    )
    # An attempt the sweeper already closed (lease lost) stays in the log.
    withdrawn = [a.id for a in claim.attempts[len(claim.outcomes) :]]
    Attempt.objects.filter(id__in=withdrawn, finished_at__isnull=True).delete()


def _settle(settlements: list[_Settlement]) -> set[uuid.UUID]:
    """Close the attempts and settle the deliveries their claims still hold; returns the
    tokens of the claims that held at least one."""
    if connection.vendor == "postgresql":
        return _settle_postgresql(settlements)
    Attempt.objects.bulk_update([a for s in settlements for a in s.attempts], _ATTEMPT_OUTCOME_FIELDS)
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
            claimed_until=None,
            claim_token=None,
        )
        if updated:
            held.add(settlement.claim.token)
    return held


def _settle_postgresql(settlements: list[_Settlement]) -> set[uuid.UUID]:
    """The same as one statement (so one round trip, committed on its own): both tables
    updated from VALUES lists."""
    attempts = [attempt for settlement in settlements for attempt in settlement.attempts]
    attempt_rows = _values(
        "(%s::uuid, %s::timestamptz, %s::integer, %s::boolean, %s::integer, %s::jsonb, %s::text, %s::text)",
        [
            (
                attempt.id,
                attempt.finished_at,
                attempt.duration_ms,
                attempt.succeeded,
                attempt.status_code,
                orjson.dumps(attempt.response_headers).decode(),
                attempt.response_body,
                attempt.error,
            )
            for attempt in attempts
        ],
    )
    delivery_rows = _values(
        "(%s::uuid, %s::uuid, %s::text, %s::timestamptz, %s::timestamptz, %s::integer, %s::text)",
        [
            (
                delivery_id,
                settlement.claim.token,
                change["status"],
                change["next_attempt_at"],
                change.get("delivered_at"),
                change["last_status_code"],
                change["last_error"],
            )
            for settlement in settlements
            for delivery_id, change in settlement.changes.items()
        ],
    )
    quote = connection.ops.quote_name
    # Only table names are interpolated (from the models); every value is a parameter.
    sql = f"""
        WITH closed AS (
            UPDATE {quote(Attempt._meta.db_table)} t SET
                finished_at = v.finished_at, duration_ms = v.duration_ms, succeeded = v.succeeded,
                status_code = v.status_code, response_headers = v.response_headers,
                response_body = v.response_body, error = v.error
            FROM (VALUES {attempt_rows.sql})
                AS v(id, finished_at, duration_ms, succeeded, status_code, response_headers, response_body, error)
            WHERE t.id = v.id
        )
        UPDATE {quote(Delivery._meta.db_table)} d SET
            status = w.status, next_attempt_at = w.next_attempt_at,
            delivered_at = COALESCE(w.delivered_at, d.delivered_at),
            last_status_code = w.last_status_code, last_error = w.last_error,
            claimed_until = NULL, claim_token = NULL
        FROM (VALUES {delivery_rows.sql})
            AS w(id, token, status, next_attempt_at, delivered_at, last_status_code, last_error)
        WHERE d.id = w.id AND d.claim_token = w.token
        RETURNING w.token
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, attempt_rows.params + delivery_rows.params)
        return {row[0] for row in cursor.fetchall()}


@dataclass
class _Values:
    sql: str
    params: list[object]


def _values(row: str, rows: list[tuple[object, ...]]) -> _Values:
    """A VALUES list of the given row template, one per row, and its parameters in order."""
    return _Values(", ".join([row] * len(rows)), [value for values in rows for value in values])


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


def _fail_for_disabled_endpoint(endpoint: WebhookEndpoint, *, delivery_id: uuid.UUID | None) -> None:
    """Deliveries written just before the endpoint was disabled: failed, resendable later."""
    waiting = Delivery.objects.filter(endpoint_id=endpoint.id, status=_PENDING).exclude(event__name=TEST_EVENT_NAME)
    if delivery_id is not None:
        waiting = Delivery.objects.filter(id=delivery_id, status=_PENDING)
    waiting.update(
        status=Delivery.Status.FAILED,
        next_attempt_at=None,
        claimed_until=None,
        last_error=f"Not sent: the endpoint was disabled. {endpoint.disabled_reason}".strip(),
    )


def _without_nul(headers: dict[str, str]) -> dict[str, str]:
    if not any("\x00" in key or "\x00" in value for key, value in headers.items()):
        return headers
    return {key.replace("\x00", "\ufffd"): value.replace("\x00", "\ufffd") for key, value in headers.items()}


def _as_uuid(value: object) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
