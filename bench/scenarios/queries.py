"""SQL queries per request at page sizes 10 and 200, measured in-process with the
Django test client: they must be equal (no query per row)."""

from __future__ import annotations

from typing import Any

from bench.scenarios import reads


def run(token: str, ids: list[str]) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")

    def count(request: reads.Request) -> tuple[int, int, list[str]]:
        def send() -> Any:
            if request.method == "GET":
                return client.get(request.path)
            return client.post(request.path, request.body, content_type="application/json")

        send()  # the first request of a key may also load metadata or touch last_used_at
        with CaptureQueriesContext(connection) as captured:
            response = send()
        return response.status_code, len(captured.captured_queries), [q["sql"][:160] for q in captured]

    results: dict[str, Any] = {}
    # Under "requests", so the step's own keys (seconds, error) don't mix with them.
    for scenario in reads.SCENARIOS:
        counts, statuses, sql = {}, set(), {}
        for size in (10, 200):
            status, queries, statements = count(scenario.build(0, token, ids, size))
            counts[size], sql[size] = queries, statements
            statuses.add(status)
        if statuses != {200}:
            results[scenario.key] = {"label": scenario.label, "skipped": f"answered {sorted(statuses)}"}
            continue
        results[scenario.key] = {
            "label": scenario.label,
            "queries_at_10": counts[10],
            "queries_at_200": counts[200],
            "pass": counts[10] == counts[200],
            "sql_at_200": sql[200],
        }
    return {"requests": results}
