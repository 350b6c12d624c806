"""Read scenarios: the same requests against the product and the floor.

Rounds alternate product and floor, so background noise on a shared machine
lands on both. Before timing, one response of each is compared: the floor
only counts as a floor if it returns the same JSON.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from bench import load, params, procs
from bench.load import LoadResult, Request
from bench.sql_check import floor_difference, product_statements

ORDER = "createdAt[DescNullsLast]"
LIST_QUERY = "limit={limit}&depth=1&order_by=" + ORDER
FILTERED_QUERY = LIST_QUERY + "&filter=name.firstName[eq]:Ada"
# The floor answers exactly this query (bench/floor.py: graphql_people).
GRAPHQL_QUERY = (
    "query People($first: Int) { people(first: $first) {"
    " totalCount pageInfo { hasNextPage endCursor }"
    " edges { node { id name { firstName lastName } jobTitle createdAt company { name } } cursor } } }"
)


@dataclass(frozen=True)
class ReadScenario:
    key: str
    label: str
    requests: int
    build: Callable[[int, str, list[str], int], Request]  # (index, token, person ids, page size)
    target_ratio: float
    # The order_by the floor uses for the page query (None: no page of people).
    floor_order: str | None


def rest_list(index: int, token: str, ids: list[str], size: int) -> Request:
    return Request("GET", "/rest/people?" + LIST_QUERY.format(limit=size), headers=_auth(token))


def rest_list_filtered(index: int, token: str, ids: list[str], size: int) -> Request:
    return Request("GET", "/rest/people?" + FILTERED_QUERY.format(limit=size), headers=_auth(token))


def rest_get(index: int, token: str, ids: list[str], size: int) -> Request:
    return Request("GET", f"/rest/people/{ids[index % len(ids)]}", headers=_auth(token))


def graphql_list(index: int, token: str, ids: list[str], size: int) -> Request:
    body = orjson.dumps({"query": GRAPHQL_QUERY, "variables": {"first": size}})
    return Request("POST", "/graphql", body, {**_auth(token), "Content-Type": "application/json"})


SCENARIOS = [
    ReadScenario("rest_list", "REST list (60, depth=1)", params.LIST_REQUESTS, rest_list, 2.0, ORDER),
    ReadScenario("rest_list_filtered", "REST list filtered", params.LIST_REQUESTS, rest_list_filtered, 2.0, ORDER),
    ReadScenario("rest_get", "REST get one", params.GET_REQUESTS, rest_get, 2.0, None),
    ReadScenario("graphql_list", "GraphQL people(first: 60)", params.GRAPHQL_REQUESTS, graphql_list, 4.0, ""),
]


def _per_request(cpu_seconds: float, result: LoadResult) -> float | None:
    return round(cpu_seconds * 1000 / result.count, 2) if result.count else None


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def fetch(port: int, request: Request) -> tuple[int, Any]:
    connection = http.client.HTTPConnection(params.HOST, port, timeout=params.REQUEST_TIMEOUT_SECONDS)
    try:
        connection.request(request.method, request.path, request.body, request.headers)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    try:
        return response.status, orjson.loads(body)
    except orjson.JSONDecodeError:
        return response.status, body[:300]


def first_difference(a: Any, b: Any, path: str = "$") -> str | None:
    """Where two JSON documents differ, for the report; None when equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in dict.fromkeys([*a, *b]):
            if key not in a or key not in b:
                return f"{path}.{key}: only in {'product' if key in a else 'floor'}"
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items in the product, {len(b)} in the floor"
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: product {str(a)[:80]!r}, floor {str(b)[:80]!r}"


def run(scenario: ReadScenario, token: str, ids: list[str]) -> dict[str, Any]:
    def make(index: int) -> Request:
        return scenario.build(index, token, ids, 60)

    status, product_json = fetch(params.PRODUCT_PORT, make(0))
    if status != 200:
        return {"skipped": f"product answered {status}: {str(product_json)[:200]}"}
    floor_status, floor_json = fetch(params.FLOOR_PORT, make(0))
    difference = first_difference(product_json, floor_json) if floor_status == 200 else f"floor answered {floor_status}"
    sql_difference = None
    if scenario.floor_order is not None:
        sql_difference = floor_difference(product_statements(token, make(0))[1], scenario.floor_order)

    # Warm both up (connections, caches, prepared statements) before timing.
    load.run(params.PRODUCT_PORT, make, 20)
    load.run(params.FLOOR_PORT, make, 20)
    product, floor = LoadResult(), LoadResult()
    cpu = {"product": 0.0, "floor": 0.0}
    per_round = max(1, scenario.requests // params.ROUNDS)

    def measured(name: str, port: int) -> LoadResult:
        before = procs.group_cpu_seconds(name)
        result = load.run(port, make, per_round)
        cpu[name] += procs.group_cpu_seconds(name) - before
        return result

    for _ in range(params.ROUNDS):
        product = product.merge(measured("product", params.PRODUCT_PORT))
        floor = floor.merge(measured("floor", params.FLOOR_PORT))
    ratio = floor.rps / product.rps if product.rps else float("inf")
    return {
        "label": scenario.label,
        "product": {**product.summary(), "server_cpu_ms_per_request": _per_request(cpu["product"], product)},
        "floor": {**floor.summary(), "server_cpu_ms_per_request": _per_request(cpu["floor"], floor)},
        "ratio": round(ratio, 2),
        "target": f"floor/product <= {scenario.target_ratio}",
        "pass": ratio <= scenario.target_ratio and not product.errors and not difference and not sql_difference,
        "same_json": difference is None,
        **({"difference": difference} if difference else {}),
        "same_sql": sql_difference is None,
        **({"sql_difference": sql_difference} if sql_difference else {}),
        "concurrency": params.CLIENT_CONCURRENCY,
    }
