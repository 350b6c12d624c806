"""Ready-to-paste requests shown next to an API key."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

# Stands in for the token once it is no longer shown.
TOKEN_PLACEHOLDER = "$CRM_API_KEY"

GRAPHQL_EXAMPLE_QUERY = "{ people(first: 5) { totalCount edges { node { id name { firstName lastName } } } } }"


@dataclass(frozen=True)
class Example:
    id: str
    title: str
    code: str


def api_examples(origin: str, token: str | None) -> list[Example]:
    """curl for REST and for GraphQL against this server, with the token or a placeholder."""
    origin = origin.rstrip("/")
    # A real token is quoted; the placeholder stays bare (in double quotes) so the shell expands it.
    auth = shlex.quote(f"Authorization: Bearer {token}") if token else f'"Authorization: Bearer {TOKEN_PLACEHOLDER}"'
    rest = f"curl {shlex.quote(origin + '/rest/people?limit=5')} \\\n  -H {auth}"
    body = json.dumps({"query": GRAPHQL_EXAMPLE_QUERY})
    graphql = (
        f"curl {shlex.quote(origin + '/graphql')} \\\n  -H {auth} \\\n"
        f"  -H 'Content-Type: application/json' \\\n  -d {shlex.quote(body)}"
    )
    return [
        Example("example-rest", "REST: list people", rest),
        Example("example-graphql", "GraphQL: query people", graphql),
    ]
