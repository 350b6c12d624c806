"""How `make bench` compares the product with the peer and the floor, and what it prints:
ratios against the faster peer setup with their spread over rounds, and PASS/MISS."""

from __future__ import annotations

from bench import compare, report


def side(label: str, rps: float, rounds: list[float], p99: float = 10.0, cpu: float | None = 1.0) -> dict:
    return {
        "label": label,
        "requests": 100,
        "errors": 0,
        "median_ms": 5.0,
        "p99_ms": p99,
        "rps": rps,
        "rounds_rps": rounds,
        "server_cpu_ms_per_request": cpu,
    }


def test_the_peer_compared_against_is_the_faster_of_its_setups():
    sides = {"peer_1": side("one", 90, [90]), "peer_cluster": side("cluster", 120, [120])}
    assert compare.faster(sides, ["peer_1", "peer_cluster"]) == "peer_cluster"


def test_a_peer_setup_that_was_not_measured_is_not_the_faster():
    assert compare.faster({"peer_1": side("one", 90, [90])}, ["peer_1", "peer_cluster"]) == "peer_1"
    assert compare.faster({}, ["peer_1"]) is None


def test_the_product_passes_at_the_peers_throughput_and_p99():
    versus = compare.versus_peer(side("product", 100, [100]), side("peer", 100, [100]))
    assert versus["ratio"] == 1.0 and versus["pass_throughput"] and versus["pass_p99"]


def test_the_product_misses_below_the_peers_throughput_with_the_spread_over_rounds():
    product = side("product", 75, [70, 80, 75, 75], p99=30)
    peer = side("peer", 100, [100, 100, 125, 75], p99=20)
    versus = compare.versus_peer(product, peer)
    assert versus["ratio"] == 0.75
    assert versus["spread"] == [0.6, 1.0]
    assert not versus["pass_throughput"] and not versus["pass_p99"]


def test_product_errors_miss_the_throughput_target_however_fast():
    product = {**side("product", 200, [200]), "errors": 3}
    assert not compare.versus_peer(product, side("peer", 100, [100]))["pass_throughput"]


def test_the_floor_comparison_reports_throughput_and_cpu_per_request():
    versus = compare.versus_floor(side("product", 50, [40, 60], cpu=3.0), side("floor", 100, [100, 90]), limit=2.0)
    assert versus["ratio"] == 2.0 and versus["pass"]
    assert versus["spread"] == [1.5, 2.5]
    assert versus["cpu_ratio"] == 3.0


def test_the_floor_comparison_misses_when_the_floor_is_further_ahead_than_allowed():
    assert not compare.versus_floor(side("product", 40, [40]), side("floor", 100, [100]), limit=2.0)["pass"]


def scenario_result() -> dict:
    sides = {
        "product": side("product", 80, [80, 80], p99=40),
        "floor": side("floor", 120, [120, 120], cpu=0.5),
        "peer_1": side("peer, 1 process", 70, [70, 70]),
        "peer_cluster": side("peer, 2-worker cluster", 100, [100, 100], p99=30),
    }
    return {
        "label": "GraphQL list",
        "sides": sides,
        "problems": {},
        "versus_peer": {
            "product": {**compare.versus_peer(sides["product"], sides["peer_cluster"]), "peer": "peer_cluster"}
        },
        "versus_floor": {
            "product": {
                **compare.versus_floor(sides["product"], sides["floor"], 4.0),
                "floor": "floor",
                "same_json": True,
            }
        },
    }


def test_the_table_shows_every_side_and_the_ratios_against_peer_and_floor():
    text = report.table({"scenarios": {"graphql_list": scenario_result()}})
    for label in ("product", "floor", "peer, 1 process", "peer, 2-worker cluster"):
        assert f"  {label} " in text
    assert "product / peer, 2-worker cluster: throughput 0.80x [0.80-0.80]" in text
    summary = text.split("\n\n")[0]
    assert summary.startswith("Product / peer") and "GraphQL list, product" in summary and "0.80x" in summary
    assert "floor / product: throughput 1.50x [1.50-1.50], CPU per request 2.00x the floor's" in text


def test_targets_say_miss_against_the_peer_and_pass_against_the_floor():
    verdicts = {
        name: verdict for verdict, name, _ in report.targets({"scenarios": {"graphql_list": scenario_result()}})
    }
    assert verdicts == {
        "GraphQL list, product: >= 1.0x the peer's throughput": "MISS",
        "GraphQL list, product: p99 <= the peer's": "MISS",
        "GraphQL list, product: floor/product throughput <= 4.0": "PASS",
    }


def test_a_scenario_that_failed_is_listed_as_skipped():
    verdicts = report.targets({"scenarios": {"get_one": {"error": "RuntimeError: peer did not start"}}})
    assert [verdict for verdict, _, _ in verdicts] == ["SKIP"]


def test_a_peer_that_could_not_be_measured_skips_its_targets_and_keeps_the_floors():
    result = scenario_result()
    del result["versus_peer"], result["sides"]["peer_1"], result["sides"]["peer_cluster"]
    result["versus_peer_skipped"] = "peer_1: not reachable; peer_cluster: not reachable"
    verdicts = [(verdict, name) for verdict, name, _ in report.targets({"scenarios": {"graphql_list": result}})]
    assert verdicts == [
        ("SKIP", "GraphQL list: the peer's targets"),
        ("PASS", "GraphQL list, product: floor/product throughput <= 4.0"),
    ]


def test_a_floor_that_answered_wrongly_is_not_compared():
    result = scenario_result()
    result["versus_floor"] = {"product": {"floor": "floor", "limit": 4.0, "pass": False, "skipped": "answered 400"}}
    verdicts = report.targets({"scenarios": {"graphql_list": result}})
    assert ("SKIP", "GraphQL list, product: floor/product throughput <= 4.0", "the floor: answered 400") in verdicts
    assert "floor not measured: answered 400" in report.table({"scenarios": {"graphql_list": result}})
