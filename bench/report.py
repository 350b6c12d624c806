"""The results table and the PASS/MISS list of targets."""

from __future__ import annotations

from typing import Any


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


def table(results: dict[str, Any]) -> str:
    scenarios = results["scenarios"]
    lines = []
    # cpu: milliseconds of CPU the server processes spent per request (the database's not included).
    head = ["scenario", "product p50", "p99", "req/s", "cpu", "floor p50", "p99", "req/s", "cpu", "floor/product"]
    widths = [28, 11, 9, 7, 7, 9, 9, 7, 7, 13]
    if any(key in scenarios for key in ("rest_list", "rest_list_filtered", "rest_get", "graphql_list", "create")):
        lines.append(_row(head, widths))
        lines.append("-" * (sum(widths) + 2 * (len(widths) - 1)))
    for key in ("rest_list", "rest_list_filtered", "rest_get", "graphql_list"):
        if key not in scenarios:
            continue
        item = scenarios[key]
        label = item.get("label", key)
        if "product" not in item:
            lines.append(_row([label, *["-"] * 8, _skip(item)], widths))
            continue
        p, f = item["product"], item["floor"]
        lines.append(
            _row(
                [
                    label,
                    _fmt(p["median_ms"], " ms"),
                    _fmt(p["p99_ms"], " ms"),
                    _fmt(p["rps"]),
                    _fmt(p.get("server_cpu_ms_per_request"), digits=2),
                    _fmt(f["median_ms"], " ms"),
                    _fmt(f["p99_ms"], " ms"),
                    _fmt(f["rps"]),
                    _fmt(f.get("server_cpu_ms_per_request"), digits=2),
                    f"{item['ratio']:.2f}",
                ],
                widths,
            )
        )
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
            cells = [label, _fmt(s["median_ms"], " ms"), _fmt(s["p99_ms"], " ms"), _fmt(s["rps"]), *[""] * 6]
            lines.append(_row(cells, widths))
        lines.append(f"  create latency ratio (median) 10 endpoints / none: {create['ratio']:.2f}")
        if create.get("publishing_ratio") is not None:
            lines.append(f"  ... with every write also publishing a message: {create['publishing_ratio']:.2f}")
    else:
        lines.append(_row(["REST create", *["-"] * 8, _skip(create)], widths))
    hooks = scenarios.get("webhooks", {})
    if "webhooks" not in scenarios:
        pass
    elif "product" in hooks:
        p, f, s = hooks["product"], hooks["floor"], hooks["paced"]
        lines.append("")
        lines.append(
            f"Webhooks: {p['events']} events x {p['endpoints']} endpoints: product {p['received']}/{p['expected']} "
            f"delivered, {_fmt(p['deliveries_per_second'])}/s (burst commit-to-receipt p50 "
            f"{_fmt(p['commit_to_receipt']['median_ms'])} ms); floor loop {_fmt(f['deliveries_per_second'])}/s; "
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


def _skip(item: dict[str, Any]) -> str:
    return f"not measured: {item.get('skipped') or item.get('error') or 'not run'}"[:200]


def targets(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(PASS|MISS|SKIP, target, measured) for every target."""
    scenarios = results["scenarios"]
    out = []
    for key in ("rest_list", "rest_list_filtered", "rest_get", "graphql_list"):
        if key not in scenarios:
            continue
        item = scenarios[key]
        limit = 4.0 if key == "graphql_list" else 2.0
        name = f"{item.get('label', key)}: floor/product throughput <= {limit}"
        if "ratio" not in item:
            out.append(("SKIP", name, _skip(item)))
            continue
        measured = f"{item['ratio']:.2f}"
        if not item["same_json"]:
            measured += f" (floor JSON differs: {item['difference']})"
        if not item.get("same_sql", True):
            measured += f" (floor SQL out of step with the product: {item['sql_difference']})"
        if item["product"]["errors"]:
            measured += f" ({item['product']['errors']} product errors: {item['product'].get('first_error', '')[:120]})"
        out.append(("PASS" if item["pass"] else "MISS", name, measured))
    create = scenarios.get("create", {})
    name = "REST create: latency with 10 endpoints <= 1.3x none"
    if "create" not in scenarios:
        pass
    elif "ratio" in create:
        out.append(("PASS" if create["pass"] else "MISS", name, f"{create['ratio']:.2f}x"))
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
                "Webhook delivery: >= 40% of the floor's deliveries/s",
                f"{hooks['share_of_floor']:.0%} ({_fmt(hooks['product']['deliveries_per_second'])}/s vs "
                f"{_fmt(hooks['floor']['deliveries_per_second'])}/s)"
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
