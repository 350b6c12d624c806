"""Shared fixtures: workspaces, people who log in, API keys."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from crm.models import User, Workspace, WorkspaceMember
from crm.services.actor import Actor
from crm.services.api_keys import create_api_key
from crm.services.workspaces import add_member, create_workspace


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Give each local run its own SQLite file, so two runs at once don't clobber each other."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database["TEST"]["NAME"] = database["TEST"]["NAME"].replace(".sqlite3", f"-{os.getpid()}.sqlite3")


@pytest.fixture
def workspace(db: None) -> Workspace:
    return create_workspace("acme", "Acme")


@pytest.fixture
def other_workspace(db: None) -> Workspace:
    return create_workspace("globex", "Globex")


@pytest.fixture
def admin_user(workspace: Workspace) -> User:
    user = User.objects.create_user("admin@acme.example.com", "correct-horse")
    add_member(workspace, user, WorkspaceMember.Role.ADMIN, first_name="Ada", last_name="Admin")
    return user


@pytest.fixture
def member_user(workspace: Workspace) -> User:
    user = User.objects.create_user("member@acme.example.com", "correct-horse")
    add_member(workspace, user, WorkspaceMember.Role.MEMBER)
    return user


@pytest.fixture
def other_admin_user(other_workspace: Workspace) -> User:
    user = User.objects.create_user("admin@globex.example.com", "correct-horse")
    add_member(other_workspace, user, WorkspaceMember.Role.ADMIN)
    return user


@pytest.fixture
def api_token(workspace: Workspace) -> str:
    return create_api_key(workspace, "Tests")[1]


@pytest.fixture
def api(api_token: str) -> Client:
    """A REST client sending the workspace's full-access key."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")


@pytest.fixture
def read_only_token(workspace: Workspace) -> str:
    return create_api_key(workspace, "Read only", read_only=True)[1]


@pytest.fixture
def other_token(other_workspace: Workspace) -> str:
    return create_api_key(other_workspace, "Other")[1]


@pytest.fixture
def actor() -> Actor:
    return Actor(source="MANUAL", name="Test suite")
