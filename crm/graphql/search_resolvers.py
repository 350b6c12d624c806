"""The ``search`` root query, in Twenty's shape (crm.services.search finds the records)::

    search(searchInput: "acme", limit: 5, includedObjectNameSingulars: ["company"]) {
      edges { node { recordId objectNameSingular label imageUrl tsRank tsRankCD } cursor }
      pageInfo { hasNextPage endCursor } }

``filter`` takes what every object has (``id``, ``createdAt``, ``updatedAt``, with
``and``/``or``/``not``); ``after`` is the ``endCursor`` of the page before.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import graphene
from graphql import GraphQLResolveInfo

from crm.graphql.core_types import COMPARISONS, CoreTypes, input_type, object_type
from crm.graphql.errors import UserInputError
from crm.graphql.filters import filter_node, plain
from crm.graphql.scalars import UUID, DateTime
from crm.query.listing import MAX_LIMIT
from crm.services.search import as_search_record, search_records, searchable_objects

CURSOR_PREFIX = "search:"


def search_query_fields(types: CoreTypes) -> dict[str, graphene.Field]:
    record = object_type(
        "SearchRecord",
        {
            "recordId": graphene.Field(graphene.NonNull(UUID)),
            "objectNameSingular": graphene.String(required=True),
            "objectLabelSingular": graphene.String(required=True),
            "label": graphene.String(required=True),
            "imageUrl": graphene.String(),
            "tsRankCD": graphene.Float(required=True),
            "tsRank": graphene.Float(required=True),
        },
        "A record a search found: which object, which record, and what it is called",
    )
    edge = object_type(
        "SearchResultEdge", {"node": graphene.Field(record, required=True), "cursor": graphene.String(required=True)}
    )
    page_info = object_type(
        "SearchResultPageInfo", {"hasNextPage": graphene.Boolean(required=True), "endCursor": graphene.String()}
    )
    connection = object_type(
        "SearchResultConnection",
        {
            "edges": graphene.NonNull(graphene.List(graphene.NonNull(edge))),
            "pageInfo": graphene.Field(page_info, required=True),
        },
    )
    return {
        "search": graphene.Field(
            graphene.NonNull(connection),
            args={
                "searchInput": graphene.String(required=True),
                "limit": graphene.Int(required=True),
                "after": graphene.String(),
                "includedObjectNameSingulars": graphene.List(graphene.NonNull(graphene.String)),
                "excludedObjectNameSingulars": graphene.List(graphene.NonNull(graphene.String)),
                "filter": graphene.Argument(_record_filter(types)),
            },
            resolver=resolve_search,
            description="Records of every object whose name, email, phone, domain or title holds the text",
        )
    }


def _record_filter(types: CoreTypes) -> type[graphene.InputObjectType]:
    """What every object has, to filter a search across objects."""
    fields: dict[str, Any] = {}
    fields["and"] = graphene.List(graphene.NonNull(lambda: record_filter))
    fields["or"] = graphene.List(graphene.NonNull(lambda: record_filter))
    fields["not"] = graphene.InputField(lambda: record_filter)
    fields["id"] = graphene.InputField(types.scalar_filter("UUIDFilter", UUID, COMPARISONS))
    for name in ("createdAt", "updatedAt"):
        fields[name] = graphene.InputField(types.scalar_filter("DateTimeFilter", DateTime, COMPARISONS))
    record_filter = input_type("ObjectRecordFilterInput", fields, "Conditions every object can answer")
    return record_filter


def resolve_search(_root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    context = info.context
    limit = args["limit"]
    if limit < 0:
        raise UserInputError("limit must be 0 or more")
    objects = searchable_objects(list(context.workspace_schema.objects.values()))
    included, excluded = args.get("includedObjectNameSingulars"), args.get("excludedObjectNameSingulars") or []
    objects = [
        o for o in objects if (included is None or o.name_singular in included) and o.name_singular not in excluded
    ]
    offset = _offset(args.get("after"))
    wanted = plain(args.get("filter"))
    found, more = search_records(
        context.workspace,
        objects,
        args["searchInput"],
        limit=min(limit, MAX_LIMIT),
        offset=offset,
        filter_for=lambda obj: filter_node(obj, wanted),
    )
    edges = [{"node": as_search_record(hit), "cursor": _cursor(offset + index + 1)} for index, hit in enumerate(found)]
    return {"edges": edges, "pageInfo": {"hasNextPage": more, "endCursor": edges[-1]["cursor"] if edges else None}}


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{position}".encode()).decode()


def _offset(after: str | None) -> int:
    if not after:
        return 0
    try:
        text = base64.urlsafe_b64decode(after.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith(CURSOR_PREFIX) or not text[len(CURSOR_PREFIX) :].isdigit():
        raise UserInputError("Invalid cursor: use the endCursor of the page before")
    return int(text[len(CURSOR_PREFIX) :])
