from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """Who made a change: recorded as the record's createdBy and on its events."""

    source: str  # API | MANUAL | IMPORT | SYSTEM
    name: str = ""
    workspace_member_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "name": self.name,
            "workspaceMemberId": str(self.workspace_member_id) if self.workspace_member_id else None,
            "apiKeyId": str(self.api_key_id) if self.api_key_id else None,
        }


SYSTEM = Actor(source="SYSTEM", name="System")


def api_key_actor(key: Any) -> Actor:
    """Changes made with an API key (REST or GraphQL) are the key's."""
    return Actor(source="API", name=key.name, api_key_id=key.id)
