"""seed_demo and create_api_key, as scripts call them."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from crm.models import Company, Note, NoteTarget, Person, Task, TaskTarget, User, Workspace, WorkspaceMember
from crm.services.api_access import authenticate_header_and_count


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_seed_demo_creates_the_demo_admin_and_records_once(db):
    run("seed_demo")
    counts = (Person.objects.count(), Company.objects.count())
    run("seed_demo")

    assert (Person.objects.count(), Company.objects.count()) == counts
    assert counts[0] >= 24 and counts[1] >= 10
    admin = User.objects.get(email="admin@example.com")
    assert admin.check_password("admin")
    assert WorkspaceMember.objects.get(user=admin, workspace__slug="demo").role == "admin"


def test_seed_demo_attaches_notes_and_tasks_to_what_they_are_about(db):
    run("seed_demo")
    note_targets = NoteTarget.objects.filter(workspace__slug="demo")
    task_targets = TaskTarget.objects.filter(workspace__slug="demo")
    assert note_targets.exclude(person=None).exists() and note_targets.exclude(company=None).exists()
    assert task_targets.exclude(opportunity=None).exists() and task_targets.exclude(person=None).exists()
    # Every note and task is about something.
    assert not Note.objects.filter(workspace__slug="demo", note_targets=None).exists()
    assert not Task.objects.filter(workspace__slug="demo", task_targets=None).exists()


def test_seed_demo_with_people_tops_up_to_the_number_asked_with_progress(db):
    output = run("seed_demo", "--people", "150")
    assert Person.objects.filter(workspace__slug="demo").count() == 150
    assert "people: " in output
    run("seed_demo", "--people", "150")
    assert Person.objects.filter(workspace__slug="demo").count() == 150


def test_seed_demo_for_another_workspace_has_its_own_admin(db):
    run("seed_demo", "--workspace", "beta")
    member = WorkspaceMember.objects.get(workspace__slug="beta")
    assert member.user.email == "admin@beta.example.com" and member.is_admin


def test_create_api_key_prints_only_a_working_token(db):
    run("seed_demo")
    output = run("create_api_key", "--workspace", "demo", "--name", "Script", "--expires-in-days", "30", "--read-only")
    token = output.strip()
    assert "\n" not in token
    key, _limit = authenticate_header_and_count(f"Bearer {token}")
    assert key.workspace == Workspace.objects.get(slug="demo")
    assert key.read_only and key.lifetime_days == 30


def test_create_api_key_for_an_unknown_workspace_fails_clearly(db):
    with pytest.raises(CommandError, match="No workspace with slug 'nope'"):
        run("create_api_key", "--workspace", "nope", "--name", "x")


def test_create_workspace_makes_an_empty_workspace_with_its_admin(db, monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", "a long enough secret")
    arguments = ["--slug", "acme", "--admin-email", "Ops@Acme.example", "--password-from-env", "ADMIN_PASSWORD"]
    output = run("create_workspace", *arguments)
    workspace = Workspace.objects.get(slug="acme")
    admin = User.objects.get(email="ops@acme.example")
    assert "Workspace 'acme' created" in output
    assert workspace.name == "Acme" and admin.check_password("a long enough secret")
    assert WorkspaceMember.objects.get(workspace=workspace, user=admin).is_admin
    assert not Person.objects.filter(workspace=workspace).exists()


def test_create_workspace_refuses_a_taken_slug_and_a_weak_password(db, monkeypatch):
    run("seed_demo")
    with pytest.raises(CommandError, match="already exists"):
        run("create_workspace", "--slug", "demo", "--admin-email", "a@b.example")
    monkeypatch.setenv("WEAK", "short")
    with pytest.raises(CommandError, match="too short"):
        run("create_workspace", "--slug", "new", "--admin-email", "a@b.example", "--password-from-env", "WEAK")
    assert not Workspace.objects.filter(slug="new").exists()
