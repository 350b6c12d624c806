"""Scenarios measured side by side: the product, the floor (bench/floor.py) and the
peer (PostGraphile as one process and as a cluster), each sent the same kind of
request by the same load client.

Rounds take turns (product, floor, peer 1 process, peer cluster, product, ...), so
background noise on a shared machine lands on every side. Before timing, one answer
of each side is checked: the floor must return the product's very JSON, the peer the
same records.
"""

from __future__ import annotations

import http.client
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from bench import compare, data, documents, load, params, procs
from bench.load import LoadResult, Request
from bench.peer import SETUPS as PEER_SETUPS

PEER_KEYS = [setup.key for setup in PEER_SETUPS]
# Untimed requests to each side before its rounds: the peer's JavaScript engine compiles
# its hot code over the first few thousand requests, and a cold peer would flatter the product.
WARM_UP_SECONDS = 3.0


@dataclass(frozen=True)
class Keys:
    """What requests are built from: the read workspace's key and some of its people,
    and the key of the workspace that write scenarios fill."""

    token: str
    person_ids: list[str]
    write_token: str = ""


@dataclass(frozen=True)
class Side:
    key: str  # product, product_graphql, floor, floor_graphql, peer_1, peer_cluster
    label: str
    port: int
    process: str  # the server whose CPU time is counted
    build: Callable[[int], Request]


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    requests: int
    sides: Callable[[Keys], list[Side]]
    # Product side -> (its floor side, the most the floor may be faster, as a ratio).
    floors: dict[str, tuple[str, float]] = field(default_factory=dict)
    # Ids of the records in an answer, product's and peer's, to check they are the same.
    product_ids: Callable[[Any], list[str]] | None = None
    peer_ids: Callable[[Any], list[str]] | None = None
    writes: bool = False


def _product(key: str, label: str, build: Callable[[int], Request]) -> Side:
    return Side(key, label, params.PRODUCT_PORT, "product", build)


def _floor(key: str, label: str, build: Callable[[int], Request]) -> Side:
    return Side(key, label, params.FLOOR_PORT, "floor", build)


def _peers(build: Callable[[int], Request]) -> list[Side]:
    return [Side(s.key, s.label, s.port, s.key, build) for s in PEER_SETUPS]


def _product_and_floor(build: Callable[[int], Request]) -> list[Side]:
    return [_product("product", "product", build), _floor("floor", "floor", build)]


def _rest_list_sides(keys: Keys) -> list[Side]:
    return _product_and_floor(lambda i: documents.rest_list(keys.token, 60))


def _rest_list_filtered_sides(keys: Keys) -> list[Side]:
    return _product_and_floor(lambda i: documents.rest_list_filtered(keys.token, 60))


def _graphql_list_sides(product_query: str, peer_query: str) -> Callable[[Keys], list[Side]]:
    def sides(keys: Keys) -> list[Side]:
        product = _product_and_floor(lambda i: documents.graphql(keys.token, product_query, {"first": 60}))
        return product + _peers(lambda i: documents.graphql(keys.token, peer_query, {"first": 60}))

    return sides


def _get_one_sides(keys: Keys) -> list[Side]:
    ids = keys.person_ids

    def rest(i: int) -> Request:
        return documents.rest_get(keys.token, ids[i % len(ids)])

    def graphql(i: int) -> Request:
        return documents.graphql(keys.token, documents.GRAPHQL_GET, {"id": ids[i % len(ids)]})

    def peer(i: int) -> Request:
        return documents.graphql(keys.token, documents.PEER_GET, {"id": ids[i % len(ids)]})

    return [
        _product("product", "product REST", rest),
        _product("product_graphql", "product GraphQL", graphql),
        _floor("floor", "floor REST", rest),
        _floor("floor_graphql", "floor GraphQL", graphql),
        *_peers(peer),
    ]


