"""End to end with real parts: record writes through the record service, the configured
broker, a ``celery -A config worker -B`` subprocess on the test database, and a real
receiver on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from receiver import Receiver, Reply
from standardwebhooks import Webhook
from webhook_fixtures import use_broker

from config.celery import app as celery_app
from crm.services.records import create_record, delete_record, restore_record, update_record
from webhooks.models import Attempt, Delivery, WebhookEndpoint
from webhooks.services import publisher
from webhooks.services.endpoints import create_endpoint

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_worker", "private_networks_allowed"),
]

PERSON = {"name": {"firstName": "Ada", "lastName": "Lovelace"}}


def eventually(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Poll until check() returns something truthy (the worker runs in another process)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout}s: {check}")
        time.sleep(0.1)


def subscribe(workspace, receiver: Receiver, operations=("*.*",), path: str = "") -> WebhookEndpoint:
    return create_endpoint(workspace, target_url=receiver.url + path, operations=list(operations))


def test_created_updated_deleted_and_restored_records_each_reach_the_receiver_once(workspace, actor, receiver):
    endpoint = subscribe(workspace, receiver)

    person = create_record(workspace, "person", PERSON, actor)
    update_record(workspace, "person", person["id"], {"jobTitle": "Analyst"}, actor)
    delete_record(workspace, "person", person["id"], actor)
    restore_record(workspace, "person", person["id"], actor)

    receiver.wait_for(4)
    time.sleep(1.5)  # several sweeps: nothing more may arrive
    requests = receiver.received()
    payloads = [Webhook(endpoint.secret).verify(r.body, r.headers) for r in requests]
    assert sorted(p["eventName"] for p in payloads) == sorted(
        ["person.created", "person.updated", "person.deleted", "person.restored"]
    )
    assert {p["record"]["id"] for p in payloads} == {person["id"]}
    assert len({r.header("webhook-id") for r in requests}) == 4
    for request in requests:
        timestamp = request.header("X-Twenty-Webhook-Timestamp")
        signed = f"{timestamp}:".encode() + request.body
        assert (
            request.header("X-Twenty-Webhook-Signature")
            == hmac.new(endpoint.secret.encode(), signed, hashlib.sha256).hexdigest()
        )
        assert request.header("X-Twenty-Webhook-Nonce")
    updated = next(p for p in payloads if p["eventName"] == "person.updated")
    assert updated["updatedFields"] == ["jobTitle"] and updated["record"]["jobTitle"] == "Analyst"
    deleted = next(p for p in payloads if p["eventName"] == "person.deleted")
    assert deleted["record"]["deletedAt"] is not None
    assert set(Delivery.objects.values_list("status", flat=True)) == {"succeeded"}
    assert Attempt.objects.count() == 4


def test_operations_choose_which_events_each_endpoint_gets(workspace, actor, receiver):
    subscribe(workspace, receiver, ["person.*"], "/person-any")
    subscribe(workspace, receiver, ["*.created"], "/any-created")
    subscribe(workspace, receiver, ["person.updated"], "/person-updated")
    subscribe(workspace, receiver, ["company.deleted"], "/company-deleted")

    person = create_record(workspace, "person", PERSON, actor)
    update_record(workspace, "person", person["id"], {"jobTitle": "Analyst"}, actor)
    create_record(workspace, "company", {"name": "Northwind"}, actor)

    receiver.wait_for(5)
    time.sleep(1.0)
    got = sorted((r.path, r.json()["eventName"]) for r in receiver.received())
    assert got == [
        ("/hook/any-created", "company.created"),
        ("/hook/any-created", "person.created"),
        ("/hook/person-any", "person.created"),
        ("/hook/person-any", "person.updated"),
        ("/hook/person-updated", "person.updated"),
    ]


def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt(workspace, actor, receiver):
    subscribe(workspace, receiver)
    receiver.respond = lambda request: Reply(200 if len(receiver.requests) >= 3 else 500)

    create_record(workspace, "person", PERSON, actor)

    requests = receiver.wait_for(3)
    delivery = eventually(lambda: Delivery.objects.filter(status="succeeded").first())
    assert {r.header("webhook-id") for r in requests} == {str(delivery.id)}
    assert [(a.number, a.status_code, a.succeeded) for a in delivery.attempts.order_by("number")] == [
        (1, 500, False),
        (2, 500, False),
        (3, 200, True),
    ]
    time.sleep(1.0)
    assert len(receiver.received()) == 3


def test_410_gone_disables_the_endpoint(workspace, actor, receiver):
    endpoint = subscribe(workspace, receiver)
    receiver.respond = lambda request: Reply(410)

    create_record(workspace, "person", PERSON, actor)

    eventually(lambda: not WebhookEndpoint.objects.get(id=endpoint.id).is_active)
    endpoint.refresh_from_db()
    assert "410" in endpoint.disabled_reason
    create_record(workspace, "person", {"name": {"firstName": "Grace"}}, actor)
    time.sleep(1.0)
    assert len(receiver.received()) == 1
    assert Delivery.objects.count() == 1  # a disabled endpoint gets no new deliveries


def test_a_redirect_is_a_failure_and_is_never_followed(workspace, actor, receiver):
    subscribe(workspace, receiver)
    receiver.respond = lambda request: (
        Reply(307, {"Location": receiver.url + "/moved"}) if len(receiver.requests) == 1 else Reply(200)
    )

    create_record(workspace, "person", PERSON, actor)

    receiver.wait_for(2)
    delivery = eventually(lambda: Delivery.objects.filter(status="succeeded").first())
    first, second = delivery.attempts.order_by("number")
    assert first.status_code == 307 and not first.succeeded and "not followed" in first.error
    assert second.succeeded
    assert {r.path for r in receiver.received()} == {"/hook"}


def test_a_hanging_receiver_times_out_and_the_retry_goes_through(workspace, actor, receiver):
    subscribe(workspace, receiver)
    receiver.respond = lambda request: Reply(200, delay=30) if len(receiver.requests) == 1 else Reply(200)

    create_record(workspace, "person", PERSON, actor)

    delivery = eventually(lambda: Delivery.objects.filter(status="succeeded").first(), timeout=15)
    first, second = delivery.attempts.order_by("number")
    assert not first.succeeded and "timeout" in first.error
    assert first.duration_ms < 4000  # WEBHOOK_TIMEOUT_SECONDS is 2 in the worker
    assert second.succeeded


def test_cloud_metadata_address_is_refused_by_the_worker(workspace, actor):
    WebhookEndpoint.objects.create(
        workspace=workspace,
        target_url="http://169.254.169.254/latest/meta-data/",
        operations=["*.*"],
        secret="whsec_" + "a" * 44,
    )

    create_record(workspace, "person", PERSON, actor)

    attempt = eventually(lambda: Attempt.objects.filter(finished_at__isnull=False).first())
    assert attempt.status_code is None and "refused address 169.254.169.254 (link-local)" in attempt.error


def test_a_rolled_back_write_sends_nothing(workspace, actor, receiver):
    subscribe(workspace, receiver)

    with pytest.raises(RuntimeError), transaction.atomic():
        create_record(workspace, "person", {"name": {"firstName": "Ghost"}}, actor)
        raise RuntimeError("rolled back")
    create_record(workspace, "person", PERSON, actor)

    receiver.wait_for(1)
    time.sleep(1.5)
    assert [r.json()["record"]["name"]["firstName"] for r in receiver.received()] == ["Ada"]
    assert Delivery.objects.count() == 1


def test_a_write_committed_while_the_broker_is_down_is_delivered_by_the_sweeper(
    workspace, actor, receiver, webhook_broker
):
    subscribe(workspace, receiver)
    use_broker("redis://127.0.0.1:1/0", {})  # nothing listens there
    try:
        person = create_record(workspace, "person", PERSON, actor)
        assert publisher.publisher().flush()
        delivery = Delivery.objects.get()
        # Not queued, and not waiting on a queue lease either: the next sweep may take it.
        assert delivery.status == "pending" and delivery.queued_until is None
    finally:
        use_broker(webhook_broker.url, webhook_broker.transport_options)

    (request,) = receiver.wait_for(1)
    assert request.json()["record"]["id"] == person["id"]
    assert request.header("webhook-id") == str(delivery.id)
    assert celery_app.conf.broker_url == webhook_broker.url


def test_a_write_does_not_wait_for_a_broker_that_does_not_answer(workspace, actor, receiver, webhook_broker):
    subscribe(workspace, receiver)
    with socket.create_server(("127.0.0.1", 0)) as silent:  # takes connections, never answers
        use_broker(f"redis://127.0.0.1:{silent.getsockname()[1]}/0", {"socket_timeout": 1})
        try:
            started = time.monotonic()
            people = [create_record(workspace, "person", {"name": {"firstName": f"P{i}"}}, actor) for i in range(3)]
            written_in = time.monotonic() - started
            # The publisher gives up on the broker; the writes did not wait for it.
            assert publisher.publisher().flush(timeout=15)
        finally:
            use_broker(webhook_broker.url, webhook_broker.transport_options)
    assert written_in < 1.0

    # Each delivery was left to the sweeper, which sends it.
    requests = receiver.wait_for(3)
    assert {r.json()["record"]["id"] for r in requests} == {person["id"] for person in people}


def test_a_slow_endpoint_does_not_hold_up_the_others(workspace, actor):
    slow = Receiver(lambda request: Reply(200, delay=1.5)).start()
    fast = Receiver().start()
    try:
        subscribe(workspace, slow)
        subscribe(workspace, fast)
        started = time.monotonic()
        for i in range(8):
            create_record(workspace, "person", {"name": {"firstName": f"P{i}"}}, actor)

        fast.wait_for(8, timeout=10)
        fast_done = time.monotonic() - started
        slow_so_far = len(slow.received())
        slow.wait_for(8, timeout=30)
    finally:
        slow.stop()
        fast.stop()
    # The slow receiver needs about 6 s for its 8 (two at a time); the fast one is not queued behind it.
    assert fast_done < 4, fast_done
    assert slow_so_far < 8
