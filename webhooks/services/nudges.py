"""At most one waiting task message per endpoint.

A message only says "this endpoint has deliveries due", and the worker that takes it
sends everything due. While one is still waiting in the queue, another adds nothing but
a broker round trip to the write that sends it and a wasted wake-up for a worker. So a
marker per endpoint, kept in the broker's Redis beside the messages, says "one is
waiting": whoever publishes sets it, writers skip publishing while it is set, and the
worker clears it before it looks for work, so whatever commits after that gets a message
of its own.

A marker lapses with the queue lease (``WEBHOOK_QUEUE_LEASE_SECONDS``): were its message
lost, the sweeper re-queues the deliveries once their lease runs out, as it does without
markers, and the sweeper publishes whatever the markers say. With a broker other than
Redis (the filesystem broker of the embedded setup), every write publishes.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Sequence

import redis
from celery import current_app
from django.conf import settings

from crm import redis_threads

logger = logging.getLogger(__name__)

KEY_PREFIX = "webhooks:message-waiting:"

# Sets each endpoint's marker unless it is already set, in one round trip; returns the
# 1-based positions of the endpoints that had none (those need a message).
_CLAIM = """
local fresh = {}
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, '1', 'NX', 'EX', ARGV[1]) then fresh[#fresh + 1] = i end
end
return fresh
"""
_CLAIM_SHA = hashlib.sha1(_CLAIM.encode()).hexdigest()  # noqa: S324 (Redis names scripts by SHA-1)

_clients: dict[str, redis.Redis] = {}


def broker_redis() -> redis.Redis | None:
    """A client of the broker's Redis, kept per broker URL (the tests switch brokers).
    Commands go through the thread's own connection (see crm/redis_threads.py): a write
    sends one on every commit that has deliveries."""
    # Where messages are written (broker_url itself reads CELERY_BROKER_URL first).
    url = str(current_app.conf.broker_write_url or "")
    if not url.startswith(("redis://", "rediss://")):
        return None
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return client


def _key(endpoint_id: str) -> str:
    return f"{KEY_PREFIX}{endpoint_id}"


def claim(endpoint_ids: Sequence[str]) -> list[str]:
    """The endpoints among these with no message waiting, now marked as having one: the
    caller must publish a message naming them (and ``clear`` them if it cannot)."""
    client = broker_redis()
    if client is None or not endpoint_ids:
        return list(endpoint_ids)
    seconds = max(1, math.ceil(settings.WEBHOOK_QUEUE_LEASE_SECONDS))
    keys = [_key(endpoint_id) for endpoint_id in endpoint_ids]
    try:
        try:
            positions = redis_threads.call(client, "EVALSHA", _CLAIM_SHA, len(keys), *keys, seconds)
        except redis.exceptions.NoScriptError:
            # First use since Redis started: EVAL loads the script under the same SHA.
            positions = redis_threads.call(client, "EVAL", _CLAIM, len(keys), *keys, seconds)
    except (redis.RedisError, OSError):
        # Publishing anyway is always safe; the publish says whether the broker is there.
        return list(endpoint_ids)
    return [endpoint_ids[int(position) - 1] for position in positions]


def clear(endpoint_ids: Sequence[str]) -> None:
    """The endpoints' messages are taken (or were never sent): the next write publishes."""
    client = broker_redis()
    if client is None or not endpoint_ids:
        return
    try:
        redis_threads.call(client, "DEL", *map(_key, endpoint_ids))
    except (redis.RedisError, OSError):
        # The markers lapse on their own; until then the sweeper covers these endpoints.
        logger.warning("Could not clear %d webhook message markers", len(endpoint_ids), exc_info=True)
