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
    # A sweep that waited longer than one interval is stale: the next one is already coming.
    sender.add_periodic_task(
        sweep_every, signature("webhooks.sweep"), name="sweep webhook deliveries", expires=sweep_every
    )
    sender.add_periodic_task(3600.0, signature("webhooks.prune"), name="prune webhook history", expires=3600)
