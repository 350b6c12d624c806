"""The Redis broker transport keeps one client per channel and still delivers every
message, also after kombu replaces the channel's connection pool."""

from __future__ import annotations

import uuid

import pytest
import redis
from django.conf import settings
from kombu import Connection, Queue
from webhook_fixtures import SPARE_REDIS

from config.redis_broker import Transport


@pytest.fixture
def connection():
    try:
        redis.Redis.from_url(SPARE_REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("needs Redis on 127.0.0.1:6379")
    with Connection(SPARE_REDIS, transport=Transport) as conn:
        yield conn


def test_a_redis_broker_url_selects_this_transport():
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("the suite's broker is not Redis (set CELERY_BROKER_URL)")
    from config.celery import app

    with app.connection_for_write() as conn:
        assert isinstance(conn.transport, Transport)


def test_messages_arrive_through_one_kept_client(connection):
    name = f"broker-test-{uuid.uuid4().hex[:8]}"
    queue = Queue(name, routing_key=name)
    channel = connection.default_channel
    producer = connection.Producer(channel)
    try:
        for n in range(3):
            producer.publish({"n": n}, routing_key=queue.routing_key, declare=[queue])
        kept = channel._create_client()
        assert channel._create_client() is kept

        channel._pool = None  # as kombu does when it drops a broken pool
        producer.publish({"n": 3}, routing_key=queue.routing_key, declare=[queue])
        assert channel._create_client() is not kept

        received = [queue(channel).get(no_ack=True).payload["n"] for _ in range(4)]
        assert received == [0, 1, 2, 3]
    finally:
        queue(channel).delete()
