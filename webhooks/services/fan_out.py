"""Fan-out of events to webhook endpoints (the outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from crm.query import compiled_insert
from crm.query.kept_cursor import fetch_all
from crm.services.record_changes import Statement
from webhooks.models import Delivery, Event, WebhookEndpoint
from webhooks.operations import covering_operations_sql
from webhooks.services import publisher


def write_events(events: Sequence[Event]) -> int:
    """Insert the events and one delivery per matching active endpoint, in the caller's
    transaction; after commit the endpoints go to the publisher, for a message. Returns
    how many deliveries were written.

    On PostgreSQL this is one statement: the endpoints are matched by the database
    while it inserts the events, so a write to a workspace with webhooks costs no more
    round trips than one without.
    """
    if not events:
        return 0
    written = _write_in_one_statement(events) if connection.vendor == "postgresql" else None
    if written is None:
        compiled_insert.insert(Event, events)
        return create_deliveries(events)
    return written


def write_events_along(along: Statement, events: Sequence[Event]) -> bool:
    """``write_events`` in one statement that also runs ``along`` (an INSERT of the records
    the events are about): atomic on its own, so it needs no transaction. False, with
    nothing written, where that cannot be done (another database than PostgreSQL)."""
    if connection.vendor != "postgresql" or not events:
        return False
    return _write_in_one_statement(events, along) is not None


def _write_in_one_statement(events: Sequence[Event], along: Statement | None = None) -> int | None:
    insert = compiled_insert.insert_sql(Event, events)
    if insert is None:
        return None
    insert_events, event_params = insert
    now = timezone.now()
    delivery = connection.ops.quote_name(Delivery._meta.db_table)
    endpoint = connection.ops.quote_name(WebhookEndpoint._meta.db_table)
    # Only table names and statements built from the models are interpolated; every
    # value is a parameter.
    sql = f"""
        WITH {f"records AS ({along.sql})," if along else ""}
        ev AS ({insert_events} RETURNING id, workspace_id, object_name, action),
        d AS (
            INSERT INTO {delivery} (id, event_id, endpoint_id, status, attempt_count, round_start, next_attempt_at,
                queued_until, sending_until, claim_token, last_status_code, last_error, created_at, delivered_at)
            SELECT gen_random_uuid(), ev.id, e.id, %s, 0, 0, %s, %s, NULL, NULL, NULL, '', %s, NULL
            FROM ev JOIN {endpoint} e ON e.workspace_id = ev.workspace_id AND e.is_active
            WHERE e.operations ?| {covering_operations_sql("ev.object_name", "ev.action")}
            RETURNING endpoint_id
        )
        SELECT endpoint_id, COUNT(*) FROM d GROUP BY endpoint_id
    """  # noqa: S608
    queue_lease = now + timedelta(seconds=settings.WEBHOOK_QUEUE_LEASE_SECONDS)
    along_params = along.params if along else []
    written = fetch_all(sql, [*along_params, *event_params, Delivery.Status.PENDING, now, queue_lease, now])
    compiled_insert.mark_saved(events)
    if written:
        endpoint_ids = [endpoint_id for endpoint_id, _count in written]
        # After commit (at once when the statement was its own transaction), and off
        # the request's path (publisher.py).
        transaction.on_commit(lambda: publisher.publish(endpoint_ids))
    return sum(count for _endpoint_id, count in written)


def create_deliveries(events: Sequence[Event]) -> int:
    """Write one delivery per matching active endpoint and event, in the caller's
    transaction, and after commit hand the endpoints concerned to the publisher.
    Returns how many deliveries were written.

    One query for the endpoints of every workspace in the batch, one insert for all
    deliveries, at most one broker message per commit. Every delivery starts with a queue lease
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
                    queued_until=queue_lease,
                )
            )
            endpoint_ids[endpoint.id] = None
    if not deliveries:
        return 0
    Delivery.objects.bulk_create(deliveries)
    transaction.on_commit(lambda: publisher.publish(endpoint_ids))
    return len(deliveries)
