"""Workspace-scoped query helpers. Every read of CRM records starts here, so no
query can forget the workspace."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from crm.metadata.schema import CompiledObject, WorkspaceSchema, get_workspace_schema
from crm.models import Workspace
from crm.query.object_scope import object_rows


class UnknownObjectError(LookupError):
    pass


class RecordNotFoundError(LookupError):
    """No such record; ``str(self)`` says which. Both APIs answer with Twenty's words
    (``twenty_message``) first, which its clients compare."""

    twenty_message = "Record not found"


def get_object(workspace: Workspace, name: str) -> CompiledObject:
    """Look an object up by singular or plural name."""
    schema: WorkspaceSchema = get_workspace_schema(workspace)
    obj = schema.by_singular(name) or schema.by_plural(name)
    if obj is None:
        raise UnknownObjectError(f"Unknown object '{name}'")
    return obj


def records(workspace: Workspace, obj: CompiledObject, *, include_deleted: bool = False) -> QuerySet[Any]:
    queryset = object_rows(obj).filter(workspace=workspace)
    if not include_deleted:
        queryset = queryset.filter(deleted_at__isnull=True)
    return queryset


def deleted_records(workspace: Workspace, obj: CompiledObject) -> QuerySet[Any]:
    return object_rows(obj).filter(workspace=workspace, deleted_at__isnull=False)


def get_record(
    workspace: Workspace,
    obj: CompiledObject,
    record_id: Any,
    *,
    include_deleted: bool = False,
    for_update: bool = False,
) -> Any:
    """The record with this id in this workspace; another workspace's id is not found."""
    try:
        parsed = record_id if isinstance(record_id, uuid.UUID) else uuid.UUID(str(record_id))
    except ValueError:
        raise RecordNotFoundError(f"No {obj.name_singular} with id '{str(record_id)[:60]}'") from None
    queryset = records(workspace, obj, include_deleted=include_deleted)
    if for_update:
        queryset = queryset.select_for_update()
    instance = queryset.filter(id=parsed).first()
    if instance is None:
        raise RecordNotFoundError(f"No {obj.name_singular} with id '{parsed}'")
    return instance
