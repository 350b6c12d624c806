"""The sweeper: taking back deliveries from stopped workers and queuing what is due,
a few per endpoint; and the retention job."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from conftest_webhooks import *  # noqa: F403
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
    Delivery.objects.update(claimed_until=None)
    before = webhook_broker.queued_messages()

    assert sweep() == 1

    assert webhook_broker.queued_messages() == before + 1
    assert Delivery.objects.get().claimed_until > timezone.now()
    # Queued once: the next sweep leaves it to its message.
    assert sweep() == 0


def test_deliveries_not_due_or_already_queued_are_left_alone(workspace, actor):
    create_endpoint(workspace, target_url=URL)
    people(workspace, actor, 3)
    later, queued, expired = Delivery.objects.all()
    now = timezone.now()
    Delivery.objects.filter(id=later.id).update(claimed_until=None, next_attempt_at=now + timedelta(minutes=5))
    Delivery.objects.filter(id=queued.id).update(claimed_until=now + timedelta(minutes=1))
    Delivery.objects.filter(id=expired.id).update(claimed_until=now - timedelta(seconds=1))

    assert queue_due_deliveries() == 1

    assert Delivery.objects.get(id=expired.id).claimed_until > now


def test_each_endpoint_gets_a_few_deliveries_queued_so_none_is_starved(workspace, actor, settings):
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 2
    busy = create_endpoint(workspace, target_url=URL, operations=["person.*"])
    quiet = create_endpoint(workspace, target_url=URL, operations=["company.*"])
    people(workspace, actor, 30)
    create_record(workspace, "company", {"name": "Northwind"}, actor)
    Delivery.objects.update(claimed_until=None)

    assert queue_due_deliveries() == 3

    assert busy.deliveries.filter(claimed_until__isnull=False).count() == 2
    assert quiet.deliveries.filter(claimed_until__isnull=False).count() == 1
    # Both slots of the busy endpoint are taken; the quiet one has nothing left.
    assert queue_due_deliveries() == 0


def test_a_delivery_whose_worker_died_is_marked_interrupted_and_due_again(workspace, actor, receiver):
    create_endpoint(workspace, target_url=receiver.url)
    people(workspace, actor, 1)
    delivery = Delivery.objects.get()
    started = timezone.now() - timedelta(minutes=2)
    Delivery.objects.filter(id=delivery.id).update(
        status="delivering", claimed_until=started + timedelta(seconds=40), claim_token=uuid.uuid4(), attempt_count=1
    )
    Attempt.objects.create(delivery=delivery, number=1, started_at=started)

    assert reclaim_expired_leases() == 1

    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.next_attempt_at <= timezone.now()
    assert delivery.last_error == INTERRUPTED and delivery.claim_token is None
    attempt = Attempt.objects.get()
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
        claimed_until=timezone.now() - timedelta(seconds=1),
        claim_token=uuid.uuid4(),
        attempt_count=2,
    )

    reclaim_expired_leases()

    assert Delivery.objects.get().status == "failed"


def test_a_live_lease_is_not_taken_back(workspace, actor):
    create_endpoint(workspace, target_url=URL)
    people(workspace, actor, 1)
    Delivery.objects.update(
        status="delivering", claimed_until=timezone.now() + timedelta(seconds=30), claim_token=uuid.uuid4()
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
