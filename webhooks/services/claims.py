"""Claiming due deliveries: who sends what is decided by the database.

A claim takes a batch of an endpoint's oldest due deliveries in one conditional UPDATE
(pending to delivering: the worker lease ``sending_until`` with a ``claim_token``, and
the queue lease dropped, as it waits for no message any more); their bodies are built
and signed once it has committed, and their attempts are written with the answers (see
docs/webhook-delivery.md for the whole cycle). On PostgreSQL one transaction claims for
every endpoint a worker was given, so the database work per round is the same whether
an endpoint has fifty deliveries due or one.

At most WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT batches of one endpoint are in flight at
once: claims of an endpoint are serialised (a row lock on PostgreSQL; SQLite's IMMEDIATE
transactions run one at a time anyway) and the claim's UPDATE takes nothing while that
many are in flight. Whoever holds a batch looks for more due work once it has recorded
it, so a worker that found the endpoint busy can leave the work to it.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from webhooks import safe_http
from webhooks.models import Delivery, Event, WebhookEndpoint
from webhooks.models.event import TEST_EVENT_NAME
from webhooks.services import slow_receivers
from webhooks.services.payload import EventFacts, build_body
from webhooks.signing import Signer

# Deliveries claimed at once, shared among the endpoints of one claim. Big enough that
# the claim and the record are a small part of the work (with five endpoints, a hundred
# each); an endpoint's share is cut to what its receiver answers in a couple of seconds
# (slow_receivers.batch_size), so only a quick receiver gets a big batch, and a round
# never keeps other endpoints' deliveries waiting long. It also caps the endpoints a
# claim covers.
BATCH_SIZE = 500
# After this many failures in a row an endpoint is left to the retry schedule and the
# sweeper's pace instead of being sent the rest of its backlog at once.
MAX_FAILURES_IN_A_ROW = 3

_PENDING = Delivery.Status.PENDING
_DELIVERING = Delivery.Status.DELIVERING


@dataclass(slots=True)
class Sending:
    """One claimed delivery, as its worker posts it and records the answer: plain values
    rather than ORM objects, since a batch makes hundreds."""

    delivery_id: uuid.UUID
    attempt_id: uuid.UUID
    number: int  # the attempt's: the delivery's attempt_count once claimed
    round_start: int
    is_test: bool
    body: bytes
    headers: dict[str, str]  # signed, and logged with the attempt
    started_at: datetime  # the claim's time, the attempt's start in the log


@dataclass
class Claim:
    endpoint: WebhookEndpoint | None
    token: uuid.UUID
    lease_ends: float  # monotonic
    size: int = 0  # how many it asked for: taking that many, it may have left more due
    sendings: list[Sending] = field(default_factory=list)
    busy: bool = False
    # Filled in as they are sent (delivering._post): one per sending, in order.
    outcomes: list[safe_http.HttpOutcome] = field(default_factory=list)


# A claimed delivery as read from the database: its id, attempt number, round start and event.
_Row = tuple[uuid.UUID, int, int, EventFacts]


def claim_endpoints(endpoint_ids: list[uuid.UUID]) -> list[Claim]:
    """A claim per endpoint, in the order given (its endpoint None when there is no such
    endpoint; nothing claimed when it is disabled). On PostgreSQL one transaction takes
    every endpoint's batch; SQLite claims one endpoint at a time, as it writes anyway."""
    if connection.vendor != "postgresql":
        return [claim_one(endpoint_id, enforce_limit=True) for endpoint_id in endpoint_ids]
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
            Claim(endpoint=endpoints.get(endpoint_id), token=uuid.uuid4(), lease_ends=lease_ends)
            for endpoint_id in endpoint_ids
        ]
        active = [claim for claim in claims if claim.endpoint is not None and claim.endpoint.is_active]
        if not active:
            return claims
        limit = max(1, settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT)
        claimed = _claim_batches_postgresql(active, now, lease, limit)
    # After commit: the endpoints' locks are not held while bodies are built and signed.
    for claim in active:
        _prepare(claim, claimed.get(claim.token, []), now)
    return claims


