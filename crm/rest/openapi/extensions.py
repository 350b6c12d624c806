"""Parts that other apps add to the core OpenAPI document.

The webhooks app registers its routes and the bodies of its deliveries here when Django
starts (see ``webhooks.apps``), so the document describes them without this package
importing that app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crm.metadata.schema import WorkspaceSchema

Schema = dict[str, Any]


@dataclass
class CoreAddition:
    schemas: dict[str, Schema] = field(default_factory=dict)
    paths: dict[str, Schema] = field(default_factory=dict)
    tags: list[Schema] = field(default_factory=list)
    webhooks: dict[str, Schema] = field(default_factory=dict)  # OpenAPI's top-level "webhooks"


Extension = Callable[[WorkspaceSchema], CoreAddition]

_extensions: list[Extension] = []


def extend_core_document(extension: Extension) -> None:
    """Add what ``extension`` returns for a workspace to its core document."""
    if extension not in _extensions:
        _extensions.append(extension)


def core_additions(workspace_schema: WorkspaceSchema) -> list[CoreAddition]:
    return [extension(workspace_schema) for extension in _extensions]
