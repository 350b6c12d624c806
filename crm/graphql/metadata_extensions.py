"""Root fields that other apps add to the /metadata GraphQL schema.

The webhooks app registers its queries and mutations here when Django starts (see
``webhooks.apps``), so the metadata schema offers them without this package importing
that app. An extension is a plain class holding graphene fields and their
``resolve_<name>`` static methods; the schema's root types inherit from it.
"""

from __future__ import annotations

_queries: list[type] = []
_mutations: list[type] = []


def extend_metadata_schema(*, query: type | None = None, mutation: type | None = None) -> None:
    """Add the fields of ``query`` / ``mutation`` to the schema's root types. Call it
    before the schema is first built (from an AppConfig.ready())."""
    if query is not None and query not in _queries:
        _queries.append(query)
    if mutation is not None and mutation not in _mutations:
        _mutations.append(mutation)


def query_extensions() -> tuple[type, ...]:
    return tuple(_queries)


def mutation_extensions() -> tuple[type, ...]:
    return tuple(_mutations)
