"""The Celery app: ``celery -A config worker`` and ``celery -A config beat``."""

import os
from typing import Any

from celery import Celery, signature

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def add_beat_schedule(sender: Celery, **kwargs: Any) -> None:
    """The beat_schedule, read from the Django settings once they are loaded."""
    from django.conf import settings

    sweep_every = settings.WEBHOOK_SWEEP_INTERVAL_SECONDS
    # A sweep stuck in a long queue is stale (later ones are coming); dropping it keeps
    # a busy queue from filling with sweeps.
    sender.add_periodic_task(
        sweep_every, signature("webhooks.sweep"), name="sweep webhook deliveries", expires=max(10.0, 3 * sweep_every)
    )
    sender.add_periodic_task(3600.0, signature("webhooks.prune"), name="prune webhook history", expires=3600)
