"""Sending GraphQL documents in tests, to /graphql or /metadata, as a client would."""

from __future__ import annotations

from typing import Any


def gql(
    client: Any, token: str | None, query: str, variables: dict[str, Any] | None = None, *, path: str = "/graphql"
) -> Any:
    """POST the document with ``token`` as the bearer key (none when None); the response."""
    body = {"query": query, **({"variables": variables} if variables is not None else {})}
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return client.post(path, body, content_type="application/json", **headers)


def ask(api: Any, query: str, variables: dict[str, Any] | None = None, *, path: str = "/graphql") -> Any:
    """POST the document with a client that already sends its key; the JSON answer."""
    return api.post(path, {"query": query, "variables": variables or {}}, content_type="application/json").json()


def data_of(response: Any) -> dict[str, Any]:
    """The data of a successful answer (the test fails on any error)."""
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]
