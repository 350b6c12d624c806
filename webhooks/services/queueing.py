"""Handing deliveries to Celery.

The database is the source of truth: a message is only a nudge. If the broker cannot
take it, the delivery stays due in the database and the sweeper queues it later.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from django.conf import settings

from webhooks.models import Delivery

logger = logging.getLogger(__name__)


def queue_deliveries(delivery_ids: Sequence[uuid.UUID | str]) -> int:
    """Send one task message per delivery; returns how many reached the broker.

    On a broker error the remaining deliveries lose their queue lease, so the next
    sweep picks them up instead of waiting for the lease to run out.
    """
    from webhooks.tasks import deliver_webhook  # the task module imports the services

    for index, delivery_id in enumerate(delivery_ids):
        try:
            deliver_webhook.apply_async(args=[str(delivery_id)], queue=settings.CELERY_TASK_DEFAULT_QUEUE)
        except Exception:
            unsent = list(delivery_ids[index:])
            logger.warning("Broker unreachable; %d webhook deliveries left for the sweeper", len(unsent), exc_info=True)
            _release_queue_leases(unsent)
            return index
    return len(delivery_ids)


def _release_queue_leases(delivery_ids: list[uuid.UUID | str]) -> None:
    try:
        Delivery.objects.filter(id__in=delivery_ids, status=Delivery.Status.PENDING).update(claimed_until=None)
    except Exception:
        # The leases then simply run out; nothing is lost either way.
        logger.warning("Could not release queue leases", exc_info=True)
