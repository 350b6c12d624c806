"""``currentWorkspace``: the API key's workspace, in Twenty's shape.

Twenty's clients ask for it to check a key and to name the connection (its Zapier app
reads ``id`` and ``displayName``), on /graphql or on /metadata depending on their
version, so both schemas offer it.
"""

from __future__ import annotations

from typing import Any

import graphene
from graphql import GraphQLResolveInfo

from crm.graphql.scalars import UUID, DateTime
from crm.models import Workspace as WorkspaceModel
from crm.query.serialize import format_datetime
from crm.services.workspaces import member_count


class Workspace(graphene.ObjectType):
    """Resolved from the workspace row itself; the member count is queried only when asked."""

    class Meta:
        name = "Workspace"
        description = "The workspace the API key belongs to"

    id = graphene.Field(graphene.NonNull(UUID), resolver=lambda w, _info: str(w.id))
    displayName = graphene.String(resolver=lambda w, _info: w.name)  # noqa: N815 - the API's name
    subdomain = graphene.String(required=True, resolver=lambda w, _info: w.slug, description="The workspace's slug")
    logo = graphene.String(resolver=lambda _w, _info: None)
    activationStatus = graphene.String(required=True, resolver=lambda _w, _info: "ACTIVE")  # noqa: N815
    workspaceMembersCount = graphene.Int(resolver=lambda w, _info: member_count(w))  # noqa: N815
    metadataVersion = graphene.Int(  # noqa: N815
        required=True,
        resolver=lambda w, _info: w.metadata_version,
        description="Grows whenever a field is added, changed or removed",
    )
    createdAt = graphene.Field(  # noqa: N815
        graphene.NonNull(DateTime), resolver=lambda w, _info: format_datetime(w.created_at)
    )
    # The workspace row keeps no change time of its own.
    updatedAt = graphene.Field(  # noqa: N815
        graphene.NonNull(DateTime), resolver=lambda w, _info: format_datetime(w.created_at)
    )
    deletedAt = graphene.Field(DateTime, resolver=lambda _w, _info: None)  # noqa: N815


def resolve_current_workspace(_root: Any, info: GraphQLResolveInfo) -> WorkspaceModel:
    return info.context.workspace


def current_workspace_field() -> graphene.Field:
    return graphene.Field(
        graphene.NonNull(Workspace),
        resolver=resolve_current_workspace,
        description="The workspace the API key belongs to",
    )
