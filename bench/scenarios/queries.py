"""SQL queries per request at page sizes 10 and 200, measured in-process with the
Django test client: they must be equal (no query per row)."""

from __future__ import annotations

from typing import Any

from bench.scenarios import reads
from bench.sql_check import product_statements


def run(token: str, ids: list[str]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for scenario in reads.SCENARIOS:
        counts, statuses, sql = {}, set(), {}
        for size in (10, 200):
            status, statements = product_statements(token, scenario.build(0, token, ids, size))
            counts[size], sql[size] = len(statements), [s[:160] for s in statements]
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
    # Under "requests", so the step's own keys (seconds, error) don't mix with them.
    return {"requests": results}
