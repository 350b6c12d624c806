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

import logging
import math
from collections.abc import Sequence

import redis
from django.conf import settings
from redis.commands.core import Script

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

_clients: dict[str, tuple[redis.Redis, Script]] = {}


def _client() -> tuple[redis.Redis, Script] | None:
    """A client of the broker's Redis and the claim script, kept per broker URL (the
    tests switch brokers)."""
    from config.celery import app

    # Where messages are written (broker_url itself reads CELERY_BROKER_URL first).
    url = str(app.conf.broker_write_url or "")
    if not url.startswith(("redis://", "rediss://")):
        return None
    found = _clients.get(url)
    if found is None:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        found = _clients[url] = (client, client.register_script(_CLAIM))
    return found


def _key(endpoint_id: str) -> str:
    return f"{KEY_PREFIX}{endpoint_id}"


def claim(endpoint_ids: Sequence[str]) -> list[str]:
    """The endpoints among these with no message waiting, now marked as having one: the
    caller must publish a message naming them (and ``clear`` them if it cannot)."""
    found = _client()
    if found is None or not endpoint_ids:
        return list(endpoint_ids)
    seconds = max(1, math.ceil(settings.WEBHOOK_QUEUE_LEASE_SECONDS))
    try:
        positions = found[1](keys=[_key(endpoint_id) for endpoint_id in endpoint_ids], args=[seconds])
    except redis.RedisError:
        # Publishing anyway is always safe; the publish says whether the broker is there.
        return list(endpoint_ids)
    return [endpoint_ids[int(position) - 1] for position in positions]


def clear(endpoint_ids: Sequence[str]) -> None:
    """The endpoints' messages are taken (or were never sent): the next write publishes."""
    found = _client()
    if found is None or not endpoint_ids:
        return
    try:
        found[0].delete(*map(_key, endpoint_ids))
    except redis.RedisError:
        # The markers lapse on their own; until then the sweeper covers these endpoints.
        logger.warning("Could not clear %d webhook message markers", len(endpoint_ids), exc_info=True)