def claim_one(endpoint_id: uuid.UUID, *, delivery: Delivery | None = None, enforce_limit: bool) -> Claim:
    """Take one endpoint's oldest due deliveries (or just the given one, loaded with its
    event and endpoint) in one transaction."""
    token = uuid.uuid4()
    now = timezone.now()
    lease = settings.WEBHOOK_LEASE_SECONDS
    limit = max(1, settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT) if enforce_limit else None
    claim = Claim(endpoint=None, token=token, lease_ends=time.monotonic() + lease)
    with transaction.atomic():
        endpoints = WebhookEndpoint.objects.filter(id=endpoint_id)
        if connection.vendor == "postgresql" and enforce_limit:
            # Serialises claims of the endpoint, as in claim_endpoints.
            endpoints = endpoints.select_for_update(no_key=True, of=("self",))
        if delivery is None:
            claim.endpoint = endpoints.select_related("workspace").first()
            if claim.endpoint is None or not claim.endpoint.is_active:
                return claim
        else:
            if connection.vendor == "postgresql" and enforce_limit:
                list(endpoints.values_list("id", flat=True))
            claim.endpoint = delivery.endpoint
        claim.size = 1 if delivery is not None else _batch_size(claim.endpoint)
        claimed = _claim_rows(endpoint_id, delivery and delivery.id, token, now, lease, limit, claim.size)
        if delivery is not None:
            deliveries = [delivery] if claimed else []
        else:
            deliveries = list(
                Delivery.objects.select_related("event")
                .filter(id__in=list(claimed))
                .order_by("next_attempt_at", "created_at")
            )
        if not deliveries:
            # Nothing due, or enough batches in flight; only a single delivery needs to know which.
            claim.busy = delivery is not None and limit is not None and batches_in_flight(endpoint_id, now) >= limit
            return claim
        rows = [(d.id, claimed[d.id], d.round_start, EventFacts.of(d.event)) for d in deliveries]
    _prepare(claim, rows, now)
    return claim


def _batch_size(endpoint: WebhookEndpoint, share: int | None = None) -> int:
    share = slow_receivers.batch_size(endpoint.id, BATCH_SIZE if share is None else share)
    # A failing receiver gets a few at a time: most of a full batch would only go back unsent.
    return min(share, MAX_FAILURES_IN_A_ROW) if endpoint.consecutive_failures else share


def _prepare(claim: Claim, rows: list[_Row], now: datetime) -> None:
    """Bodies and signed headers of the claimed deliveries, from the rows claimed; the
    attempt log gets the headers as sent."""
    endpoint = claim.endpoint
    assert endpoint is not None
    if not rows:
        return
    signer = Signer(endpoint.signing_secrets(now))
    for delivery_id, number, round_start, event in rows:
        body = build_body(event, endpoint)
        claim.sendings.append(
            Sending(
                delivery_id=delivery_id,
                attempt_id=uuid.uuid4(),
                number=number,
                round_start=round_start,
                is_test=event.name == TEST_EVENT_NAME,
                body=body,
                # The delivery's id is the webhook-id, the same on every retry.
                headers=signer.headers(str(delivery_id), body),
                started_at=now,
            )
        )


def batches_in_flight(endpoint_id: uuid.UUID, now: datetime) -> int:
    return (
        Delivery.objects.filter(endpoint_id=endpoint_id, status=_DELIVERING, sending_until__gt=now)
        .values("claim_token")
        .distinct()
        .count()
    )


