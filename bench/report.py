"""The results table and the PASS/MISS list of targets."""

from __future__ import annotations

from typing import Any

# The scenarios of bench/scenarios/side_by_side.py (kept here so a skipped one is listed too).
SIDE_BY_SIDE = (
    "rest_list",
    "rest_list_filtered",
    "graphql_list",
    "graphql_list_no_count",
    "get_one",
    "create_vs_peer",
)


def _fmt(value: Any, suffix: str = "", digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{suffix}"
    return f"{value}{suffix}"


def _row(cells: list[str], widths: list[int]) -> str:
    # The first column (the label) reads left to right; numbers line up on the right.
    padded = [cells[0].ljust(widths[0])] + [
        cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)
    ]
    return "  ".join(padded)


SIDE_HEAD = ["  side", "p50", "p99", "req/s", "cpu ms/req", "req/s per round"]
SIDE_WIDTHS = [26, 10, 10, 8, 10, 30]


def _spread(values: list[float] | None) -> str:
    return f" [{values[0]:.2f}-{values[1]:.2f}]" if values else ""


def side_by_side_lines(item: dict[str, Any]) -> list[str]:
    """One scenario: a row per side, then how the product compares with the peer and the floor."""
    lines = [item.get("label", "")]
    if "sides" not in item:
        return [*lines, f"  {_skip(item)}"]
    lines.append(_row(SIDE_HEAD, SIDE_WIDTHS))
    sides = item["sides"]
    for side in sides.values():
        cells = [
            f"  {side['label']}",
            _fmt(side["median_ms"], " ms"),
            _fmt(side["p99_ms"], " ms"),
            _fmt(side["rps"]),
            _fmt(side.get("server_cpu_ms_per_request"), digits=2),
            " ".join(f"{rps:g}" for rps in side.get("rounds_rps", [])),
        ]
        lines.append(_row(cells, SIDE_WIDTHS))
    for key, versus in item.get("versus_peer", {}).items():
        lines.append(
            f"  {sides[key]['label']} / {sides[versus['peer']]['label']}: throughput "
            f"{versus['ratio']:.2f}x{_spread(versus['spread'])}, p99 {_fmt(versus['p99_ms'], ' ms')} "
            f"vs {_fmt(versus['peer_p99_ms'], ' ms')}"
        )
    if "versus_peer_skipped" in item:
        lines.append(f"  peer not measured: {item['versus_peer_skipped']}"[:200])
    for key, versus in item.get("versus_floor", {}).items():
        if "skipped" in versus:
            lines.append(f"  floor not measured: {versus['skipped']}"[:200])
            continue
        cpu = f", CPU per request {versus['cpu_ratio']:.2f}x the floor's" if versus.get("cpu_ratio") else ""
        lines.append(
            f"  {sides[versus['floor']]['label']} / {sides[key]['label']}: throughput "
            f"{versus['ratio']:.2f}x{_spread(versus['spread'])}{cpu}"
            + (f" (floor JSON differs: {versus['difference']})" if versus.get("difference") else "")
        )
    return lines


def peer_summary(scenarios: dict[str, Any]) -> list[str]:
    """Every product/peer comparison in one table, as the scenarios below detail them."""
    rows = [
        (f"{item['label']}, {item['sides'][key]['label']}", versus, item["sides"][versus["peer"]]["label"])
        for item in scenarios.values()
        for key, versus in item.get("versus_peer", {}).items()
    ]
    if not rows:
        return []
    widths = [max(len(name) for name, _, _ in rows) + 2, 7, 11, 10, 10, 24]
    lines = [
        "Product / peer (against the faster of the peer's setups; spread: lowest-highest round)",
        _row(["  scenario", "req/s", "spread", "p99", "peer p99", "  peer setup"], widths),
    ]
    for name, versus, peer in rows:
        spread = versus["spread"] or [None, None]
        cells = [
            f"  {name}",
            f"{versus['ratio']:.2f}x",
            f"{_fmt(spread[0], digits=2)}-{_fmt(spread[1], digits=2)}",
            _fmt(versus["p99_ms"], " ms"),
            _fmt(versus["peer_p99_ms"], " ms"),
            f"  {peer}",
        ]
        lines.append(_row(cells, widths))
    return [*lines, ""]


