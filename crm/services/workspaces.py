"""Creating workspaces and their members."""

from collections.abc import Iterable

from django.db import transaction

from crm.metadata.standard_objects import FieldSpec
from crm.models import FieldMetadata, ObjectMetadata, User, Workspace, WorkspaceMember
from crm.services.standard_metadata import seed_workspace_metadata


@transaction.atomic
def create_workspace(slug: str, name: str) -> Workspace:
    workspace = Workspace.objects.create(slug=slug, name=name)
    seed_workspace_metadata(workspace)
    return workspace


def field_rows(workspace: Workspace, obj: ObjectMetadata, specs: Iterable[FieldSpec]) -> list[FieldMetadata]:
    """Unsaved metadata rows of ``obj``'s fields described by ``specs``, positioned in order."""
    return [
        FieldMetadata(
            workspace=workspace,
            object=obj,
            name=field.name,
            label=field.label,
            description=field.description,
            type=field.type,
            icon=field.icon,
            is_system=field.is_system,
            is_nullable=field.is_nullable,
            options=field.options,
            settings=field.settings,
            default_value=field.default_value,
            position=position,
        )
        for position, field in enumerate(specs)
    ]


def add_member(
    workspace: Workspace, user: User, role: str = WorkspaceMember.Role.MEMBER, first_name: str = "", last_name: str = ""
) -> WorkspaceMember:
    member, _ = WorkspaceMember.objects.get_or_create(
        workspace=workspace, user=user, defaults={"role": role, "first_name": first_name, "last_name": last_name}
    )
    return member


def member_count(workspace: Workspace) -> int:
    return WorkspaceMember.objects.filter(workspace=workspace).count()
