"""Shared fixtures: workspaces, people who log in, API keys."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.test import client as django_test_client
from hypothesis import settings as hypothesis_settings

from config.api_lane import AnswersInLane
from crm.models import User, Workspace, WorkspaceMember
from crm.services.actor import Actor
from crm.services.api_keys import create_api_key
from crm.services.workspaces import add_member, create_workspace


class LaneClientHandler(AnswersInLane, django_test_client.ClientHandler):
    """The test client's handler, answering the busiest API views as the web process does:
    past the middleware chain (config/api_lane.py). So the suite tests the path production
    takes; tests/platform/test_api_lane.py holds it to Django's own handler."""


django_test_client.ClientHandler = LaneClientHandler  # what every Client() is made with

# Fixtures for webhook delivery (a broker per module, a local receiver, a real worker).
pytest_plugins = ["webhook_fixtures"]

# Property tests judge answers, not speed: on a busy two-core machine one example can
# take longer than Hypothesis's default deadline, which would fail a correct run.
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Give each local run its own SQLite file, so two runs at once don't clobber each other."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database["TEST"]["NAME"] = database["TEST"]["NAME"].replace(".sqlite3", f"-{os.getpid()}.sqlite3")


@pytest.fixture(autouse=True)
def forget_failed_logins() -> Iterator[None]:
    """Failed logins are counted in the shared cache, which outlives a test and a run:
    each test forgets the ones it made, so that no later test finds 127.0.0.1 or an
    account locked out. The counters are named as the failure happens, under the
    settings the test ran with."""
    from axes.helpers import get_cache, get_client_cache_keys
    from django.contrib.auth.signals import user_login_failed

    counters: set[str] = set()

    def remember(sender: object, credentials: dict, request: object = None, **kwargs: object) -> None:
        if request is not None:
            counters.update(get_client_cache_keys(request, credentials))

    user_login_failed.connect(remember, weak=False, dispatch_uid="forget_failed_logins")
    yield
    user_login_failed.disconnect(dispatch_uid="forget_failed_logins")
    if counters:
        get_cache().delete_many(counters)


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


@pytest.fixture
def one_rate_limit_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request of the test counted in the same one-minute window: a test that
    counts to a limit must not see its count start again because a minute ended."""
    from crm.services import rate_limit

    middle = (int(time.time() // rate_limit.WINDOW_SECONDS) + 0.5) * rate_limit.WINDOW_SECONDS
    monkeypatch.setattr(rate_limit, "time", SimpleNamespace(time=lambda: middle))


@pytest.fixture
def warm_api(api_token: str, settings: Any) -> Client:
    """A REST client whose key was used once already: a key's first use records when it
    was last used, later requests only read it, so query counts see the steady state."""
    settings.API_RATE_LIMIT_PER_MINUTE = 10_000
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")
    client.get("/rest/unicorns")
    return client
