"""The SQL the product runs for a request, captured in-process."""

from __future__ import annotations

from typing import Any

from bench.load import Request


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
