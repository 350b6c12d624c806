"""Publishing task messages off the request's path.

A write's deliveries are committed in the database before any message is sent, and a
message only says "these endpoints have deliveries due" (see queueing.py). So a request
need not wait for the broker: after its commit it hands the endpoints to this process's
publisher thread and answers. The thread publishes whatever has gathered since its last
message as one message, so a busy process sends one message per round trip to the broker
rather than one per write, and a slow or unreachable broker slows no request.

Nothing here is state. What is handed over is a set of endpoint ids, each named once
however many writes name it, so it is bounded by the endpoints there are. A process that
dies before publishing leaves its deliveries with their queue lease (``queued_until``);
once that runs out, the sweeper queues them (docs/webhook-delivery.md). A message the
broker refuses is handled as queueing.queue_endpoints always does: the leases are
released, so the next sweep picks the deliveries up.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterable

from celery import current_app
from django.db import connections

from webhooks.services.queueing import queue_endpoints

logger = logging.getLogger(__name__)

# How long a process that exits waits for what it still has to publish.
EXIT_FLUSH_SECONDS = 2.0


class Publisher:
    """A thread that publishes the endpoints handed to it, many at a time."""

    def __init__(self) -> None:
        self._pending: dict[str, None] = {}  # endpoint ids, in the order they came
        self._publishing = False
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None

    def publish(self, endpoint_ids: Iterable[uuid.UUID | str]) -> None:
        """Have a message name these endpoints soon; returns at once."""
        with self._condition:
            self._pending.update(dict.fromkeys(map(str, endpoint_ids)))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="webhook-publisher", daemon=True)
                self._thread.start()
            self._condition.notify()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything handed over so far is published (or given up on);
        returns False if that took longer than ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._pending or self._publishing:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._thread is None:
                    return False
                self._condition.wait(remaining)
        return True

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._pending:
                    self._condition.wait()
                endpoint_ids, self._pending = list(self._pending), {}
                self._publishing = True
            try:
                queue_endpoints(endpoint_ids)
            except Exception:
                # queue_endpoints handles a broker that refuses; anything else is a bug,
                # and the deliveries are still the sweeper's once their queue lease runs out.
                logger.exception("Could not publish a message for %d webhook endpoints", len(endpoint_ids))
            finally:
                # Only a refused message opens a database connection here (to release the
                # queue leases): a rare event, not worth keeping a connection open for.
                connections.close_all()
                with self._condition:
                    self._publishing = False
                    self._condition.notify_all()


_publisher: tuple[int, Publisher] | None = None
_lock = threading.Lock()


def publisher() -> Publisher:
    """This process's publisher (a new one after fork: a thread does not survive it)."""
    global _publisher
    with _lock:
        if _publisher is None or _publisher[0] != os.getpid():
            _publisher = (os.getpid(), Publisher())
        return _publisher[1]


def publish(endpoint_ids: Iterable[uuid.UUID | str]) -> None:
    """Hand these endpoints to this process's publisher (for after a commit)."""
    if current_app.conf.task_always_eager:
        # Celery's eager mode runs tasks where they are sent, at once: so here too.
        queue_endpoints(endpoint_ids)
        return
    publisher().publish(endpoint_ids)


@atexit.register
def _flush_at_exit() -> None:
    # Best effort: whatever is not published in time waits for the sweeper.
    if _publisher is not None and _publisher[0] == os.getpid():
        _publisher[1].flush(EXIT_FLUSH_SECONDS)
