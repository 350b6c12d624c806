"""What every resolver of a request can reach through ``info.context``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crm.graphql.errors import ForbiddenError
from crm.metadata.schema import CompiledObject, WorkspaceSchema
from crm.models import ApiKey, Workspace
from crm.services.actor import Actor, api_key_actor
from crm.services.api_access import FULL_ACCESS_NEEDED, may_see_sensitive


@dataclass
class RequestContext:
    workspace: Workspace
    api_key: ApiKey
    workspace_schema: WorkspaceSchema
    # Compiled object of each record type name (Person -> person), for resolvers
    # that only know the GraphQL type they are on.
    objects_by_type: dict[str, CompiledObject] = field(default_factory=dict)
    request: Any = None
    # Objects the metadata API has described in this request, by id (a field's ``object``).
    described_objects: dict[Any, dict[str, Any]] = field(default_factory=dict)

    def require_full_access(self) -> RequestContext:
        """This context, if its key may see and change the workspace's settings
        (webhooks, API keys); ForbiddenError for a read-only key."""
        if not may_see_sensitive(self.api_key):
            raise ForbiddenError(FULL_ACCESS_NEEDED)
        return self

    @property
    def actor(self) -> Actor:
        return api_key_actor(self.api_key)

    def object(self, singular: str) -> CompiledObject:
        return self.workspace_schema.objects[singular]
