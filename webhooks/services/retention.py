"""Pruning the webhook history: events, their deliveries and attempts older than
WEBHOOK_RETENTION_DAYS."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from webhooks.models import Attempt, Delivery, Event

# Deleted in chunks so a large backlog never becomes one long-locking transaction.
CHUNK = 1000


def prune_webhook_history(now: datetime | None = None) -> int:
    """Delete old events with their deliveries and attempts; returns how many events.

    An event whose delivery is still waiting or being sent is kept until it is done,
    whatever its age.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_RETENTION_DAYS)
    unfinished = Delivery.objects.filter(status__in=[Delivery.Status.PENDING, Delivery.Status.DELIVERING])
    old_events = Event.objects.filter(created_at__lt=cutoff).exclude(id__in=unfinished.values("event_id"))
    pruned = 0
    while True:
        ids = list(old_events.values_list("id", flat=True)[:CHUNK])
        if not ids:
            return pruned
        with transaction.atomic():
            Attempt.objects.filter(delivery__event_id__in=ids).delete()
            Delivery.objects.filter(event_id__in=ids).delete()
            Event.objects.filter(id__in=ids).delete()
        pruned += len(ids)
