"""``make bench``: the product against a real peer (PostGraphile) and an honest floor.

Installs the peer (bench/peer, npm ci) when needed, sets up a PostgreSQL benchmark
database (seeded once, reused after), starts the product and the floor under the same
web server settings, the peer as one process and as a cluster, a local webhook receiver
and, for the delivery scenario, Celery workers; runs every scenario, prints a table and
PASS/MISS per target, and writes bench/results.json. Every process it starts is
stopped on the way out, whatever happens.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
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

from bench import data, params, peer, procs, report  # noqa: E402


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
        result = {"label": label, "error": f"{type(error).__name__}: {error}"[:500]}
    result["seconds"] = round(time.monotonic() - started, 1)
    print(f"[{number}/{total}] {label}: {summary_line(result)} ({result['seconds']}s)", flush=True)
    return result


def summary_line(result: dict[str, Any]) -> str:
    if "error" in result or "skipped" in result:
        return f"not measured ({result.get('error') or result.get('skipped')})"[:300]
    if "sides" in result:
        sides = ", ".join(f"{side['label']} {side['rps']} req/s" for side in result["sides"].values())
        problems = "; ".join(f"{key}: {problem}" for key, problem in result.get("problems", {}).items())
        return sides + (f" (! {problems})"[:300] if problems else "")
    if "ten_endpoints" in result:
        return (
            f"median {result['none']['median_ms']} ms without endpoints, "
            f"{result['ten_endpoints_publishing']['median_ms']} ms with 10, each write publishing "
            f"(x{result['publishing_ratio']})"
        )
    if "share_of_floor" in result:
        return f"{result['share_of_floor']:.0%} of the floor's deliveries/s"
    return "done"


def start_servers(with_peer: bool) -> None:
    env = params.server_environment()
    receiver = procs.start("receiver", [params.PYTHON, "-m", "bench.receiver", str(params.RECEIVER_PORT)], env)
    procs.wait_for_http("receiver", receiver, f"http://{params.HOST}:{params.RECEIVER_PORT}/_count")
    procs.web_server("product", "config.web_app:application", params.PRODUCT_PORT, env)
    procs.web_server("floor", "bench.floor:app", params.FLOOR_PORT, env)
    if with_peer:
        try:
            peer.start_all()
        except RuntimeError as error:
            print(f"  peer: did not start, so its comparisons are skipped:\n{error}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="run only these scenarios (e.g. get_one webhooks)")
    only = set(parser.parse_args().only)
    started = time.monotonic()
    procs.install_cleanup()
    results: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "settings": {
            "web_server": f"granian (config/web.py), {params.WEB_WORKERS} workers, {params.WEB_THREADS} threads each",
            "peer": f"PostGraphile, 1 process and a {params.PEER_CLUSTER_WORKERS}-worker cluster",
            "client_concurrency": params.CLIENT_CONCURRENCY,
            "rounds": params.ROUNDS,
            "database": params.DATABASE_URL,
        },
        "scenarios": {},
    }
    try:
        from bench.scenarios import side_by_side

        with_peer = any(side_by_side.needs_peer(s) for s in side_by_side.SCENARIOS if not only or s.key in only)
        if with_peer:
            try:
                peer.ensure_installed()
            except (OSError, RuntimeError, subprocess.CalledProcessError) as error:
                print(f"  peer: could not be installed, so its comparisons are skipped: {error}", flush=True)
                with_peer = False
        print(f"Benchmark database {params.DATABASE_NAME} on 127.0.0.1:5432", flush=True)
        if data.ensure_database():
            print(f"  created database {params.DATABASE_NAME}", flush=True)
        data.setup_django()
        data.manage("migrate", "--no-input", "-v", "1")
        flush_redis()
        bench = data.prepare()
        results["seed"] = bench.seed
        print("Starting the product, the floor, the receiver" + (" and the peer" if with_peer else ""), flush=True)
        start_servers(with_peer)

        from bench.scenarios import create, queries, webhooks

        keys = side_by_side.Keys(bench.token, bench.person_ids)
        steps: list[tuple[str, str, Callable[[], dict[str, Any]]]] = [
            (s.key, s.label, lambda s=s: side_by_side.run(s, keys)) for s in side_by_side.SCENARIOS
        ]
        steps += [
            ("queries", "SQL queries per request, page size 10 vs 200", lambda: queries.run(bench.token)),
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
