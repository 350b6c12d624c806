"""No event is lost: many writes, a receiver failing a third of requests at random, and
a worker SIGKILLed in the middle of a delivery, then restarted.

WEBHOOK_NO_LOSS_EVENTS sets the number of writes (default 200).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import defaultdict

import pytest
from receiver import ReceivedRequest, Receiver, Reply
from webhook_fixtures import CeleryWorker

from crm.services.records import create_record, delete_record, update_record
from webhooks.models import Attempt, Delivery, Event
from webhooks.services.endpoints import create_endpoint
from webhooks.services.sweeper import INTERRUPTED

EVENTS = int(os.environ.get("WEBHOOK_NO_LOSS_EVENTS", "200"))


class FlakyReceiver:
    """Fails a third of requests at random; once asked, holds one request open so the
    test can kill the worker while that delivery is in flight."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.answers: list[tuple[str, str, int]] = []  # (webhook-id, event id, status)
        self.hold_next = threading.Event()
        self.holding = threading.Event()
        self.server = Receiver(self.respond)

    def respond(self, request: ReceivedRequest) -> Reply:
        with self.lock:
            if self.hold_next.is_set() and not self.holding.is_set():
                self.holding.set()
                # The worker is killed while waiting for this; its answer never arrives.
                status, delay = 500, 3.0
            else:
                status, delay = (500 if self.random.random() < 1 / 3 else 200), 0.0
            self.answers.append((request.header("webhook-id"), request.json()["id"], status))
        return Reply(status, delay=delay)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_every_event_arrives_despite_a_flaky_receiver_and_a_killed_worker(
    workspace, actor, webhook_broker, tmp_path, private_networks_allowed
):
    flaky = FlakyReceiver(seed=EVENTS)
    flaky.server.start()
    worker = CeleryWorker(webhook_broker, tmp_path)
    try:
        endpoint = create_endpoint(workspace, target_url=flaky.server.url, operations=["*.*"])
        worker.start()
        people: list[str] = []

        def write(index: int) -> None:
            if people and index % 5 == 3:
                update_record(workspace, "person", people[index % len(people)], {"jobTitle": f"T{index}"}, actor)
            elif people and index % 17 == 0:
                delete_record(workspace, "person", people.pop(), actor)
            else:
                people.append(create_record(workspace, "person", {"name": {"firstName": f"P{index}"}}, actor)["id"])

        half = EVENTS // 2
        for index in range(half):
            if index == max(0, half - 10):
                # Armed before the last writes of this half, so some request is still to come.
                flaky.hold_next.set()
            write(index)
        # Kill the worker (and its pool and beat) while a delivery is in flight.
        assert flaky.holding.wait(30), "no delivery reached the receiver"
        worker.kill()
        # Written while no worker runs: their messages wait in the broker (or are lost
        # with the dead worker's prefetch; the sweeper covers that).
        for index in range(half, EVENTS):
            write(index)
        worker.start()

        deadline = time.monotonic() + 120
        while Delivery.objects.exclude(status="succeeded").exists():
            assert time.monotonic() < deadline, (
                f"{Delivery.objects.exclude(status='succeeded').count()} deliveries not done:\n{worker.log()}"
            )
            time.sleep(0.25)
        time.sleep(1.0)  # let the last answers be recorded
    finally:
        worker.stop()
        flaky.server.stop()

    events = {str(e) for e in Event.objects.values_list("id", flat=True)}
    assert len(events) == EVENTS
    deliveries = {str(d.event_id): str(d.id) for d in Delivery.objects.all()}
    assert set(deliveries) == events

    accepted = {event_id for _, event_id, status in flaky.answers if status == 200}
    assert accepted == events, f"{len(events - accepted)} events never delivered"

    # Every request for an event, first or duplicate, carries that event's delivery id.
    webhook_ids = defaultdict(set)
    requests_per_delivery: dict[str, int] = defaultdict(int)
    for webhook_id, event_id, _ in flaky.answers:
        webhook_ids[event_id].add(webhook_id)
        requests_per_delivery[webhook_id] += 1
    assert all(ids == {deliveries[event_id]} for event_id, ids in webhook_ids.items())

    # Every request the receiver saw is in the attempt log, none left open.
    logged = dict(Delivery.objects.values_list("id", "attempt_count"))
    attempts = defaultdict(int)
    for delivery_id in Attempt.objects.values_list("delivery_id", flat=True):
        attempts[str(delivery_id)] += 1
    for delivery_id, received in requests_per_delivery.items():
        assert attempts[delivery_id] >= received, delivery_id
    assert all(attempts[str(d)] == count for d, count in logged.items())
    assert not Attempt.objects.filter(finished_at__isnull=True).exists()
    # The delivery held open when the worker died was taken back and sent again.
    assert Attempt.objects.filter(error=INTERRUPTED).exists()
    assert worker.starts == 2
    assert endpoint.deliveries.count() == EVENTS
