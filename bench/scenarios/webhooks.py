"""Webhook delivery, end to end: records written through the record service, events
fanned out to endpoints on the local receiver, delivered by Celery workers.

- burst: WEBHOOK_EVENTS events (batches of creates) to WEBHOOK_ENDPOINTS endpoints;
  deliveries per second from the first commit to the last receipt;
- floor: the very same POSTs (path, headers, body as received) replayed over as many
  keep-alive connections at once as the product's workers use (one process each,
  plain http.client, nothing done but send and read the answer);
- paced: PACED_EVENTS_PER_SECOND single creates per second for PACED_SECONDS, to the
  same endpoints; commit-to-receipt latency (commit time = the Event's created_at);
  then the same pace to one endpoint only, as a diagnostic.
"""

from __future__ import annotations

import http.client
import multiprocessing
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import orjson

from bench import data, load, params, procs

RECEIVER = f"http://{params.HOST}:{params.RECEIVER_PORT}"
REPLAYED_HEADERS = ("content-type", "user-agent", "webhook-", "x-twenty-")
# Deliveries per second, as a share of what the floor sends over the same number of connections.
DELIVERY_SHARE_TARGET = 0.7


def receiver_get(path: str) -> Any:
    with urllib.request.urlopen(RECEIVER + path, timeout=60) as response:
        return orjson.loads(response.read())


def receiver_reset() -> None:
    urllib.request.urlopen(urllib.request.Request(RECEIVER + "/_reset", data=b"", method="POST"), timeout=10).close()


