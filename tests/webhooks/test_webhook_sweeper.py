"""The sweeper: taking back deliveries from stopped workers and queuing what is due,
a few per endpoint; and the retention job."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from receiver import Reply

from crm.services.records import create_record
from webhooks.models import Attempt, Delivery, Event
from webhooks.services.delivering import deliver
from webhooks.services.endpoints import create_endpoint
from webhooks.services.retention import prune_webhook_history
from webhooks.services.sweeper import INTERRUPTED, queue_due_deliveries, reclaim_expired_leases, sweep

pytestmark = pytest.mark.usefixtures("private_networks_allowed")

URL = "http://127.0.0.1:9/hook"


def people(workspace, actor, count: int) -> None:
    for i in range(count):
        create_record(workspace, "person", {"name": {"firstName": f"P{i}"}}, actor)


def test_due_deliveries_without_a_queue_lease_are_queued(workspace, actor, webhook_broker):
    create_endpoint(workspace, target_url=URL)
    people(workspace, actor, 1)
    Delivery.objects.update(queued_until=None)
    before = webhook_broker.queued_messages()

    assert sweep() == 1

    assert webhook_broker.queued_messages() == before + 1
    assert Delivery.objects.get().queued_until > timezone.now()
    # Queued once: the next sweep leaves it to its message.
    assert sweep() == 0


def test_endpoints_with_a_message_on_its_way_or_nothing_due_are_left_alone(workspace, actor, webhook_broker):
    later = create_endpoint(workspace, target_url=URL)
    queued = create_endpoint(workspace, target_url=URL)
    expired = create_endpoint(workspace, target_url=URL)
    people(workspace, actor, 2)
    now = timezone.now()
    later.deliveries.update(queued_until=None, next_attempt_at=now + timedelta(minutes=5))
    # One delivery with a live queue lease: a message for the endpoint is on its way.
    first, second = queued.deliveries.order_by("created_at")
    Delivery.objects.filter(id=first.id).update(queued_until=now + timedelta(minutes=1))
    Delivery.objects.filter(id=second.id).update(queued_until=None)
    expired.deliveries.update(queued_until=now - timedelta(seconds=1))
    before = webhook_broker.queued_messages()

    assert queue_due_deliveries() == 1

    assert webhook_broker.queued_messages() == before + 1
    # One of its deliveries now carries the lease for the whole endpoint.
    assert expired.deliveries.filter(queued_until__gt=now).count() == 1
    assert queue_due_deliveries() == 0


def test_each_endpoint_with_due_deliveries_gets_a_message_of_its_own(workspace, actor, webhook_broker):
    busy = create_endpoint(workspace, target_url=URL, operations=["person.*"])
    quiet = create_endpoint(workspace, target_url=URL, operations=["company.*"])
    people(workspace, actor, 30)
    create_record(workspace, "company", {"name": "Northwind"}, actor)
    Delivery.objects.update(queued_until=None)
    before = webhook_broker.queued_messages()

    assert queue_due_deliveries() == 2

    # Two messages, so two workers can share the swept backlog.
    assert webhook_broker.queued_messages() == before + 2
    assert busy.deliveries.filter(queued_until__isnull=False).count() == 1
    assert quiet.deliveries.filter(queued_until__isnull=False).count() == 1
    assert queue_due_deliveries() == 0


def test_an_endpoint_with_a_batch_in_flight_is_left_to_that_worker(workspace, actor):
    endpoint = create_endpoint(workspace, target_url=URL)
    people(workspace, actor, 3)
    Delivery.objects.update(queued_until=None)
    sending = endpoint.deliveries.first()
    Delivery.objects.filter(id=sending.id).update(
        status="delivering", sending_until=timezone.now() + timedelta(seconds=30), claim_token=uuid.uuid4()
    )

    # The worker sending it looks for the endpoint's other due deliveries after its batch.
    assert queue_due_deliveries() == 0


def test_a_delivery_whose_worker_died_is_marked_interrupted_and_due_again(workspace, actor, receiver, settings):
    create_endpoint(workspace, target_url=receiver.url)
    people(workspace, actor, 1)
    delivery = Delivery.objects.get()
    started = timezone.now() - timedelta(minutes=2)
    # Claimed two minutes ago by a worker that never recorded its answer.
    Delivery.objects.filter(id=delivery.id).update(
        status="delivering",
        queued_until=None,
        sending_until=started + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS),
        claim_token=uuid.uuid4(),
        attempt_count=1,
    )

    assert reclaim_expired_leases() == 1

    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.next_attempt_at <= timezone.now()
    assert delivery.last_error == INTERRUPTED and delivery.claim_token is None
    attempt = Attempt.objects.get()
    assert (attempt.number, attempt.started_at) == (1, started)
    assert attempt.finished_at is not None and attempt.error == INTERRUPTED and not attempt.succeeded
    deliver(delivery.id)
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempt_count == 2


def test_a_delivery_interrupted_on_its_last_attempt_fails(workspace, actor, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [timedelta(seconds=1)]
    create_endpoint(workspace, target_url=URL)
    people(workspace, actor, 1)
    Delivery.objects.update(
        status="delivering",
        queued_until=None,
        sending_until=timezone.now() - timedelta(seconds=1),
        claim_token=uuid.uuid4(),
        attempt_count=2,
    )

    reclaim_expired_leases()

    assert Delivery.objects.get().status == "failed"


def test_a_test_event_its_request_never_sent_is_closed(workspace, actor):
    endpoint = create_endpoint(workspace, target_url=URL)
    people(workspace, actor, 1)
    event = Event.objects.get()
    # A test delivery is sent only by the request that made it; that process stopped first.
    abandoned = Delivery.objects.create(event=event, endpoint=endpoint, status="pending")
    Delivery.objects.filter(id=abandoned.id).update(created_at=timezone.now() - timedelta(minutes=5))
    fresh = Delivery.objects.create(event=event, endpoint=endpoint, status="pending")

    reclaim_expired_leases()

    abandoned.refresh_from_db()
    assert abandoned.status == "failed" and abandoned.last_error == INTERRUPTED
    assert Delivery.objects.get(id=fresh.id).status == "pending"


def test_a_live_lease_is_not_taken_back(workspace, actor):
    create_endpoint(workspace, target_url=URL)
    people(workspace, actor, 1)
    Delivery.objects.update(
        status="delivering",
        queued_until=None,
        sending_until=timezone.now() + timedelta(seconds=30),
        claim_token=uuid.uuid4(),
    )

    assert reclaim_expired_leases() == 0
    assert Delivery.objects.get().status == "delivering"


@pytest.mark.django_db(transaction=True)
def test_a_worker_that_outlived_its_lease_does_not_overwrite_the_new_claim(workspace, actor, receiver):
    create_endpoint(workspace, target_url=receiver.url)
    people(workspace, actor, 1)
    delivery = Delivery.objects.get()
    new_owner = uuid.uuid4()

    def taken_over_meanwhile(request):
        # While this worker waits for the answer, its lease ran out and another worker claimed the delivery.
        Delivery.objects.filter(id=delivery.id).update(claim_token=new_owner)
        connection.close()  # this thread's own connection
        return Reply(200)

    receiver.respond = taken_over_meanwhile
    attempt = deliver(delivery.id)

    delivery.refresh_from_db()
    assert delivery.status == "delivering" and delivery.claim_token == new_owner
    attempt.refresh_from_db()
    assert attempt.succeeded and attempt.finished_at is not None  # its own attempt is still logged


def test_retention_prunes_events_with_their_deliveries_and_attempts(workspace, actor, receiver, settings):
    settings.WEBHOOK_RETENTION_DAYS = 30
    create_endpoint(workspace, target_url=receiver.url)
    people(workspace, actor, 3)
    for delivery in Delivery.objects.all():
        deliver(delivery.id)
    old, waiting, recent = Event.objects.order_by("created_at")
    Event.objects.filter(id__in=[old.id, waiting.id]).update(created_at=timezone.now() - timedelta(days=31))
    Delivery.objects.filter(event=waiting).update(status="pending")

    assert prune_webhook_history() == 1

    assert set(Event.objects.values_list("id", flat=True)) == {waiting.id, recent.id}
    assert Delivery.objects.count() == 2
    assert not Attempt.objects.filter(delivery__event=old).exists()
    assert Attempt.objects.count() == 2
