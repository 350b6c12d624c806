"""Receivers that answered slowly of late, as this worker process remembers them.

Scheduling, not state: nothing in the database depends on it, each worker process keeps
its own, and a restart forgets it. It only decides how a worker groups its claims: an
endpoint whose receiver took longer than SLOW_ANSWER_SECONDS to answer is claimed on its
own, after the others, for SLOW_FOR_SECONDS, so deliveries to other endpoints are never
claimed only to wait behind it (see docs/webhook-delivery.md).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

SLOW_ANSWER_SECONDS = 0.5
SLOW_FOR_SECONDS = 60.0

_slow_until: dict[uuid.UUID, float] = {}  # endpoint id -> monotonic time


def note_answer(endpoint_id: uuid.UUID, duration_ms: int) -> bool:
    """Remember the endpoint as slow when this answer took too long; returns whether it did."""
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
