"""A bounded load generator: a fixed number of requests from N keep-alive
connections (one thread each), with an overall time limit. Only 127.0.0.1."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench import params


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    elapsed: float = 0.0
    errors: int = 0
    first_error: str = ""

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0

    def merge(self, other: LoadResult) -> LoadResult:
        return LoadResult(
            self.latencies + other.latencies,
            self.elapsed + other.elapsed,
            self.errors + other.errors,
            self.first_error or other.first_error,
        )

    def summary(self) -> dict[str, float | int | str]:
        return {
            "requests": self.count,
            "errors": self.errors,
            "median_ms": round(percentile(self.latencies, 50) * 1000, 2),
            "p99_ms": round(percentile(self.latencies, 99) * 1000, 2),
            "rps": round(self.rps, 1),
            **({"first_error": self.first_error} if self.first_error else {}),
        }


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    if pct == 50:
        return statistics.median(values)
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def run(
    port: int,
    make_request: Callable[[int], Request],
    count: int,
    concurrency: int = params.CLIENT_CONCURRENCY,
    time_limit: float = 120,
) -> LoadResult:
    """Send ``count`` requests (``make_request(i)`` builds the i-th) and time each."""
    result = LoadResult()
    lock = threading.Lock()
    next_index = iter(range(count))
    deadline = time.monotonic() + time_limit

    def worker() -> None:
        connection = http.client.HTTPConnection(params.HOST, port, timeout=params.REQUEST_TIMEOUT_SECONDS)
        latencies: list[float] = []
        try:
            while time.monotonic() < deadline:
                with lock:
                    index = next(next_index, None)
                if index is None:
                    break
                request = make_request(index)
                started = time.perf_counter()
                try:
                    connection.request(request.method, request.path, request.body, request.headers)
                    response = connection.getresponse()
                    body = response.read()
                except (OSError, http.client.HTTPException) as error:
                    connection.close()
                    connection = http.client.HTTPConnection(params.HOST, port, timeout=params.REQUEST_TIMEOUT_SECONDS)
                    _record_error(f"{request.method} {request.path}: {error!r}")
                    continue
                elapsed = time.perf_counter() - started
                if 200 <= response.status < 300:
                    latencies.append(elapsed)
                else:
                    _record_error(f"{request.method} {request.path}: {response.status} {body[:300]!r}")
        finally:
            connection.close()
            with lock:
                result.latencies.extend(latencies)

    def _record_error(message: str) -> None:
        with lock:
            result.errors += 1
            result.first_error = result.first_error or message

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - started
    return result