def _create_sides(keys: Keys) -> list[Side]:
    # One numbering for every side, so no two writes use the same email.
    numbers = itertools.count()
    return [
        _product("product", "product REST", lambda i: documents.rest_create(keys.write_token, next(numbers))),
        *_peers(lambda i: documents.peer_create(keys.write_token, next(numbers))),
    ]


def _product_page_ids(answer: Any) -> list[str]:
    return [edge["node"]["id"] for edge in answer["data"]["people"]["edges"]]


def _peer_page_ids(answer: Any) -> list[str]:
    return [edge["node"]["rowId"] for edge in answer["data"]["allPeople"]["edges"]]


def _product_person_id(answer: Any) -> list[str]:
    person = answer["data"]["person"]
    return [person["id"]] if person else []


def _peer_person_id(answer: Any) -> list[str]:
    person = answer["data"]["personByRowId"]
    return [person["rowId"]] if person else []


def _graphql_list_scenario(key: str, label: str, product_query: str, peer_query: str) -> Scenario:
    return Scenario(
        key,
        label,
        params.GRAPHQL_REQUESTS,
        _graphql_list_sides(product_query, peer_query),
        floors={"product": ("floor", 4.0)},
        product_ids=_product_page_ids,
        peer_ids=_peer_page_ids,
    )


SCENARIOS = [
    Scenario(
        "rest_list",
        "REST list of 60, depth=1",
        params.LIST_REQUESTS,
        _rest_list_sides,
        floors={"product": ("floor", 2.0)},
    ),
    Scenario(
        "rest_list_filtered",
        "REST list filtered",
        params.LIST_REQUESTS,
        _rest_list_filtered_sides,
        floors={"product": ("floor", 2.0)},
    ),
    _graphql_list_scenario(
        "graphql_list",
        "GraphQL list of 60 with company name and totalCount",
        documents.GRAPHQL_LIST,
        documents.PEER_LIST,
    ),
    _graphql_list_scenario(
        "graphql_list_no_count",
        "GraphQL list of 60 with company name, no totalCount",
        documents.GRAPHQL_LIST_NO_COUNT,
        documents.PEER_LIST_NO_COUNT,
    ),
    Scenario(
        "get_one",
        "Get one person by id",
        params.GET_REQUESTS,
        _get_one_sides,
        floors={"product": ("floor", 2.0), "product_graphql": ("floor_graphql", 4.0)},
        product_ids=_product_person_id,
        peer_ids=_peer_person_id,
    ),
    Scenario(
        "create_vs_peer",
        "Create a person (the peer: a GraphQL mutation)",
        params.CREATE_REQUESTS,
        _create_sides,
        writes=True,
    ),
]


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


def _answer_problem(status: int, answer: Any) -> str | None:
    if not 200 <= status < 300:
        return f"answered {status}: {str(answer)[:200]}"
    if isinstance(answer, dict) and answer.get("errors"):
        return f"answered with errors: {str(answer['errors'])[:200]}"
    return None


def check_answers(scenario: Scenario, sides: list[Side]) -> tuple[dict[str, str | None], dict[str, str]]:
    """Per side, why its first answer makes it unusable (None: it is usable), and per floor
    side, where its JSON differs from the product's. The peer must answer with the same
    records as the product."""
    answers, problems = {}, {}
    for side in sides:
        try:
            answers[side.key] = fetch(side.port, side.build(0))
        except OSError as error:
            problems[side.key] = f"not reachable ({error})"
        else:
            problems[side.key] = _answer_problem(*answers[side.key])
    differences = {}
    for product_key, (floor_key, _limit) in scenario.floors.items():
        if problems[product_key] is None and problems[floor_key] is None:
            difference = first_difference(answers[product_key][1], answers[floor_key][1])
            if difference:
                differences[floor_key] = difference
    if scenario.product_ids and scenario.peer_ids and problems["product"] is None:
        expected = scenario.product_ids(answers["product"][1])
        for key in PEER_KEYS:
            if problems[key] is None:
                found = scenario.peer_ids(answers[key][1])
                if found != expected:
                    problems[key] = f"other records than the product's: {found[:3]} vs {expected[:3]}"
    return problems, differences


