"""At most one waiting message per endpoint (Redis broker): writes that find one waiting
publish nothing, and a worker taking the message lets the next write publish again."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from webhook_fixtures import SPARE_REDIS, Broker, use_broker

from crm import redis_threads
from crm.services.records import create_record
from webhooks.models import Delivery
from webhooks.services import nudges, publisher
from webhooks.services.delivering import deliver_to_endpoints
from webhooks.services.endpoints import create_endpoint
from webhooks.services.queueing import queue_endpoints
from webhooks.services.sweeper import sweep

pytestmark = pytest.mark.usefixtures("private_networks_allowed")

URL = "http://127.0.0.1:9/hook"


@pytest.fixture
def redis_broker(webhook_broker: Broker) -> Iterator[Broker]:
    """The suite's broker when it is Redis (CI); otherwise a local Redis if one runs."""
    if webhook_broker.url.startswith("redis://"):
        yield webhook_broker
        return
    try:
        redis.Redis.from_url(SPARE_REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("needs Redis on 127.0.0.1:6379 (the markers live in a Redis broker)")
    use_broker(SPARE_REDIS, {})
    try:
        yield Broker(SPARE_REDIS, webhook_broker.queue, None)
    finally:
        redis.Redis.from_url(SPARE_REDIS).delete(webhook_broker.queue)
        use_broker(webhook_broker.url, webhook_broker.transport_options)


def newest_message_endpoints(broker: Broker) -> list[str]:
    """The endpoint ids the last published task message names."""
    raw = redis.Redis.from_url(broker.url).lindex(broker.queue, 0)  # kombu pushes on the left
    args, _kwargs, _embed = json.loads(base64.b64decode(json.loads(raw)["body"]))
    return args[0]


def write(workspace, actor, callbacks_capture, first_name: str = "Ada") -> None:
    """One record write, committed: its after-commit publish runs, and is done."""
    with callbacks_capture(execute=True):
        create_record(workspace, "person", {"name": {"firstName": first_name}}, actor)
    assert publisher.publisher().flush()


def test_writes_while_a_message_waits_publish_nothing_more(
    workspace, actor, redis_broker, django_capture_on_commit_callbacks
):
    endpoint = create_endpoint(workspace, target_url=URL)
    before = redis_broker.queued_messages()

    for i in range(5):
        write(workspace, actor, django_capture_on_commit_callbacks, f"P{i}")

    # The one waiting message covers all five deliveries: its worker sends whatever is due.
    assert redis_broker.queued_messages() == before + 1
    assert endpoint.deliveries.count() == 5


def test_once_a_worker_takes_the_message_the_next_write_publishes_again(
    workspace, actor, redis_broker, django_capture_on_commit_callbacks
):
    endpoint = create_endpoint(workspace, target_url=URL)
    write(workspace, actor, django_capture_on_commit_callbacks)
    before = redis_broker.queued_messages()

    deliver_to_endpoints([endpoint.id], drain_seconds=0)  # what the worker runs on a message
    write(workspace, actor, django_capture_on_commit_callbacks, "Grace")

    assert redis_broker.queued_messages() == before + 1


def test_a_new_endpoint_is_not_held_back_by_another_endpoints_waiting_message(
    workspace, actor, redis_broker, django_capture_on_commit_callbacks
):
    create_endpoint(workspace, target_url=URL)
    write(workspace, actor, django_capture_on_commit_callbacks)
    before = redis_broker.queued_messages()

    second = create_endpoint(workspace, target_url=URL)
    write(workspace, actor, django_capture_on_commit_callbacks, "Grace")

    # A second message, naming only the endpoint that had none waiting.
    assert redis_broker.queued_messages() == before + 1
    assert newest_message_endpoints(redis_broker) == [str(second.id)]


# Committed for real: the publisher's thread releases the queue leases in a transaction of its own.
@pytest.mark.django_db(transaction=True)
def test_a_message_the_broker_refused_leaves_no_marker_behind(
    workspace, actor, redis_broker, django_capture_on_commit_callbacks
):
    create_endpoint(workspace, target_url=URL)
    queue = redis.Redis.from_url(redis_broker.url)
    before = redis_broker.queued_messages()
    if before:
        queue.rename(redis_broker.queue, "parked")
    queue.set(redis_broker.queue, "not a list")  # Redis refuses to push a message onto it
    try:
        write(workspace, actor, django_capture_on_commit_callbacks)
    finally:
        queue.delete(redis_broker.queue)
        if before:
            queue.rename("parked", redis_broker.queue)
    assert redis_broker.queued_messages() == before
    # Left to the sweeper, and the next write publishes as if nothing was waiting.
    assert Delivery.objects.get().queued_until is None

    write(workspace, actor, django_capture_on_commit_callbacks, "Grace")

    assert redis_broker.queued_messages() == before + 1


def test_the_sweeper_queues_a_lost_message_even_while_the_marker_lasts(workspace, actor, redis_broker):
    endpoint = create_endpoint(workspace, target_url=URL)
    create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)
    assert nudges.claim([str(endpoint.id)]) == [str(endpoint.id)]  # a message "waits"...
    Delivery.objects.update(queued_until=None)  # ...but was lost, and its lease ran out
    before = redis_broker.queued_messages()

    assert sweep() == 1

    assert redis_broker.queued_messages() == before + 1


def test_a_marker_lapses_with_the_queue_lease(redis_broker):
    endpoint_id = str(uuid.uuid4())

    assert nudges.claim([endpoint_id]) == [endpoint_id]
    assert nudges.claim([endpoint_id]) == []

    ttl = redis.Redis.from_url(redis_broker.url).ttl(nudges.KEY_PREFIX + endpoint_id)
    assert 0 < ttl <= settings.WEBHOOK_QUEUE_LEASE_SECONDS


def test_with_redis_unreachable_every_write_still_tries_to_publish(webhook_broker):
    use_broker("redis://127.0.0.1:1/0", {})
    try:
        ids = [str(uuid.uuid4()), str(uuid.uuid4())]
        assert nudges.claim(ids) == ids
        assert queue_endpoints(ids) is False
    finally:
        use_broker(webhook_broker.url, webhook_broker.transport_options)


def test_markers_work_after_redis_forgets_its_scripts(redis_broker):
    """A restarted Redis has no scripts loaded: the claim loads its own and goes on."""
    redis.Redis.from_url(redis_broker.url).script_flush()
    endpoint_id = str(uuid.uuid4())

    assert nudges.claim([endpoint_id]) == [endpoint_id]
    assert nudges.claim([endpoint_id]) == []


def test_markers_work_again_after_the_connection_drops(redis_broker):
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    assert nudges.claim([first]) == [first]

    redis_threads.connection_for(nudges.broker_redis()).disconnect()  # as a Redis restart would

    assert nudges.claim([first, second]) == [second]
    nudges.clear([first])
    assert nudges.claim([first]) == [first]
