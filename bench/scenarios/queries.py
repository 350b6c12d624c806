"""SQL queries per request at page sizes 10 and 200, measured in-process with the
Django test client: they must be equal (no query per row)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench import documents
from bench.load import Request
from bench.sql_check import product_statements


def _requests(token: str) -> list[tuple[str, str, Callable[[int], Request]]]:
    """(key, label, the request for a page of a given size) for every paged request."""

    def graphql(query: str) -> Callable[[int], Request]:
        return lambda size: documents.graphql(token, query, {"first": size})

    return [
        ("rest_list", "REST list, depth=1", lambda size: documents.rest_list(token, size)),
        ("rest_list_filtered", "REST list filtered", lambda size: documents.rest_list_filtered(token, size)),
        ("graphql_list", "GraphQL list with totalCount", graphql(documents.GRAPHQL_LIST)),
        ("graphql_list_no_count", "GraphQL list, no totalCount", graphql(documents.GRAPHQL_LIST_NO_COUNT)),
    ]


def run(token: str) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for key, label, build in _requests(token):
        counts, statuses, sql = {}, set(), {}
        for size in (10, 200):
            status, statements = product_statements(token, build(size))
            counts[size], sql[size] = len(statements), [s[:160] for s in statements]
            statuses.add(status)
        if statuses != {200}:
            results[key] = {"label": label, "skipped": f"answered {sorted(statuses)}"}
            continue
        results[key] = {
            "label": label,
            "queries_at_10": counts[10],
            "queries_at_200": counts[200],
            "pass": counts[10] == counts[200],
            "sql_at_200": sql[200],
        }
    # Under "requests", so the step's own keys (seconds, error) don't mix with them.
    return {"requests": results}