def _per_request(cpu_seconds: float, result: LoadResult) -> float | None:
    return round(cpu_seconds * 1000 / result.count, 3) if result.count else None


def measure(scenario: Scenario, sides: list[Side]) -> dict[str, dict[str, Any]]:
    """Every side's requests in interleaved rounds; per side its latency, throughput,
    server CPU per request and throughput per round."""
    for side in sides:
        # Connections, caches, plans, and the peer's compiled code.
        load.run(side.port, side.build, 10**6, time_limit=WARM_UP_SECONDS)
    per_round = max(1, scenario.requests // params.ROUNDS)
    rounds: dict[str, list[LoadResult]] = {side.key: [] for side in sides}
    cpu = dict.fromkeys(rounds, 0.0)
    for _ in range(params.ROUNDS):
        for side in sides:
            before = procs.group_cpu_seconds(side.process)
            rounds[side.key].append(load.run(side.port, side.build, per_round))
            cpu[side.key] += procs.group_cpu_seconds(side.process) - before
    measured = {}
    for side in sides:
        total = LoadResult()
        for result in rounds[side.key]:
            total = total.merge(result)
        measured[side.key] = {
            "label": side.label,
            **total.summary(),
            "server_cpu_ms_per_request": _per_request(cpu[side.key], total),
            "rounds_rps": [round(result.rps, 1) for result in rounds[side.key]],
        }
    return measured


def run(scenario: Scenario, keys: Keys) -> dict[str, Any]:
    if not scenario.writes:
        return _run(scenario, keys)
    # Writes go to a workspace of their own, emptied before and after.
    try:
        return _run(scenario, replace(keys, write_token=data.reset_writes_workspace()[1]))
    finally:
        data.reset_writes_workspace()


def _run(scenario: Scenario, keys: Keys) -> dict[str, Any]:
    sides = scenario.sides(keys)
    problems, differences = check_answers(scenario, sides)
    for side in sides:
        if side.process == "product" and problems[side.key]:
            return {"label": scenario.label, "skipped": f"{side.label}: {problems[side.key]}"}
    # A floor or peer that does not answer properly is not timed: its numbers would mean nothing.
    measured = measure(scenario, [side for side in sides if not problems[side.key]])
    result: dict[str, Any] = {
        "label": scenario.label,
        "sides": measured,
        "problems": {key: problem for key, problem in problems.items() if problem},
        "differences": differences,
        "concurrency": params.CLIENT_CONCURRENCY,
        "rounds": params.ROUNDS,
    }
    result["versus_floor"] = {
        product_key: _versus_floor(measured, product_key, floor_key, limit, problems, differences)
        for product_key, (floor_key, limit) in scenario.floors.items()
    }
    best = compare.faster(measured, PEER_KEYS)
    if best is not None:
        result["versus_peer"] = {
            key: {**compare.versus_peer(measured[key], measured[best]), "peer": best}
            for key in ("product", "product_graphql")
            if key in measured
        }
    elif any(key in problems for key in PEER_KEYS):
        result["versus_peer_skipped"] = "; ".join(f"{key}: {problems[key]}" for key in PEER_KEYS)
    return result


def _versus_floor(
    measured: dict[str, Any],
    product_key: str,
    floor_key: str,
    limit: float,
    problems: dict[str, str | None],
    differences: dict[str, str],
) -> dict[str, Any]:
    """The floor comparison; it passes only if the floor answered with the product's JSON."""
    if floor_key not in measured:
        return {"floor": floor_key, "limit": limit, "pass": False, "skipped": problems[floor_key]}
    comparison = compare.versus_floor(measured[product_key], measured[floor_key], limit)
    difference = differences.get(floor_key)
    comparison.update(floor=floor_key, same_json=difference is None, difference=difference)
    comparison["pass"] = comparison["pass"] and difference is None
    return comparison


def needs_peer(scenario: Scenario) -> bool:
    return any(side.key in PEER_KEYS for side in scenario.sides(Keys("", [""], "")))
