"""API keys recently seen, kept by each process while no key or workspace has changed.

Every API request needs its key and the key's workspace, and looking them up is a
database round trip whose answer is the same request after request. So each process
keeps the keys it has seen, tagged with the value of a version counter in Redis; every
request reads that counter in the round trip that already counts it against its rate
limit. Whatever changes a key or a workspace through the app (creating, revoking,
renaming or deleting a key, editing or deleting a workspace, changing its data model)
bumps the counter at once and again when its transaction commits, so every process looks
its keys up afresh on its next request: a revoked key is refused on the very next one.

Expiry needs no bump: it is checked on every request against the kept ``expires_at``.
A change made around the app (SQL by hand) is seen within ``MAX_AGE_SECONDS``, or at
once after ``keys_changed()``. Without Redis (the embedded setup) nothing is kept.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any

import redis
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.base import ModelState

from crm import redis_threads
from crm.models import ApiKey

logger = logging.getLogger(__name__)

VERSION_COUNTER = "api-keys-version"
MAX_AGE_SECONDS = 60
MAX_KEYS = 10_000

# token hash -> (the version it was read at, when, the key with its workspace)
_kept: dict[str, tuple[int, float, ApiKey]] = {}
_lock = threading.Lock()


def kept_key(token_hash: str, version: int | None) -> ApiKey | None:
    """The key kept for this token at this version, as a copy the request may change."""
    found = _kept.get(token_hash) if version is not None else None
    if found is None or found[0] != version or time.monotonic() - found[1] > MAX_AGE_SECONDS:
        return None
    kept = found[2]
    key = _copy(kept)
    key.workspace = _copy(kept.workspace)
    return key


def _copy(instance: Model) -> Any:
    """A shallow copy, as ``copy.copy`` makes it, without its detour through pickling's
    protocol (a fifth of an API request's own time went there)."""
    clone = Model.__new__(type(instance))
    clone.__dict__.update(instance.__dict__)
    clone._state = ModelState()
    clone._state.db, clone._state.adding = instance._state.db, False
    # Related objects read with it (a key's workspace), not shared with the original.
    clone._state.fields_cache = dict(instance._state.fields_cache)
    return clone


def keep_key(token_hash: str, version: int | None, key: ApiKey) -> None:
    """Keep a key just read from the database, if Redis told its version."""
    if version is None:
        return
    with _lock:
        if len(_kept) >= MAX_KEYS:
            _kept.clear()
        _kept[token_hash] = (version, time.monotonic(), _copy(key))


def used(token_hash: str, when: datetime) -> None:
    """The key's ``last_used_at`` was just written: keep it, so it is not written again
    on every request of the next minute."""
    found = _kept.get(token_hash)
    if found is not None:
        found[2].last_used_at = when


def keys_changed() -> None:
    """Make every process look its keys up again. Called when the change is made and again
    when its transaction commits: a process that read the old row in between and kept it
    drops it after the commit."""
    _bump()
    transaction.on_commit(_bump)


def on_key_or_workspace_saved(sender: Any, **kwargs: Any) -> None:
    """Signal receiver (post_save, post_delete) for ApiKey and Workspace."""
    keys_changed()


def _bump() -> None:
    client = redis_threads.cache_client()
    if client is None:
        return
    try:
        redis_threads.call(client, "INCR", cache.make_key(VERSION_COUNTER))
    except (redis.RedisError, OSError):
        # Every process then reads keys afresh only after MAX_AGE_SECONDS; say so.
        logger.warning("API key change not announced: Redis is unreachable", exc_info=True)
