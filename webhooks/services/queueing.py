"""Handing work to Celery.

The database is the source of truth: a message is only a nudge saying "these endpoints
have deliveries due". A worker that gets one sends everything due to each endpoint, in
batches. If the broker cannot take the message, the deliveries stay due in the database
and the sweeper queues them later. What the queue lease and the message markers mean
is set out in docs/webhook-delivery.md.
"""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Iterable
from typing import Any

import orjson
from celery import current_app
from celery.utils import uuid as task_id
from django.conf import settings
from kombu import serialization

from crm import redis_threads
from webhooks.models import Delivery
from webhooks.services import nudges

logger = logging.getLogger(__name__)

# The task is sent by name: webhooks.tasks stands on these services, not the other way.
DELIVER_TO_ENDPOINTS = "webhooks.deliver_endpoints"


def queue_endpoints(endpoint_ids: Iterable[uuid.UUID | str], *, even_if_waiting: bool = False) -> bool:
    """Send one task message naming the endpoints; returns whether the work is queued.

    One message for a whole commit, however many endpoints it concerns: each message
    costs the writer a broker round trip. Endpoints that already have a message waiting
    are left out (see nudges.py), and with none left nothing is sent; the sweeper passes
    ``even_if_waiting``, since it queues exactly what a lost message would have covered.
    On a broker error the endpoints' deliveries lose their queue lease, so the next sweep
    picks them up instead of waiting for the lease to run out.
    """
    ids = list(dict.fromkeys(str(endpoint_id) for endpoint_id in endpoint_ids))
    unmarked = nudges.claim(ids)
    if not even_if_waiting:
        ids = unmarked
    if not ids:
        return True
    try:
        _send(ids)
    except Exception:
        logger.warning("Broker unreachable; %d webhook endpoints left for the sweeper", len(ids), exc_info=True)
        nudges.clear(unmarked)
        release_queue_leases(ids)
        return False
    return True


def _send(endpoint_ids: list[str]) -> None:
    """The task message, as Celery builds it. With a Redis broker it is pushed onto the
    queue's list as kombu would push it, in one command on the thread's own connection
    (see _redis_envelope); with another, Celery's own publishing sends it."""
    app = current_app
    # An explicit argsrepr spares Celery building a safe repr of the ids on every
    # publish; worker logs show how many endpoints a message names instead.
    argsrepr = f"[{len(endpoint_ids)} endpoints]"
    if app.conf.task_always_eager:
        # Run in this process (as some tests do): apply_async knows how.
        app.tasks[DELIVER_TO_ENDPOINTS].apply_async(args=[endpoint_ids], argsrepr=argsrepr, kwargsrepr="{}")
        return
    message = app.amqp.as_task_v2(
        task_id(), DELIVER_TO_ENDPOINTS, args=[endpoint_ids], argsrepr=argsrepr, kwargsrepr="{}", ignore_result=True
    )
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    client = nudges.broker_redis()
    if client is not None:
        prefix = (app.conf.broker_transport_options or {}).get("global_keyprefix", "")
        redis_threads.call(client, "LPUSH", f"{prefix}{queue}", _redis_envelope(message, queue))
        return
    with app.producer_or_acquire() as producer:
        app.amqp.send_task_message(producer, DELIVER_TO_ENDPOINTS, message, queue=queue)


def _redis_envelope(message: Any, queue: str) -> bytes:
    """The message as kombu's Redis transport stores it in a queue's list (what its
    Channel._put pushes after basic_publish has filled in the delivery details): kombu's
    publishing machinery, with its producer pool, retries and exchange lookup, cost more
    than the rest of a write's publish together. A worker reads it as any other message
    (the worker tests consume nothing else)."""
    headers, properties, body, _sent_event = message
    content_type, content_encoding, data = serialization.dumps(body, serializer="json")
    return orjson.dumps(
        {
            "body": base64.b64encode(data.encode() if isinstance(data, str) else data).decode(),
            "content-encoding": content_encoding,
            "content-type": content_type,
            "headers": headers,
            "properties": {
                **properties,
                "delivery_mode": 2,
                "delivery_info": {"exchange": "", "routing_key": queue},
                "priority": 0,
                "body_encoding": "base64",
                "delivery_tag": str(uuid.uuid4()),
            },
        }
    )


def release_queue_leases(endpoint_ids: Iterable[uuid.UUID | str]) -> None:
    """Make the endpoints' waiting deliveries visible to the next sweep."""
    try:
        Delivery.objects.filter(
            endpoint_id__in=list(endpoint_ids), status=Delivery.Status.PENDING, queued_until__isnull=False
        ).update(queued_until=None)
    except Exception:
        # The leases then simply run out; nothing is lost either way.
        logger.warning("Could not release queue leases", exc_info=True)
