"""Every knob of the benchmark in one place, sized so ``make bench`` stays under
15 minutes on 2 cores (the first run also seeds 100,000 people)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python")
RESULTS_PATH = ROOT / "bench" / "results.json"
LOG_DIR = ROOT / "var" / "bench"

HOST = "127.0.0.1"
PG_DSN_ADMIN = os.environ.get("BENCH_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASE_NAME = os.environ.get("BENCH_DATABASE", "crm_bench")
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE_NAME}"
# Redis database numbers of our own, flushed at the start of every run.
BROKER_URL = "redis://127.0.0.1:6379/13"
CACHE_URL = "redis://127.0.0.1:6379/14"

PRODUCT_PORT = 8701
FLOOR_PORT = 8702
RECEIVER_PORT = 8703
# The peer (PostGraphile, bench/peer/) as one process and as a cluster of workers.
PEER_PORT = 8704
PEER_CLUSTER_PORT = 8705
PEER_CLUSTER_WORKERS = 2
PEER_DIR = ROOT / "bench" / "peer"

WORKSPACE = "bench"
# Writes go to a workspace of their own, rebuilt each run, so the read data set stays fixed.
WRITES_WORKSPACE = "bench-writes"
PEOPLE = 100_000
SEED_BUDGET_SECONDS = 120

# Same server settings for the product and the floor.
WEB_WORKERS = 2
WEB_THREADS = 2
CLIENT_CONCURRENCY = 4

# BENCH_SCALE=0.1 makes a quick trial run (fewer requests and events, same data).
SCALE = float(os.environ.get("BENCH_SCALE", "1"))

# Requests per server per scenario, split over rounds that take turns (product, floor,
# peer, product, ...), so background noise on a shared machine lands on every side.
LIST_REQUESTS = int(300 * SCALE)
GET_REQUESTS = int(2000 * SCALE)
GRAPHQL_REQUESTS = int(300 * SCALE)
# Creates are quick: 300 made rounds of a tenth of a second, where one hiccup of the
# machine decided a round; 1,600 take about half a second a round, like the reads.
CREATE_REQUESTS = int(1600 * SCALE)
ROUNDS = 4

WEBHOOK_EVENTS = int(5000 * SCALE)
WEBHOOK_ENDPOINTS = 5
WEBHOOK_EVENT_BATCH = 50
WEBHOOK_WAIT_SECONDS = 180
FLOOR_REPLAY_SECONDS = 60
PACED_WAIT_SECONDS = 45
PACED_EVENTS_PER_SECOND = 100
# Writers sharing the pace, so one slow write does not hold back the next event.
PACED_WRITERS = 4
PACED_SECONDS = max(2, int(15 * SCALE))
# A second, shorter paced run to one endpoint only (100 deliveries/s offered), to tell
# delivery latency apart from delivery capacity.
DIAGNOSTIC_PACED_SECONDS = max(2, int(8 * SCALE))
CELERY_CONCURRENCY = 2

REQUEST_TIMEOUT_SECONDS = 30


def server_environment() -> dict[str, str]:
    """Environment of every process the benchmark starts (and of the benchmark itself)."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": DATABASE_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "REDIS_URL": CACHE_URL,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        # The benchmark measures throughput, not the per-key limit.
        "API_RATE_LIMIT_PER_MINUTE": "1000000000",
        "WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "true",
        "VAR_DIR": str(LOG_DIR / "var"),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
