"""Rewriting the values a custom field holds in every record, when the field itself changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crm.metadata.schema import model_of
from crm.models import ObjectMetadata, Workspace
from crm.query.object_scope import metadata_rows

BATCH_SIZE = 500


def rewrite_custom_values(
    workspace: Workspace, obj: ObjectMetadata, name: str, rewrite: Callable[[dict[str, Any]], bool]
) -> None:
    """Let ``rewrite`` change the custom values of every record of the object that holds
    ``name``, deleted records included (they may be restored), and save those it says
    it changed."""
    model = model_of(obj)
    queryset = metadata_rows(obj).filter(workspace=workspace, custom__has_key=name).only("id", "custom")
    batch = []
    for record in queryset.iterator(chunk_size=BATCH_SIZE):
        if not rewrite(record.custom):
            continue
        batch.append(record)
        if len(batch) >= BATCH_SIZE:
            model.objects.bulk_update(batch, ["custom"])
            batch = []
    if batch:
        model.objects.bulk_update(batch, ["custom"])
