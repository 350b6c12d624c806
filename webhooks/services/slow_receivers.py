"""How fast receivers answered of late, as this worker process remembers it.

Scheduling, not state: nothing in the database depends on it, each worker process keeps
its own, and a restart forgets it. It only decides how a worker groups and sizes its
claims: an endpoint whose receiver took longer than SLOW_ANSWER_SECONDS to answer is
claimed on its own, after the others, for SLOW_FOR_SECONDS, so deliveries to other
endpoints are never claimed only to wait behind it; and an endpoint's batch is kept to
what its receiver answers in about BATCH_SECONDS, so a big batch goes only to a receiver
quick enough to make it worth while (see docs/webhook-delivery.md).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

SLOW_ANSWER_SECONDS = 0.5
SLOW_FOR_SECONDS = 60.0
# About how long posting one endpoint's batch may take.
BATCH_SECONDS = 2.0

_slow_until: dict[uuid.UUID, float] = {}  # endpoint id -> monotonic time
# endpoint id -> seconds an answer took, on a moving average of the last few.
_answer_seconds: dict[uuid.UUID, float] = {}


def note_answer(endpoint_id: uuid.UUID, duration_ms: int) -> bool:
    """Remember how long the endpoint took, and the endpoint as slow when this answer took
    too long; returns whether it did."""
    seconds = duration_ms / 1000
    before = _answer_seconds.get(endpoint_id)
    _answer_seconds[endpoint_id] = seconds if before is None else before + (seconds - before) / 8
    if duration_ms <= SLOW_ANSWER_SECONDS * 1000:
        return False
    _slow_until[endpoint_id] = time.monotonic() + SLOW_FOR_SECONDS
    return True


def slow_among(endpoint_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Those of the endpoints that answered slowly within the last SLOW_FOR_SECONDS."""
    now = time.monotonic()
    for endpoint_id, until in list(_slow_until.items()):
        if until <= now:
            del _slow_until[endpoint_id]
    return {endpoint_id for endpoint_id in endpoint_ids if endpoint_id in _slow_until}


def batch_size(endpoint_id: uuid.UUID, most: int) -> int:
    """How many deliveries to claim for the endpoint, at most ``most``: what its receiver
    answers in about BATCH_SECONDS, going by its answers of late (all of ``most`` for a
    receiver not heard from yet)."""
    seconds = _answer_seconds.get(endpoint_id)
    if not seconds:
        return most
    return max(1, min(most, int(BATCH_SECONDS / seconds)))
