"""Fan-out of events to webhook endpoints (the outbox)."""

from __future__ import annotations

from collections.abc import Sequence

from webhooks.models import Event


def create_deliveries(events: Sequence[Event]) -> int:
    """Write one delivery per matching active endpoint and event, in the caller's
    transaction, and queue them after commit. Returns how many were written.

    Endpoints and deliveries arrive with the webhook delivery models; until then
    there is nothing to fan out to.
    """
    return 0
