"""Related ids kept in JSON by custom relations (``custom.companyId``) follow the record
they point at as a foreign key with ON DELETE SET NULL does for standard relations: when
that record is destroyed, the records pointing at it point at nothing."""

from __future__ import annotations

from typing import Any

from crm.metadata.schema import CompiledObject
from crm.models import Workspace
from crm.query.record_queries import get_object, records

JSON_PREFIX = "custom__"


def forget_references_to(workspace: Workspace, obj: CompiledObject, record_id: Any) -> None:
    """Drop ``record_id`` from the records of every custom relation pointing at ``obj``."""
    for relation_field in obj.relations:
        relation = relation_field.relation
        fk = relation.target_fk_column if relation is not None else None
        if relation is None or relation.kind != "ONE_TO_MANY" or not fk or not fk.startswith(JSON_PREFIX):
            continue
        key = fk.removeprefix(JSON_PREFIX)
        target = get_object(workspace, relation.target)
        pointing = list(
            records(workspace, target, include_deleted=True).filter(**{fk: str(record_id)}).only("id", "custom")
        )
        for row in pointing:
            row.custom.pop(key, None)
        if pointing:
            target.model.objects.bulk_update(pointing, ["custom"], batch_size=500)
