"""REST create latency with 10 matching webhook endpoints vs none.

One client, one request at a time: this is about what the fan-out adds to each
write (delivery rows in the transaction, queuing after commit), not throughput.
No worker runs; the queued messages are dropped afterwards.

With no worker, each endpoint's first message stays waiting, so the later writes only
check for it (one Redis round trip) and publish nothing: the case of a busy endpoint.
A third series clears those markers before every write, as a worker taking each message
at once would, so every write also publishes a message: the case of a quiet endpoint.
Both are reported; the target is judged on the one where every write publishes, the
dearer of the two.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import redis

from bench import data, documents, load, params
from bench.load import LoadResult, Request

ENDPOINTS = 10


def run(flush_broker: Any) -> dict[str, Any]:
    from webhooks.services import nudges
    from webhooks.services.endpoints import create_endpoint

    broker = redis.Redis.from_url(params.BROKER_URL)

    workspace, token = data.reset_writes_workspace()
    counter = iter(range(10**9))

    def make(index: int) -> Request:
        return documents.rest_create(token, next(counter))

    def make_with_no_message_waiting(index: int) -> Request:
        markers = [nudges.KEY_PREFIX + str(endpoint.id) for endpoint in endpoints]
        if markers:
            broker.delete(*markers)
        return make(index)

    def timed(count: int, build: Callable[[int], Request] = make) -> LoadResult:
        return load.run(params.PRODUCT_PORT, build, count, concurrency=1)

    probe = load.run(params.PRODUCT_PORT, make, 1, concurrency=1)
    if probe.errors:
        return {"skipped": probe.first_error}
    endpoints = []
    none, ten, publishing = LoadResult(), LoadResult(), LoadResult()
    per_round = max(1, params.CREATE_REQUESTS // params.ROUNDS)
    try:
        timed(20)
        for _ in range(params.ROUNDS):
            none = none.merge(timed(per_round))
            endpoints = [
                create_endpoint(
                    workspace,
                    target_url=f"http://{params.HOST}:{params.RECEIVER_PORT}/hook/{i}",
                    operations=["person.created"],
                    description=f"bench {i}",
                )
                for i in range(ENDPOINTS)
            ]
            ten = ten.merge(timed(per_round))
            publishing = publishing.merge(timed(per_round, make_with_no_message_waiting))
            for endpoint in endpoints:
                endpoint.delete()
    finally:
        data.reset_writes_workspace()
        flush_broker()
    ratio = _median(ten) / _median(none) if none.latencies else float("inf")
    publishing_ratio = _median(publishing) / _median(none) if none.latencies else float("inf")
    return {
        "label": "REST create: 10 endpoints vs none",
        "none": none.summary(),
        "ten_endpoints": ten.summary(),
        "ten_endpoints_publishing": publishing.summary(),
        "ratio": round(ratio, 2),
        "publishing_ratio": round(publishing_ratio, 2),
        "p99_ratio": round(_p99(ten) / _p99(none), 2) if none.latencies else None,
        "target": "median latency with 10 endpoints, each write publishing, <= 1.3x none",
        "pass": publishing_ratio <= 1.3 and not (none.errors or ten.errors or publishing.errors),
    }


def _median(result: LoadResult) -> float:
    return load.percentile(result.latencies, 50)


def _p99(result: LoadResult) -> float:
    return load.percentile(result.latencies, 99)
