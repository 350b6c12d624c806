"""One Redis connection per thread and client, outside the client's pool.

For the commands sent on every API request or write (the rate-limit count, the webhook
message markers): a request runs on one thread from start to end, so a connection of
the thread's own needs no pool, and redis-py's pool bookkeeping costs more than such a
command itself. A connection is made on first use, as the pool would make it, and
reconnects by itself after ``disconnect()``.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

_local = threading.local()
# False: looked for, the cache is not Redis (the file cache of the embedded setup).
_cache_client: redis.Redis | bool | None = None


def cache_client() -> redis.Redis | None:
    """A Redis client kept for the process when Django's cache is Redis, for the commands
    every API request sends (the rate-limit count, the API key version): Django's cache
    builds a client per call and counts in two round trips (EXISTS, INCRBY)."""
    global _cache_client
    if _cache_client is None:
        location = settings.CACHES["default"].get("LOCATION")
        usable = isinstance(caches["default"], RedisCache) and isinstance(location, str)
        _cache_client = redis.Redis.from_url(location) if usable else False
    return _cache_client or None


def connection_for(client: redis.Redis) -> Any:
    """This thread's connection to the client's server and database."""
    held: dict[int, tuple[redis.Redis, Any]] | None = getattr(_local, "connections", None)
    if held is None:
        held = _local.connections = {}
    found = held.get(id(client))
    if found is None or found[0] is not client:
        # Not counted by the pool: with a development server's thread per request,
        # these come and go (and close when collected).
        pool = client.connection_pool
        found = held[id(client)] = (client, pool.connection_class(**pool.connection_kwargs))
    return found[1]


def call(client: redis.Redis, *args: Any) -> Any:
    """One command and its answer on this thread's connection. An error answer leaves
    the connection usable; any other failure closes it (its state is unknown), so no
    stale answer is ever read as the next command's."""
    connection = connection_for(client)
    try:
        connection.send_command(*args)
        return connection.read_response()
    except redis.ResponseError:
        raise
    except (redis.RedisError, OSError):
        connection.disconnect()
        raise


def _forget_after_fork() -> None:
    # A forked child (a Celery pool process) must not share its parent's sockets.
    global _local
    _local = threading.local()


os.register_at_fork(after_in_child=_forget_after_fork)
