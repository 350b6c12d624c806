"""Celery tasks. Each takes only ids and reloads everything from the database, so
running one twice, late or after a crash does no harm."""

from __future__ import annotations

from celery import shared_task

from webhooks.services.delivering import deliver
from webhooks.services.delivering import deliver_to_endpoints as send_to_endpoints
from webhooks.services.queueing import DELIVER_TO_ENDPOINTS
from webhooks.services.retention import prune_webhook_history
from webhooks.services.sweeper import sweep


@shared_task(name=DELIVER_TO_ENDPOINTS, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_to_endpoints(endpoint_ids: list[str]) -> None:
    """Everything due to these endpoints (one message per commit or per swept endpoint)."""
    if isinstance(endpoint_ids, list):
        send_to_endpoints(endpoint_ids)


@shared_task(name="webhooks.deliver", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_webhook(delivery_id: str) -> None:
    """One delivery and then its endpoint's backlog (messages queued by earlier versions)."""
    deliver(delivery_id)


@shared_task(name="webhooks.sweep", ignore_result=True)
def sweep_webhook_deliveries() -> int:
    return sweep()


@shared_task(name="webhooks.prune", ignore_result=True)
def prune_webhook_history_task() -> int:
    return prune_webhook_history()
