"""Celery tasks. Each takes at most an id and reloads everything from the database,
so running one twice, late or after a crash does no harm."""

from __future__ import annotations

import uuid

from celery import shared_task

from webhooks.services.delivering import deliver
from webhooks.services.retention import prune_webhook_history
from webhooks.services.sweeper import sweep


@shared_task(name="webhooks.deliver", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_webhook(delivery_id: str) -> None:
    try:
        parsed = uuid.UUID(str(delivery_id))
    except ValueError:
        return
    deliver(parsed)


@shared_task(name="webhooks.sweep", ignore_result=True)
def sweep_webhook_deliveries() -> int:
    return sweep()


@shared_task(name="webhooks.prune", ignore_result=True)
def prune_webhook_history_task() -> int:
    return prune_webhook_history()
