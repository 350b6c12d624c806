"""``make bench``: the product against a bare floor app doing the same work.

Sets up a PostgreSQL benchmark database (seeded once, reused after), starts the
product and the floor under the same gunicorn settings, a local webhook receiver
and, for the delivery scenario, Celery workers; runs every scenario, prints a
table and PASS/MISS per target, and writes bench/results.json. Every process it
starts is stopped on the way out, whatever happens.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson  # noqa: E402
import redis  # noqa: E402

from bench import data, params, procs, report  # noqa: E402


def flush_redis() -> None:
    for url in (params.BROKER_URL, params.CACHE_URL):
        redis.Redis.from_url(url).flushdb()


def flush_broker() -> None:
    redis.Redis.from_url(params.BROKER_URL).flushdb()


def timed_step(number: int, total: int, label: str, step: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    print(f"[{number}/{total}] {label} ...", flush=True)
    started = time.monotonic()
    try:
        result = step()
    except Exception as error:  # one broken scenario must not hide the others
        traceback.print_exc()
        result = {"error": f"{type(error).__name__}: {error}"[:500]}
    result["seconds"] = round(time.monotonic() - started, 1)
    print(f"[{number}/{total}] {label}: {summary_line(result)} ({result['seconds']}s)", flush=True)
    return result


def summary_line(result: dict[str, Any]) -> str:
    if "error" in result or "skipped" in result:
        return f"not measured ({result.get('error') or result.get('skipped')})"[:300]
    if "ratio" in result and "product" in result:
        return (
            f"product {result['product']['rps']} req/s, floor {result['floor']['rps']} req/s, "
            f"floor/product {result['ratio']}"
            + ("" if result["same_json"] else " (JSON differs!)")
            + ("" if result["same_sql"] else " (floor SQL out of step!)")
        )
    if "ten_endpoints" in result:
        return (
            f"median {result['none']['median_ms']} ms without endpoints, "
            f"{result['ten_endpoints']['median_ms']} ms with 10 (x{result['ratio']})"
        )
    if "share_of_floor" in result:
        return f"{result['share_of_floor']:.0%} of the floor's deliveries/s"
    return "done"


def start_servers(token: str) -> None:
    env = params.server_environment()
    receiver = procs.start("receiver", [params.PYTHON, "-m", "bench.receiver", str(params.RECEIVER_PORT)], env)
    procs.wait_for_http("receiver", receiver, f"http://{params.HOST}:{params.RECEIVER_PORT}/_count")
    procs.gunicorn("product", "config.wsgi:application", params.PRODUCT_PORT, env)
    procs.gunicorn("floor", "bench.floor:app", params.FLOOR_PORT, env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="run only these scenarios (e.g. rest_get webhooks)")
    only = set(parser.parse_args().only)
    started = time.monotonic()
    procs.install_cleanup()
    results: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "settings": {
            "gunicorn": f"{params.GUNICORN_WORKERS} workers, gthread, {params.GUNICORN_THREADS} threads each",
            "client_concurrency": params.CLIENT_CONCURRENCY,
            "database": params.DATABASE_URL,
        },
        "scenarios": {},
    }
    try:
        print(f"Benchmark database {params.DATABASE_NAME} on 127.0.0.1:5432", flush=True)
        if data.ensure_database():
            print(f"  created database {params.DATABASE_NAME}", flush=True)
        data.setup_django()
        data.manage("migrate", "--no-input", "-v", "1")
        flush_redis()
        bench = data.prepare()
        results["seed"] = bench.seed
        print("Starting the product, the floor and the receiver", flush=True)
        start_servers(bench.token)

        from bench.scenarios import create, queries, reads, webhooks

        steps: list[tuple[str, str, Callable[[], dict[str, Any]]]] = [
            (s.key, s.label, lambda s=s: reads.run(s, bench.token, bench.person_ids)) for s in reads.SCENARIOS
        ]
        steps += [
            (
                "queries",
                "SQL queries per request, page size 10 vs 200",
                lambda: queries.run(bench.token, bench.person_ids),
            ),
            ("create", "REST create: 10 webhook endpoints vs none", lambda: create.run(flush_broker)),
            ("webhooks", "Webhook delivery (burst, floor, paced)", lambda: webhooks.run(flush_broker)),
        ]
        steps = [step for step in steps if not only or step[0] in only]
        for number, (key, label, step) in enumerate(steps, start=1):
            results["scenarios"][key] = timed_step(number, len(steps), label, step)
    except KeyboardInterrupt:
        print("\nInterrupted: stopping everything the benchmark started.", flush=True)
        return 130
    finally:
        procs.stop_all()
    results["total_seconds"] = round(time.monotonic() - started, 1)

    print()
    print(report.table(results))
    print()
    verdicts = report.targets(results)
    if results.get("seed") and results["seed"].get("seconds") is not None:
        seed, seconds = results["seed"], results["seed"]["seconds"]
        ok = seconds < params.SEED_BUDGET_SECONDS
        when = f" (measured when seeded, {seed['seeded_at']}; data reused)" if seed["reused"] else ""
        verdicts.insert(0, ("PASS" if ok else "MISS", f"seed {params.PEOPLE:,} people < 2 min", f"{seconds}s{when}"))
    for verdict, name, measured in verdicts:
        print(f"{verdict:4}  {name}: {measured}")
    results["targets"] = [{"result": v, "target": n, "measured": m} for v, n, m in verdicts]
    params.RESULTS_PATH.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    print(f"\nResults written to {params.RESULTS_PATH.relative_to(params.ROOT)} ({results['total_seconds']}s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
