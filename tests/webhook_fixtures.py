"""Fixtures for the webhook tests: a broker of their own, a local receiver, and a real
Celery worker (with beat) running against the test database.

A pytest plugin of the suite (``pytest_plugins`` in tests/conftest.py): every test can
ask for these fixtures by name. The tests under tests/webhooks/ get a broker of their
own module by module (their conftest); others that send webhooks ask for
``webhook_broker`` with ``pytest.mark.usefixtures``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from child_processes import database_url, kill_group, start_in_own_group, stop_group
from django.conf import settings as django_settings
from kombu import pools
from receiver import Receiver

from config.celery import app as celery_app

# What the worker runs with: short waits so retries, leases and sweeps happen within a test.
WORKER_SETTINGS = {
    "WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "true",
    "WEBHOOK_TIMEOUT_SECONDS": "2",
    # Many short retries: the no-loss test's receiver fails a third of requests at random.
    "WEBHOOK_RETRY_SCHEDULE_SECONDS": ",".join(["0.3"] * 15),
    "WEBHOOK_LEASE_SECONDS": "5",
    "WEBHOOK_QUEUE_LEASE_SECONDS": "4",
    "WEBHOOK_SWEEP_INTERVAL_SECONDS": "0.5",
    "WEBHOOK_DRAIN_SECONDS": "5",
    "WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT": "2",
}

# A Redis database of the tests' own, for what needs a Redis broker when the suite runs
# on the filesystem one.
SPARE_REDIS = "redis://127.0.0.1:6379/15"


@dataclass
class Broker:
    url: str
    queue: str
    folder: Path | None
    transport_options: dict = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {"CELERY_BROKER_URL": self.url, "CELERY_TASK_DEFAULT_QUEUE": self.queue}
        if self.folder is not None:
            env["CELERY_BROKER_FOLDER"] = str(self.folder)
        return env

    def queued_messages(self) -> int:
        """Messages waiting in this run's queue (what the app published and no worker took)."""
        if self.folder is not None:
            # Hidden files are messages being written or being taken (config/filesystem_broker.py).
            names = [name for name in os.listdir(self.folder / "queue") if not name.startswith(".")]
            return sum(1 for name in names if name.endswith(f".{self.queue}.msg"))
        import redis

        return redis.Redis.from_url(self.url).llen(self.queue)


def use_broker(url: str, transport_options: dict) -> None:
    """Point this process's Celery app at another broker, dropping pooled connections."""
    # Celery derives the write/read URLs from the configured one; all three must move.
    celery_app.conf.broker_url = celery_app.conf.broker_write_url = celery_app.conf.broker_read_url = url
    celery_app.conf.broker_transport = django_settings.BROKER_TRANSPORTS.get(url.partition("://")[0])
    celery_app.conf.broker_transport_options = transport_options
    # kombu keeps pools in a registry keyed by broker: closing ours alone would leave a
    # closed pool there, handed back when this broker is used again.
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def filesystem_broker_options(folder: Path, **extra: Any) -> dict[str, Any]:
    """Transport options of a filesystem broker kept in ``folder`` (made here), laid out as
    config/settings.py lays out the embedded one."""
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(exist_ok=True)
    return {
        "control_folder": str(folder / "control"),
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "store_processed": False,
        **extra,
    }


@pytest.fixture(scope="module")
def webhook_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """The configured broker (filesystem, or Redis when CELERY_BROKER_URL says so), with a
    folder or queue unique to this module, so stale messages never reach these tests."""
    original = (celery_app.conf.broker_url, dict(celery_app.conf.broker_transport_options or {}))
    original_queue = django_settings.CELERY_TASK_DEFAULT_QUEUE
    queue = f"webhook-tests-{uuid.uuid4().hex[:10]}"
    url = django_settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = tmp_path_factory.mktemp("broker")
        broker = Broker(url, queue, folder, filesystem_broker_options(folder, polling_interval=0.1))
    else:
        broker = Broker(url, queue, None, original[1])
    django_settings.CELERY_TASK_DEFAULT_QUEUE = queue
    use_broker(broker.url, broker.transport_options)
    yield broker
    django_settings.CELERY_TASK_DEFAULT_QUEUE = original_queue
    use_broker(*original)
    if broker.folder is None:
        import redis

        redis.Redis.from_url(broker.url).delete(queue)


class CeleryWorker:
    """``celery -A config worker -B`` in its own process group, against the test database."""

    def __init__(self, broker: Broker, workdir: Path, extra_env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            **broker.env(),
            **WORKER_SETTINGS,
            **(extra_env or {}),
            "PYTHONUNBUFFERED": "1",
        }
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.workdir / f"worker-{self.starts}.log"

    def start(self, timeout: float = 30.0) -> CeleryWorker:
        self.starts += 1
        self.process = start_in_own_group(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", "-B"),
                *("--schedule", str(self.workdir / "beat-schedule")),
                *("--pool", "prefork", "--concurrency", "4", "--loglevel", "INFO"),
                *("--hostname", f"webhook-tests-{uuid.uuid4().hex[:8]}@%h"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            self.env,
            self.log_path,
        )
        deadline = time.monotonic() + timeout
        while b" ready." not in self.log_path.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start:\n{self.log()}")
            time.sleep(0.1)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def kill(self) -> None:
        """SIGKILL the worker, its pool processes and beat at once, as a crash or an OOM kill would."""
        if self.process is not None:
            kill_group(self.process)

    def stop(self) -> None:
        """A warm shutdown: running tasks finish."""
        if self.process is not None:
            stop_group(self.process)


@pytest.fixture(scope="module")
def celery_worker(
    webhook_broker: Broker, django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CeleryWorker]:
    worker = CeleryWorker(webhook_broker, tmp_path_factory.mktemp("worker")).start()
    yield worker
    worker.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def private_networks_allowed(settings) -> None:
    """The receiver listens on 127.0.0.1, which production refuses."""
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True


__all__ = [
    "Broker",
    "CeleryWorker",
    "celery_worker",
    "private_networks_allowed",
    "receiver",
    "webhook_broker",
]