def table(results: dict[str, Any]) -> str:
    scenarios = results["scenarios"]
    lines: list[str] = peer_summary(scenarios)
    for key, item in scenarios.items():
        if "sides" in item or key in SIDE_BY_SIDE:
            lines += [*side_by_side_lines(item), ""]
    widths = [28, 11, 9, 7]
    create = scenarios.get("create", {})
    if "create" not in scenarios:
        pass
    elif "none" in create:
        for name, label in (
            ("none", "REST create, no endpoints"),
            ("ten_endpoints", "REST create, 10 endpoints"),
            ("ten_endpoints_publishing", "  ... each write publishing"),
        ):
            s = create[name]
            cells = [label, _fmt(s["median_ms"], " ms"), _fmt(s["p99_ms"], " ms"), _fmt(s["rps"])]
            lines.append(_row(cells, widths))
        lines.append(f"  create latency ratio (median) 10 endpoints / none: {create['ratio']:.2f}")
        if create.get("publishing_ratio") is not None:
            lines.append(f"  ... with every write also publishing a message: {create['publishing_ratio']:.2f}")
    else:
        lines.append(f"REST create: {_skip(create)}")
    hooks = scenarios.get("webhooks", {})
    if "webhooks" not in scenarios:
        pass
    elif "product" in hooks:
        p, f, s = hooks["product"], hooks["floor"], hooks["paced"]
        lines.append("")
        lines.append(
            f"Webhooks: {p['events']} events x {p['endpoints']} endpoints: product {p['received']}/{p['expected']} "
            f"delivered, {_fmt(p['deliveries_per_second'])}/s (burst commit-to-receipt p50 "
            f"{_fmt(p['commit_to_receipt']['median_ms'])} ms); floor over {f.get('connections', 1)} connections "
            f"{_fmt(f['deliveries_per_second'])}/s; "
            f"product/floor {hooks['share_of_floor']:.0%}"
        )
        one = hooks.get("paced_one_endpoint")
        c = s["commit_to_receipt"]
        lines.append(
            f"Webhooks paced: {s['events']} events at {s['events_per_second']}/s x {s['endpoints']} endpoints "
            f"({_fmt(s.get('offered_deliveries_per_second'))} deliveries/s offered): "
            f"{s['received']}/{s['expected']} delivered, commit-to-receipt p50 {_fmt(c['median_ms'])} ms, "
            f"p99 {_fmt(c['p99_ms'])} ms, max {_fmt(c['max_ms'])} ms"
        )
        if one:
            c = one["commit_to_receipt"]
            lines.append(
                f"  (diagnostic) the same pace to 1 endpoint, {one['events']} events: "
                f"{one['received']}/{one['expected']} delivered, "
                f"commit-to-receipt p50 {_fmt(c['median_ms'])} ms, p99 {_fmt(c['p99_ms'])} ms"
            )
    else:
        lines.append(f"Webhooks: {_skip(hooks)}")
    queries = scenarios.get("queries", {})
    if "requests" in queries:
        lines.append("")
        lines.append("SQL queries per request at page size 10 / 200:")
        for item in queries["requests"].values():
            if "skipped" in item:
                lines.append(f"  {item['label']}: {_skip(item)}")
            else:
                lines.append(f"  {item['label']}: {item['queries_at_10']} / {item['queries_at_200']}")
    return "\n".join(lines)


