"""Calling the /metadata GraphQL API in tests, as an integration would."""

from __future__ import annotations

from typing import Any


def meta(client: Any, token: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    body = {"query": query, **({"variables": variables} if variables is not None else {})}
    return client.post("/metadata", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def data_of(response: Any) -> dict[str, Any]:
    """The data of a successful answer (the test fails on any error)."""
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]
