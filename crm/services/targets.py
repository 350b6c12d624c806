"""The rules of note and task targets, as Twenty keeps them.

**They follow their note's soft delete.** A target only says what its note (task) is
about, so it means nothing once the note is gone. As in Twenty, soft-deleting a note
soft-deletes its live targets, and restoring the note restores them. Restoring brings
back only the targets deleted together with the note (they share its ``deletedAt``): a
target removed from the note before stays removed, where Twenty restores every deleted
target of the note.

The other side is left alone, as in Twenty: deleting a person, company or opportunity
keeps the targets that point at it, so restoring the person finds its notes again.
Deleting a record for good removes its targets with it (their foreign keys cascade).

Each change is returned as a ``RecordChange`` for the caller to announce with its own,
so a target's webhook event (``noteTarget.deleted``, ``noteTarget.restored``) is written
in the same transaction as the note's.

**A target links a pair once.** No two live targets link the same note to the same
person (company, opportunity), so a merge that would make a second such link deletes
the redundant target instead (crm/services/merge.py), as Twenty's does.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from crm.metadata.schema import CompiledObject
from crm.models import Workspace
from crm.query.record_queries import deleted_records, get_object, records
from crm.query.serialize import serialize_instance
from crm.services.record_changes import RecordChange

# Note (task): its targets' object and their column that holds its id.
TARGETS_OF = {"note": ("noteTarget", "note_id"), "task": ("taskTarget", "task_id")}
# Target object: the column of its note (task).
PARENT_COLUMNS = dict(TARGETS_OF.values())
# What a target links its note (task) to: one of these.
LINKED_COLUMNS = ("person_id", "company_id", "opportunity_id")


def pair_columns(object_name: str, moved_column: str) -> tuple[str, ...]:
    """When records of ``object_name`` are moved along ``moved_column`` (re-pointed at
    another record), the columns that, with it, name a pair a target may link once;
    none for a record that is not a target."""
    parent_column = PARENT_COLUMNS.get(object_name)
    if parent_column is None:
        return ()
    if moved_column == parent_column:
        return LINKED_COLUMNS
    if moved_column in LINKED_COLUMNS:
        return (parent_column,)
    return ()


def soft_delete_targets_of(
    workspace: Workspace, parent: str, parent_id: uuid.UUID, when: datetime.datetime
) -> list[RecordChange]:
    """Soft-delete the live targets of a note (task) being soft-deleted at ``when``;
    nothing for another object."""
    if parent not in TARGETS_OF:
        return []
    name, column = TARGETS_OF[parent]
    obj = get_object(workspace, name)
    live = records(workspace, obj).filter(**{column: parent_id})
    return _set_deleted_at(obj, live, deleted_at=when, updated_at=when, action="deleted")


def restore_targets_of(
    workspace: Workspace, parent: str, parent_id: uuid.UUID, deleted_at: datetime.datetime
) -> list[RecordChange]:
    """Restore the targets deleted together with a note (task), at its ``deleted_at``."""
    if parent not in TARGETS_OF:
        return []
    name, column = TARGETS_OF[parent]
    obj = get_object(workspace, name)
    deleted_with_parent = deleted_records(workspace, obj).filter(**{column: parent_id}, deleted_at=deleted_at)
    return _set_deleted_at(obj, deleted_with_parent, deleted_at=None, updated_at=timezone.now(), action="restored")


def _set_deleted_at(
    obj: CompiledObject,
    queryset: QuerySet[Any],
    *,
    deleted_at: datetime.datetime | None,
    updated_at: datetime.datetime,
    action: str,
) -> list[RecordChange]:
    changes = []
    for instance in queryset.order_by("created_at", "id").select_for_update():
        instance.deleted_at = deleted_at
        instance.updated_at = updated_at
        instance.save(update_fields=["deleted_at", "updated_at"])
        changes.append(RecordChange(obj.name_singular, action, serialize_instance(obj, instance)))
    return changes