def side_by_side_targets(item: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The peer targets (throughput >= 1.0x the faster peer setup, p99 no worse) and
    the floor targets (floor/product throughput at most the limit) of one scenario."""
    label = item.get("label", "")
    if "sides" not in item:
        return [("SKIP", label, _skip(item))]
    sides, out = item["sides"], []
    for key, versus in item.get("versus_peer", {}).items():
        name = f"{label}, {sides[key]['label']}"
        peer = sides[versus["peer"]]
        errors = (
            f" ({sides[key]['errors']} errors: {sides[key].get('first_error', '')[:120]})"
            if sides[key]["errors"]
            else ""
        )
        out.append(
            (
                _verdict(versus["pass_throughput"]),
                f"{name}: >= 1.0x the peer's throughput",
                f"{versus['ratio']:.2f}x{_spread(versus['spread'])} vs {peer['label']}{errors}",
            )
        )
        out.append(
            (
                _verdict(versus["pass_p99"]),
                f"{name}: p99 <= the peer's",
                f"{_fmt(versus['p99_ms'], ' ms')} vs {_fmt(versus['peer_p99_ms'], ' ms')} ({peer['label']})",
            )
        )
    if "versus_peer_skipped" in item:
        out.append(("SKIP", f"{label}: the peer's targets", item["versus_peer_skipped"][:200]))
    for key, versus in item.get("versus_floor", {}).items():
        name = f"{label}, {sides[key]['label']}: floor/product throughput <= {versus['limit']}"
        if "skipped" in versus:
            out.append(("SKIP", name, f"the floor: {versus['skipped']}"[:200]))
            continue
        measured = f"{versus['ratio']:.2f}{_spread(versus['spread'])}"
        if versus.get("cpu_ratio"):
            measured += f"; CPU per request {versus['cpu_ratio']:.2f}x the floor's"
        if versus.get("difference"):
            measured += f" (floor JSON differs: {versus['difference'][:120]})"
        out.append((_verdict(versus["pass"]), name, measured))
    return out


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def _skip(item: dict[str, Any]) -> str:
    return f"not measured: {item.get('skipped') or item.get('error') or 'not run'}"[:200]


def targets(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(PASS|MISS|SKIP, target, measured) for every target."""
    scenarios = results["scenarios"]
    out = []
    for key, item in scenarios.items():
        if "sides" in item or key in SIDE_BY_SIDE:
            out += side_by_side_targets(item)
    create = scenarios.get("create", {})
    name = "REST create: median latency with 10 endpoints, each write publishing, <= 1.3x none"
    if "create" not in scenarios:
        pass
    elif "ratio" in create:
        measured = f"{create['publishing_ratio']:.2f}x (when the endpoints are busy and nothing is published: "
        out.append(("PASS" if create["pass"] else "MISS", name, measured + f"{create['ratio']:.2f}x)"))
    else:
        out.append(("SKIP", name, _skip(create)))
    hooks = scenarios.get("webhooks", {})
    if "webhooks" not in scenarios:
        pass
    elif "targets" in hooks:
        t = hooks["targets"]
        out.append(
            (
                "PASS" if t["throughput"]["pass"] else "MISS",
                f"Webhook delivery: {t['throughput']['target']}",
                f"{hooks['share_of_floor']:.0%} ({_fmt(hooks['product']['deliveries_per_second'])}/s vs "
                f"{_fmt(hooks['floor']['deliveries_per_second'])}/s over "
                f"{hooks['floor'].get('connections', 1)} connections)"
                + ("" if hooks["product"]["complete"] else " (incomplete)"),
            )
        )
        c = hooks["paced"]["commit_to_receipt"]
        out.append(
            (
                "PASS" if t["paced_latency"]["pass"] else "MISS",
                "Webhook commit-to-receipt at 100 events/s: median < 50 ms, p99 < 500 ms",
                f"median {_fmt(c['median_ms'])} ms, p99 {_fmt(c['p99_ms'])} ms, "
                f"{hooks['paced']['received']}/{hooks['paced']['expected']} delivered",
            )
        )
    else:
        out.append(("SKIP", "Webhook delivery targets", _skip(hooks)))
    queries = scenarios.get("queries", {})
    for item in queries.get("requests", {}).values():
        name = f"{item['label']}: query count independent of page size"
        if "skipped" in item:
            out.append(("SKIP", name, _skip(item)))
        else:
            measured = f"{item['queries_at_10']} vs {item['queries_at_200']}"
            out.append(("PASS" if item["pass"] else "MISS", name, measured))
    if "queries" in scenarios and "requests" not in queries:
        out.append(("SKIP", "Query counts", _skip(queries)))
    return out