def endpoints_with_due(endpoint_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    due = Delivery.objects.filter(endpoint_id=OuterRef("pk"), status=_PENDING, next_attempt_at__lte=timezone.now())
    return set(WebhookEndpoint.objects.filter(Exists(due), id__in=endpoint_ids).values_list("id", flat=True))


_RECORD = Event._meta.get_field("record")
_UPDATED_FIELDS = Event._meta.get_field("updated_fields")


def _claim_batches_postgresql(
    claims: list[Claim], now: datetime, lease: float, limit: int
) -> dict[uuid.UUID, list[_Row]]:
    """Every endpoint's batch in one UPDATE, returned with what their bodies need of their
    events, oldest first, by claim token. The endpoints share BATCH_SIZE; each batch gets
    its claim's token."""
    share = max(1, BATCH_SIZE // len(claims))
    endpoint_ids: list[uuid.UUID] = []
    sizes: list[int] = []
    tokens: list[uuid.UUID] = []
    for claim in claims:
        assert claim.endpoint is not None  # only claims of active endpoints come here
        claim.size = _batch_size(claim.endpoint, share)
        endpoint_ids.append(claim.endpoint.id)
        sizes.append(claim.size)
        tokens.append(claim.token)
    table = connection.ops.quote_name(Delivery._meta.db_table)
    event_table = connection.ops.quote_name(Event._meta.db_table)
    # ARRAY(...) runs the pick exactly once (as "id IN (pick)" a prepared statement's
    # generic plan may run it again for each row it updates, and since every run skips
    # the rows already taken, one claim would take thousands). Each endpoint's pick takes
    # nothing while it has `limit` batches in flight (a delivery marked delivering
    # without a token counts as a batch of its own). Only table names are interpolated
    # (from the models); every value is a parameter.
    sql = f"""
        WITH c AS (
            UPDATE {table} SET status = %s, queued_until = NULL, sending_until = %s,
                attempt_count = attempt_count + 1,
                claim_token = (%s::uuid[])[array_position(%s::uuid[], endpoint_id)]
            WHERE id = ANY(ARRAY(
                SELECT p.id FROM unnest(%s::uuid[], %s::integer[]) AS w(endpoint_id, size)
                CROSS JOIN LATERAL (
                    SELECT d.id FROM {table} d
                    WHERE d.endpoint_id = w.endpoint_id AND d.status = %s AND d.next_attempt_at <= %s
                    ORDER BY d.next_attempt_at, d.created_at LIMIT w.size FOR UPDATE SKIP LOCKED
                ) p
                WHERE (SELECT COUNT(DISTINCT COALESCE(f.claim_token, f.id)) FROM {table} f
                       WHERE f.endpoint_id = w.endpoint_id AND f.status = %s AND f.sending_until > %s) < %s
            )) AND status = %s
            RETURNING id, claim_token, event_id, attempt_count, round_start, next_attempt_at, created_at
        )
        SELECT c.id, c.claim_token, c.attempt_count, c.round_start, e.id, e.workspace_id, e.name,
            e.object_name, e.action, e.record, e.updated_fields, e.actor ->> 'workspaceMemberId', e.created_at
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
    claimed: dict[uuid.UUID, list[_Row]] = {}
    for delivery_id, token, number, round_start, event_id, workspace_id, name, *rest in rows:
        object_name, action, record, updated_fields, member_id, created_at = rest
        event = EventFacts(
            id=event_id,
            workspace_id=workspace_id,
            name=name,
            object_name=object_name,
            action=action,
            # Read as the model reads them, so the body is byte for byte the one the ORM builds.
            record=_RECORD.from_db_value(record, None, connection),
            updated_fields=_UPDATED_FIELDS.from_db_value(updated_fields, None, connection),
            member_id=member_id,
            created_at=created_at,
        )
        claimed.setdefault(token, []).append((delivery_id, number, round_start, event))
    return claimed


def _claim_rows(
    endpoint_id: uuid.UUID,
    delivery_id: uuid.UUID | None,
    token: uuid.UUID,
    now: datetime,
    lease: float,
    limit: int | None,
    size: int = BATCH_SIZE,
) -> dict[uuid.UUID, int]:
    """One conditional UPDATE of the endpoint's oldest due deliveries (or just the given
    one); returns {delivery id: its attempt number} for the rows taken.

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
            " WHERE endpoint_id = %s AND status = %s AND sending_until > %s) < %s"
        )
        which_params += [adapt(endpoint_id), _DELIVERING, now, limit]
    sql = (
        f"UPDATE {table} SET status = %s, queued_until = NULL, sending_until = %s, claim_token = %s,"  # noqa: S608
        f" attempt_count = attempt_count + 1 WHERE {which} AND status = %s"
    )
    params = [_DELIVERING, now + timedelta(seconds=lease), adapt(token), *which_params, _PENDING]
    if not postgres:
        params = [connection.ops.adapt_datetimefield_value(p) if isinstance(p, datetime) else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(sql + " RETURNING id, attempt_count", params)
        rows = cursor.fetchall()
    # SQLite returns the ids as hex strings.
    return {uuid.UUID(str(row[0])): row[1] for row in rows}
