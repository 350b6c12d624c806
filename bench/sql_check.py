"""Is the floor still running the product's SQL? The product's queries change as it
is tuned (an index here, a NULLS placement there); a floor left behind would make
the comparison meaningless, so the benchmark and the tests check it."""

from __future__ import annotations

import re
from typing import Any

from bench import floor
from bench.load import Request

_ALIAS = re.compile(r'AS "(\w+)"')
_ORDER = re.compile(r" ORDER BY (.+?)(?: LIMIT \d+)?$")


def product_statements(token: str, request: Request) -> tuple[int, list[str]]:
    """Send ``request`` to the product in-process and return its status and SQL.
    It is sent twice and the second is captured: a key's first request may also
    load metadata or refresh last_used_at."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")

    def send() -> Any:
        if request.method == "GET":
            return client.get(request.path)
        return client.post(request.path, request.body, content_type="application/json")

    send()
    with CaptureQueriesContext(connection) as captured:
        response = send()
    return response.status_code, [query["sql"] for query in captured.captured_queries]


def person_page_query(statements: list[str]) -> str | None:
    """The product's query for a page of people (the one with a LIMIT beyond 1)."""
    return next((s for s in statements if 'FROM "crm_person"' in s and re.search(r"LIMIT (?!1$)\d+$", s)), None)


def columns_and_order(sql: str) -> tuple[list[str], str]:
    """The selected columns and the ORDER BY with positions replaced by column names."""
    columns = _ALIAS.findall(sql.split(" FROM ", 1)[0])
    match = _ORDER.search(sql)
    terms = []
    for term in match.group(1).split(", ") if match else []:
        head, _, rest = term.partition(" ")
        name = columns[int(head) - 1] if head.isdigit() else head.split(".")[-1].strip('"')
        terms.append(f"{name} {rest}".strip())
    return columns, ", ".join(terms)


def floor_difference(statements: list[str], order_by: str) -> str | None:
    """How the floor's page query differs from the product's, or None."""
    sql = person_page_query(statements)
    if sql is None:
        return "no page-of-people query found among the product's queries"
    columns, order = columns_and_order(sql)
    if columns != floor.PERSON_COLUMNS:
        return f"columns differ: product selects {columns}"
    if order != floor.ORDERS[order_by][0]:
        return f"ORDER BY differs: product '{order}', floor '{floor.ORDERS[order_by][0]}'"
    return None