def wait_for_receipts(expected: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    count = receiver_get("/_count")
    while count < expected and time.monotonic() < deadline:
        time.sleep(0.5)
        count = receiver_get("/_count")
    return count


def start_workers() -> list[Any]:
    from config.celery import app

    celery = str(params.VENV_BIN / "celery")
    env = params.server_environment()
    worker = procs.start(
        "celery-worker",
        [celery, "-A", "config", "worker", f"--concurrency={params.CELERY_CONCURRENCY}", "--loglevel=WARNING",
         "--hostname=bench@%h", "--without-gossip", "--without-mingle"],
        env,
    )  # fmt: skip
    beat = procs.start("celery-beat", [celery, "-A", "config", "beat", "--loglevel=WARNING"], env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the Celery worker exited:\n{procs.log_tail('celery-worker')}")
        if app.control.ping(timeout=1.0):
            return [worker, beat]
    raise RuntimeError(f"the Celery worker did not answer a ping:\n{procs.log_tail('celery-worker')}")


def latency_summary(receipts: list[dict[str, Any]], committed: dict[str, float]) -> dict[str, Any]:
    """Commit-to-receipt per delivery (the first receipt of each webhook-id)."""
    first: dict[str, dict[str, Any]] = {}
    for receipt in receipts:
        first.setdefault(receipt["webhookId"] or id(receipt), receipt)
    latencies = [r["received"] - committed[r["eventId"]] for r in first.values() if r["eventId"] in committed]
    return {
        "deliveries": len(first),
        "duplicates": len(receipts) - len(first),
        "median_ms": round(load.percentile(latencies, 50) * 1000, 1),
        "p99_ms": round(load.percentile(latencies, 99) * 1000, 1),
        "max_ms": round(max(latencies, default=float("nan")) * 1000, 1),
    }


def commit_times(workspace: Any) -> dict[str, float]:
    from webhooks.models import Event

    return {str(i): t.timestamp() for i, t in Event.objects.filter(workspace=workspace).values_list("id", "created_at")}


def delivery_statuses(workspace: Any) -> dict[str, int]:
    from django.db.models import Count

    from webhooks.models import Delivery

    rows = Delivery.objects.filter(event__workspace=workspace).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def person(n: int) -> dict[str, Any]:
    return {
        "name": {"firstName": "Hook", "lastName": f"Event {n}"},
        "emails": {"primaryEmail": f"hook.event{n}@example.com", "additionalEmails": []},
        "jobTitle": "Benchmark",
        "city": "Lisbon",
    }


def burst(workspace: Any) -> dict[str, Any]:
    from crm.services.actor import Actor
    from crm.services.records import create_records

    actor = Actor(source="API", name="Benchmark")
    expected = params.WEBHOOK_EVENTS * params.WEBHOOK_ENDPOINTS
    receiver_reset()
    started = time.time()
    for start in range(0, params.WEBHOOK_EVENTS, params.WEBHOOK_EVENT_BATCH):
        size = min(params.WEBHOOK_EVENT_BATCH, params.WEBHOOK_EVENTS - start)
        create_records(workspace, "person", [person(start + i) for i in range(size)], actor, max_batch=size)
    written_in = time.time() - started
    print(f"    {params.WEBHOOK_EVENTS} events written in {written_in:.1f}s; waiting for {expected} deliveries")
    received = wait_for_receipts(expected, params.WEBHOOK_WAIT_SECONDS)
    receipts = receiver_get("/_receipts")
    committed = commit_times(workspace)
    first_commit = min(committed.values())
    last_receipt = max((r["received"] for r in receipts), default=first_commit)
    summary = latency_summary(receipts, committed)
    span = last_receipt - first_commit
    return {
        "events": params.WEBHOOK_EVENTS,
        "endpoints": params.WEBHOOK_ENDPOINTS,
        "expected": expected,
        "received": received,
        "complete": received >= expected,
        "events_written_seconds": round(written_in, 2),
        "seconds": round(span, 2),
        "deliveries_per_second": round(summary["deliveries"] / span, 1) if span > 0 else None,
        "commit_to_receipt": summary,
        "delivery_statuses": delivery_statuses(workspace),
    }


def floor_replay() -> dict[str, Any]:
    """The same POSTs the product made, sent over CELERY_CONCURRENCY keep-alive
    connections at once, each from a process of its own (as the workers are)."""
    sent = receiver_get("/_requests")
    receiver_reset()
    prepared = [
        (
            item["path"],
            {k: v for k, v in item["headers"].items() if k.lower().startswith(REPLAYED_HEADERS)},
            item["body"].encode(),
        )
        for item in sent
    ]
    connections = params.CELERY_CONCURRENCY
    # Fresh interpreters ("spawn"): a fork of this process would carry its database,
    # Redis and broker connections along. They start sending together, once all are ready.
    context = multiprocessing.get_context("spawn")
    ready, results = context.Barrier(connections + 1), context.Queue()
    senders = [
        context.Process(target=_send_share, args=(prepared[i::connections], ready, results)) for i in range(connections)
    ]
    for sender in senders:
        sender.start()
    ready.wait(timeout=60)
    shares = [results.get(timeout=params.FLOOR_REPLAY_SECONDS + 30) for _ in senders]
    for sender in senders:
        sender.join()
    count = sum(share["sent"] for share in shares)
    elapsed = max(share["finished"] for share in shares) - min(share["started"] for share in shares)
    return {
        "connections": connections,
        "deliveries": count,
        "failures": sum(share["failures"] for share in shares),
        "seconds": round(elapsed, 2),
        "deliveries_per_second": round(count / elapsed, 1) if elapsed > 0 else None,
    }


def _send_share(share: list[tuple[str, dict[str, str], bytes]], ready: Any, results: Any) -> None:
    """One connection's part of the floor replay (runs in a process of its own)."""
    connection = http.client.HTTPConnection(params.HOST, params.RECEIVER_PORT, timeout=10)
    connection.connect()
    sent = failures = 0
    ready.wait(timeout=60)
    started = time.time()
    deadline = started + params.FLOOR_REPLAY_SECONDS
    for path, headers, body in share:
        connection.request("POST", path, body, headers)
        response = connection.getresponse()
        response.read()
        failures += not 200 <= response.status < 300
        sent += 1
        if time.time() > deadline:
            break
    finished = time.time()
    connection.close()
    results.put({"sent": sent, "failures": failures, "started": started, "finished": finished})


def abandon_backlog(workspace: Any, flush_broker: Callable[[], None]) -> int:
    """Give up what the burst left undelivered, so the paced run starts from an idle system.
    (Marked failed rather than deleted: a worker may be claiming one of them right now.)"""
    from webhooks.models import Delivery

    flush_broker()
    pending = Delivery.objects.filter(event__workspace=workspace, status=Delivery.Status.PENDING)
    return pending.update(status=Delivery.Status.FAILED, next_attempt_at=None, queued_until=None)


def paced(workspace: Any, endpoints: int, seconds: int, numbered_from: int) -> dict[str, Any]:
    """Event n is written at start + n / rate, by one of a few writer threads. Its person
    is number ``numbered_from + n``: each run's people have emails of their own, as a
    primary email names one person."""
    from django.db import connection

    from crm.services.actor import Actor
    from crm.services.records import create_record
    from webhooks.models import Event

    actor = Actor(source="API", name="Benchmark")
    rate, writers = params.PACED_EVENTS_PER_SECOND, params.PACED_WRITERS
    events = rate * seconds
    before = set(map(str, Event.objects.filter(workspace=workspace).values_list("id", flat=True)))
    receiver_reset()
    started = time.monotonic() + 0.1

    def writer(first: int) -> None:
        try:
            for n in range(first, events, writers):
                delay = started + n / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                create_record(workspace, "person", person(numbered_from + n), actor)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    achieved = events / (time.monotonic() - started)
    expected = events * endpoints
    received = wait_for_receipts(expected, params.PACED_WAIT_SECONDS)
    committed = {k: v for k, v in commit_times(workspace).items() if k not in before}
    summary = latency_summary(receiver_get("/_receipts"), committed)
    return {
        "events": events,
        "events_per_second": round(achieved, 1),
        "endpoints": endpoints,
        "offered_deliveries_per_second": round(achieved * endpoints, 1),
        "expected": expected,
        "received": received,
        "commit_to_receipt": summary,
    }


def run(flush_broker: Callable[[], None]) -> dict[str, Any]:
    from webhooks.models import WebhookEndpoint
    from webhooks.services.endpoints import create_endpoint

    workspace, _token = data.reset_writes_workspace()
    endpoints = [
        create_endpoint(
            workspace,
            target_url=f"{RECEIVER}/hook/{i}",
            operations=["person.created"],
            description=f"bench {i}",
        )
        for i in range(params.WEBHOOK_ENDPOINTS)
    ]
    flush_broker()
    workers = start_workers()
    try:
        product = burst(workspace)
        print(
            f"    product: {product['received']}/{product['expected']} deliveries, "
            f"{product['deliveries_per_second']}/s; replaying them through the floor loop",
            flush=True,
        )
        floor = floor_replay()
        print(f"    floor: {floor['deliveries_per_second']}/s; paced run at {params.PACED_EVENTS_PER_SECOND} events/s")
        product["abandoned"] = abandon_backlog(workspace, flush_broker)
        steady = paced(workspace, params.WEBHOOK_ENDPOINTS, params.PACED_SECONDS, numbered_from=1_000_000)
        print(f"    paced: {steady['commit_to_receipt']}; again to one endpoint", flush=True)
        steady["abandoned"] = abandon_backlog(workspace, flush_broker)
        WebhookEndpoint.objects.filter(id__in=[e.id for e in endpoints[1:]]).update(is_active=False)
        single = paced(workspace, 1, params.DIAGNOSTIC_PACED_SECONDS, numbered_from=2_000_000)
    finally:
        for process in workers:
            procs.stop(process)
        flush_broker()
    share = (product["deliveries_per_second"] or 0) / floor["deliveries_per_second"] if floor["seconds"] else 0
    latency = steady["commit_to_receipt"]
    rate = params.PACED_EVENTS_PER_SECOND
    return {
        "label": "Webhook delivery",
        "product": product,
        "floor": floor,
        "share_of_floor": round(share, 3),
        "paced": steady,
        "paced_one_endpoint": single,
        "targets": {
            "throughput": {
                "target": f">= {DELIVERY_SHARE_TARGET:.0%} of the floor's deliveries/s",
                "pass": share >= DELIVERY_SHARE_TARGET and product["complete"],
            },
            "paced_latency": {
                "target": f"commit-to-receipt median < 50 ms, p99 < 500 ms at {rate} events/s",
                "pass": latency["median_ms"] < 50
                and latency["p99_ms"] < 500
                and steady["received"] >= steady["expected"],
            },
        },
    }
