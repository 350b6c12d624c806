"""Per-API-key request limits shared by the REST and GraphQL APIs.

A fixed one-minute window counted in Django's cache (Redis when ``REDIS_URL`` is set,
the file cache otherwise), so every web process sees the same count. Fixed windows
allow a burst of up to twice the limit across a window boundary; that is accepted in
exchange for one cache round trip and no database work per request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

WINDOW_SECONDS = 60
# False: looked for, the cache is not Redis (the file cache of the embedded setup).
_client: redis.Redis | bool | None = None


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


def hit(key_id: object, *, now: float | None = None) -> RateLimitStatus:
    """Count one request for this API key and say whether it may proceed."""
    limit = limit_per_minute()
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    reset_in = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
    cache_key = f"api-rate:{key_id}:{window}"
    client = _redis_client()
    if client is not None:
        count = _redis_count(client, cache.make_and_validate_key(cache_key))
        return RateLimitStatus(limit=limit, remaining=max(0, limit - count), reset_in=reset_in, allowed=count <= limit)
    try:
        # One round trip in the common case: the window's counter already exists.
        count = cache.incr(cache_key)
    except ValueError:
        # First request of the window. add() does nothing if a concurrent request
        # created the counter first, in which case we count on top of it.
        count = 1 if cache.add(cache_key, 1, timeout=WINDOW_SECONDS + 5) else cache.incr(cache_key)
    return RateLimitStatus(limit=limit, remaining=max(0, limit - count), reset_in=reset_in, allowed=count <= limit)


def _redis_client() -> redis.Redis | None:
    """A Redis client kept for the process when the cache is Redis. Django's cache builds
    a client per call and counts in two round trips (EXISTS, INCRBY); this is one INCR."""
    global _client
    if _client is None:
        location = settings.CACHES["default"].get("LOCATION")
        usable = isinstance(caches["default"], RedisCache) and isinstance(location, str)
        _client = redis.Redis.from_url(location) if usable else False
    return _client or None


def _redis_count(client: redis.Redis, key: str) -> int:
    # The same key and integer encoding as the cache, so cache.get() reads this count.
    count = int(client.incr(key))
    if count == 1:
        # The window's first request sets its expiry; the key names its window, so a
        # counter that missed this (a crash in between) is never read again.
        client.expire(key, WINDOW_SECONDS + 5)
    return count
