"""Calling the /metadata GraphQL API in tests, as an integration would."""

from __future__ import annotations

from typing import Any

from graphql_client import data_of, gql

__all__ = ["data_of", "meta"]


def meta(client: Any, token: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    return gql(client, token, query, variables, path="/metadata")
