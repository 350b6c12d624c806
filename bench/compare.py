"""How the sides of a scenario compare, from what was measured per round: the product
against the faster of the peer's setups, and against the floor.

A side is given as a dict with ``rps`` and ``p99_ms`` over all its rounds,
``rounds_rps`` (requests per second in each round, in the order the rounds ran), and
``server_cpu_ms_per_request``. Rounds take turns across the sides, so round i of one
side ran next to round i of the others: per-round ratios show how much noise moved
the overall ratio.
"""

from __future__ import annotations

from typing import Any

Side = dict[str, Any]


def per_round_ratios(numerator: Side, denominator: Side) -> list[float]:
    return [a / b for a, b in zip(numerator["rounds_rps"], denominator["rounds_rps"], strict=False) if b]


def spread(ratios: list[float]) -> list[float] | None:
    """The lowest and highest of the per-round ratios."""
    return [round(min(ratios), 2), round(max(ratios), 2)] if ratios else None


def faster(sides: dict[str, Side], keys: list[str]) -> str | None:
    """The key of the side with the highest throughput among ``keys`` (measured ones only)."""
    measured = [key for key in keys if key in sides and sides[key].get("rps")]
    return max(measured, key=lambda key: sides[key]["rps"], default=None)


def versus_peer(product: Side, peer: Side) -> dict[str, Any]:
    """Product/peer throughput (target >= 1.0) and p99 (target: no worse than the peer's)."""
    ratio = product["rps"] / peer["rps"] if peer["rps"] else 0.0
    throughput_ok = ratio >= 1.0 and not product.get("errors")
    p99_ok = product["p99_ms"] <= peer["p99_ms"]
    return {
        "ratio": round(ratio, 2),
        "spread": spread(per_round_ratios(product, peer)),
        "p99_ms": product["p99_ms"],
        "peer_p99_ms": peer["p99_ms"],
        "pass_throughput": throughput_ok,
        "pass_p99": p99_ok,
    }


def versus_floor(product: Side, floor: Side, limit: float) -> dict[str, Any]:
    """Floor/product throughput (target <= ``limit``) and product/floor CPU per request."""
    ratio = floor["rps"] / product["rps"] if product["rps"] else float("inf")
    product_cpu, floor_cpu = product.get("server_cpu_ms_per_request"), floor.get("server_cpu_ms_per_request")
    return {
        "ratio": round(ratio, 2),
        "spread": spread(per_round_ratios(floor, product)),
        "cpu_ratio": round(product_cpu / floor_cpu, 2) if product_cpu and floor_cpu else None,
        "limit": limit,
        "pass": ratio <= limit and not product.get("errors"),
    }
