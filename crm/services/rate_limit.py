"""Per-API-key request limits shared by the REST and GraphQL APIs.

A fixed one-minute window counted in Django's cache (Redis when ``REDIS_URL`` is set,
the file cache otherwise), so every web process sees the same count. Fixed windows
allow a burst of up to twice the limit across a window boundary; that is accepted in
exchange for one cache round trip and no database work per request.

Should Redis be unreachable, requests go through uncounted (and a warning is logged):
an outage of the counter does not take the API down with it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches

from crm import redis_threads

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class RateLimitStatus:
    limit: int
    remaining: int
    # Seconds until the current window ends and the count starts again.
    reset_in: int
    allowed: bool

    def headers(self) -> dict[str, str]:
        """Headers for every authenticated response; ``Retry-After`` only when refused."""
        headers = {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining)}
        if not self.allowed:
            headers["Retry-After"] = str(self.reset_in)
        return headers

    @property
    def message(self) -> str:
        return (
            f"Rate limit exceeded: this API key may make {self.limit} requests per minute. "
            f"Try again in {self.reset_in} seconds."
        )


def limit_per_minute() -> int:
    return int(getattr(settings, "API_RATE_LIMIT_PER_MINUTE", 100))


class PendingCount:
    """One request counted against a limit: with Redis, the INCR is sent at once and its
    answer read by ``result()``, so the caller can do a database round trip in between
    (the key lookup) instead of waiting for Redis first."""

    def __init__(self, identity: object, now: float | None = None, *, also_read: str | None = None) -> None:
        self.limit = limit_per_minute()
        # Another counter in the cache, read in the same round trip (``also_read()``).
        self._also_read = also_read
        self._other_count: int | None = None
        now = time.time() if now is None else now
        window = int(now // WINDOW_SECONDS)
        self.reset_in = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
        self.cache_key = f"api-rate:{identity}:{window}"
        self._redis: tuple[Any, str] | None = None
        client = redis_threads.cache_client()
        if client is not None:
            # The cache's own key, so cache.get() reads this count. (The cache itself, not
            # its proxy, which finds it anew on every attribute.)
            backend = caches[DEFAULT_CACHE_ALIAS]
            key = backend.make_key(self.cache_key)
            connection = redis_threads.connection_for(client)
            commands: tuple[tuple[Any, ...], ...] = (("INCR", key),)
            if also_read is not None:
                # INCRBY 0 reads a counter, as 0 when it was never set.
                commands += (("INCRBY", backend.make_key(also_read), 0),)
            try:
                connection.send_packed_command([_packed(connection, commands)])  # one write
            except (redis.RedisError, OSError):
                _lost(connection)
                self._count: int | None = 0  # counted as nothing: the request goes through
            else:
                self._redis = (connection, key)
                self._count = None
        else:
            self._count = self._cache_count()

    def result(self) -> RateLimitStatus:
        """The count's verdict. Call it once, whatever happened in between: until then the
        Redis connection is held with an answer waiting on it."""
        if self._count is None:
            self._count = self._read_redis_count()
        count = self._count
        return RateLimitStatus(
            limit=self.limit, remaining=max(0, self.limit - count), reset_in=self.reset_in, allowed=count <= self.limit
        )

    def also_read(self) -> int | None:
        """The value of the ``also_read`` counter; None when Redis did not answer or the
        cache is not Redis. Reads the count's answer too (it came first)."""
        if self._count is None:
            self._count = self._read_redis_count()
        return self._other_count

    def _read_redis_count(self) -> int:
        assert self._redis is not None
        connection, key = self._redis
        self._redis = None
        try:
            count = int(connection.read_response())
            if self._also_read is not None:
                self._other_count = int(connection.read_response())
            if count == 1:
                # The window's first request sets its expiry; the key names its window,
                # so a counter that missed this (a crash in between) is never read again.
                connection.send_command("EXPIRE", key, WINDOW_SECONDS + 5)
                connection.read_response()
        except (redis.RedisError, OSError):
            _lost(connection)
            return 0
        return count

    def _cache_count(self) -> int:
        try:
            # One round trip in the common case: the window's counter already exists.
            return cache.incr(self.cache_key)
        except ValueError:
            # First request of the window. add() does nothing if a concurrent request
            # created the counter first, in which case we count on top of it.
            if cache.add(self.cache_key, 1, timeout=WINDOW_SECONDS + 5):
                return 1
            return cache.incr(self.cache_key)


# Commands as sent, by the commands: a key sends the same ones for a whole window (its
# counter is named after the window), and packing them anew was a sixth of the CPU of
# the round trip.
_packed_commands: dict[tuple[tuple[Any, ...], ...], bytes] = {}
MAX_PACKED = 10_000


def _packed(connection: Any, commands: tuple[tuple[Any, ...], ...]) -> bytes:
    packed = _packed_commands.get(commands)
    if packed is None:
        packed = b"".join(connection.pack_commands(commands))
        if len(_packed_commands) >= MAX_PACKED:
            _packed_commands.clear()  # the counters of windows gone by
        _packed_commands[commands] = packed
    return packed


def start(identity: object, *, now: float | None = None, also_read: str | None = None) -> PendingCount:
    """Count one request for this identity (an API key's token hash); read the verdict
    with ``result()``. ``also_read`` names another counter of the cache to read in the
    same round trip (``also_read()``)."""
    return PendingCount(identity, now, also_read=also_read)


def hit(identity: object, *, now: float | None = None) -> RateLimitStatus:
    """Count one request for this identity and say whether it may proceed."""
    return start(identity, now=now).result()


def _lost(connection: Any) -> None:
    """Redis failed mid-count: the request goes uncounted, said in the log, and the
    connection, whose state is now unknown, is closed (it reconnects on its next use),
    so no stale answer is ever read as the next request's count."""
    logger.warning("Rate limit not counted: Redis is unreachable", exc_info=True)
    connection.disconnect()
