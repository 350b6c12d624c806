"""Creating workspaces and their members."""

from django.db import transaction

from crm.models import User, Workspace, WorkspaceMember
from crm.services.standard_metadata import seed_workspace_metadata


@transaction.atomic
def create_workspace(slug: str, name: str) -> Workspace:
    workspace = Workspace.objects.create(slug=slug, name=name)
    seed_workspace_metadata(workspace)
    return workspace


def add_member(
    workspace: Workspace, user: User, role: str = WorkspaceMember.Role.MEMBER, first_name: str = "", last_name: str = ""
) -> WorkspaceMember:
    member, _ = WorkspaceMember.objects.get_or_create(
        workspace=workspace, user=user, defaults={"role": role, "first_name": first_name, "last_name": last_name}
    )
    return member
