"""Every hand-written SQL statement of the webhook path answers what the ORM would, on
whichever database the suite runs (CI runs it on PostgreSQL and on SQLite): the fan-out
that writes events with their deliveries in one statement, the claims that pick an
endpoint's due deliveries, the statement that records a round's outcomes, and the read
of one record by id."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from crm.metadata.schema import get_workspace_schema
from crm.query.listing import get_record_data
from crm.query.record_queries import records
from crm.query.serialize import compile_serializer
from crm.services.record_changes import RecordChange
from crm.services.records import create_record
from webhooks.models import Attempt, Delivery, Event, WebhookEndpoint
from webhooks.safe_http import HttpOutcome
from webhooks.services import claims, outcomes
from webhooks.services.endpoints import create_endpoint
from webhooks.services.events import write_change_events
from webhooks.services.sweeper import INTERRUPTED, reclaim_expired_leases

pytestmark = pytest.mark.usefixtures("private_networks_allowed")
URL = "http://127.0.0.1:9/hook"
OPERATIONS = [["*.*"], ["person.*"], ["*.deleted"], ["company.created", "person.updated"], ["task.*"]]
CHANGES = [
    ("person", "created"),
    ("person", "updated"),
    ("company", "created"),
    ("company", "deleted"),
    ("note", "restored"),
]


def test_the_fan_out_writes_one_delivery_per_event_and_matching_active_endpoint(workspace, other_workspace, actor):
    endpoints = [create_endpoint(workspace, target_url=URL, operations=ops) for ops in OPERATIONS]
    switched_off = create_endpoint(workspace, target_url=URL, operations=["*.*"], is_active=False)
    elsewhere = create_endpoint(other_workspace, target_url=URL, operations=["*.*"])

    write_change_events(workspace, actor, [RecordChange(obj, action, {"id": None}) for obj, action in CHANGES])

    written = set(Delivery.objects.values_list("event__name", "endpoint_id"))
    # The ORM's answer: every event of the workspace against every active endpoint of it.
    expected = {
        (event.name, endpoint.id)
        for event in Event.objects.filter(workspace=workspace)
        for endpoint in WebhookEndpoint.objects.filter(workspace=workspace, is_active=True)
        if endpoint.subscribes_to(event.object_name, event.action)
    }
    assert written == expected and len(expected) == 10  # 5 + 2 + 1 + 2 + 0
    assert not Delivery.objects.filter(endpoint__in=[switched_off, elsewhere]).exists()
    assert {endpoint.id for endpoint in endpoints} >= {endpoint_id for _name, endpoint_id in written}
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.PENDING}
    assert not Delivery.objects.filter(queued_until__isnull=True).exists()


def _due_backlog(workspace, actor, endpoint):
    """Deliveries in every state, due now, later and long ago, in a shuffled order."""
    for number in range(12):
        create_record(workspace, "person", {"jobTitle": str(number)}, actor)
    now = timezone.now()
    offsets = [5, -50, -10, 60, -30, -1, -20, 0, 30, -40, -5, -60]
    for delivery, offset in zip(Delivery.objects.filter(endpoint=endpoint).order_by("id"), offsets, strict=True):
        delivery.next_attempt_at = now + timedelta(seconds=offset)
        delivery.queued_until = None
        delivery.save()
    Delivery.objects.filter(endpoint=endpoint, next_attempt_at__gt=now).update(status=Delivery.Status.PENDING)
    Delivery.objects.filter(endpoint=endpoint, next_attempt_at=now - timedelta(seconds=1)).update(
        status=Delivery.Status.SUCCEEDED
    )


def _oldest_due(endpoint, size):
    """The ORM's answer: the endpoint's due pending deliveries, oldest first."""
    due = Delivery.objects.filter(
        endpoint=endpoint, status=Delivery.Status.PENDING, next_attempt_at__lte=timezone.now()
    )
    return list(due.order_by("next_attempt_at", "created_at").values_list("id", flat=True)[:size])


def test_a_claim_takes_the_oldest_due_deliveries_of_its_endpoint(workspace, actor, monkeypatch):
    endpoint = create_endpoint(workspace, target_url=URL)
    other = create_endpoint(workspace, target_url=URL)
    _due_backlog(workspace, actor, endpoint)
    monkeypatch.setattr(claims, "BATCH_SIZE", 4)
    expected = _oldest_due(endpoint, 4)

    claim = claims.claim_one(endpoint.id, enforce_limit=False)

    assert [sending.delivery_id for sending in claim.sendings] == expected
    taken = Delivery.objects.filter(id__in=expected)
    assert set(taken.values_list("status", flat=True)) == {Delivery.Status.DELIVERING}
    assert set(taken.values_list("claim_token", flat=True)) == {claim.token}
    assert not Delivery.objects.filter(endpoint=other, status=Delivery.Status.DELIVERING).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement claims every endpoint on PostgreSQL")
def test_one_claim_of_many_endpoints_takes_what_the_orm_would_from_each(workspace, actor, monkeypatch):
    first = create_endpoint(workspace, target_url=URL)
    second = create_endpoint(workspace, target_url=URL, operations=["person.created"])
    _due_backlog(workspace, actor, first)
    monkeypatch.setattr(claims, "BATCH_SIZE", 6)
    expected = {endpoint.id: _oldest_due(endpoint, 3) for endpoint in (first, second)}

    taken = claims.claim_endpoints([first.id, second.id])

    assert {claim.endpoint.id: [s.delivery_id for s in claim.sendings] for claim in taken} == expected


@pytest.mark.parametrize("name", ["person", "company", "opportunity", "note", "task"])
def test_reading_one_record_by_id_answers_as_the_orm(workspace, actor, name):
    created = create_record(workspace, name, {}, actor)
    obj = get_workspace_schema(workspace).objects[name]
    columns, serialize = compile_serializer(obj)

    assert get_record_data(workspace, obj, created["id"]) == serialize(
        records(workspace, obj).values(*columns).get(id=created["id"])
    )


SETTLERS = [outcomes._settle_with_orm] + ([outcomes._settle_postgresql] if connection.vendor == "postgresql" else [])


@pytest.mark.parametrize("settle", SETTLERS, ids=lambda f: f.__name__)
def test_recording_a_round_writes_what_its_settlement_says(workspace, actor, settle):
    endpoint = create_endpoint(workspace, target_url=URL)
    for number in range(4):
        create_record(workspace, "person", {"jobTitle": str(number)}, actor)
    claim = claims.claim_one(endpoint.id, enforce_limit=False)
    claim.outcomes = [
        HttpOutcome(200, duration_ms=5),
        HttpOutcome(500, {"Retry-After": "120"}, "oops", 7),
        HttpOutcome(410, duration_ms=3),
        HttpOutcome(None, error="Timed out after 10 s"),
    ]
    settlement = outcomes._settlement(claim, timezone.now())

    assert settle([settlement]) == {claim.token}

    columns = ["status", "next_attempt_at", "delivered_at", "last_status_code", "last_error"]
    for sending in claim.sendings:
        row = Delivery.objects.values(*columns, "sending_until", "claim_token").get(id=sending.delivery_id)
        expected = {name: settlement.changes[sending.delivery_id].get(name) for name in columns}
        assert {name: row[name] for name in columns} == expected
        assert row["sending_until"] is None and row["claim_token"] is None
        logged = settlement.attempts[sending.attempt_id]
        assert Attempt.objects.values(*logged).get(id=sending.attempt_id) == logged


@pytest.mark.parametrize("settle", SETTLERS, ids=lambda f: f.__name__)
def test_a_worker_that_outlived_its_lease_logs_its_answer_over_the_interrupted_one(workspace, actor, settle):
    endpoint = create_endpoint(workspace, target_url=URL)
    create_record(workspace, "person", {"jobTitle": "late"}, actor)
    claim = claims.claim_one(endpoint.id, enforce_limit=False)
    (sending,) = claim.sendings
    # The worker is slow; its lease runs out and the sweeper takes the delivery back.
    Delivery.objects.update(sending_until=timezone.now() - timedelta(seconds=1))
    assert reclaim_expired_leases() == 1
    assert Attempt.objects.get().error == INTERRUPTED
    claim.outcomes = [HttpOutcome(200, duration_ms=5)]

    # Its answer is logged over the interrupted row; the delivery is the sweeper's now.
    assert settle([outcomes._settlement(claim, timezone.now())]) == set()

    attempt = Attempt.objects.get()
    assert (attempt.number, attempt.status_code, attempt.succeeded, attempt.error) == (1, 200, True, "")
    assert attempt.request_headers == sending.headers
    assert Delivery.objects.get().status == "pending"
