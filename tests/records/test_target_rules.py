"""Note and task targets follow their note's (task's) soft delete and restore, stay when
the record they point at is deleted, and a merge never leaves two targets linking the
same pair (crm/services/targets.py), as in Twenty."""

from __future__ import annotations

import pytest
from django.test import Client

from crm.services.records import create_record, delete_record
from webhooks.models import Event


@pytest.fixture
def api(api_token: str, settings) -> Client:
    settings.API_RATE_LIMIT_PER_MINUTE = 10_000
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")


def send(api: Client, method: str, path: str, body: object | None = None):
    return getattr(api, method)(path, body or {}, content_type="application/json")


def graphql(api: Client, query: str) -> dict:
    body = send(api, "post", "/graphql", {"query": query}).json()
    assert "errors" not in body, body
    return body["data"]


def live_ids(api: Client, plural: str, filter_: str) -> set[str]:
    body = api.get(f"/rest/{plural}?filter={filter_}").json()
    return {record["id"] for record in body["data"][plural]}


@pytest.fixture
def note(workspace, actor) -> dict:
    """A note about a person and a company, and a target removed from it earlier."""
    person = create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)
    company = create_record(workspace, "company", {"name": "Acme"}, actor)
    note = create_record(workspace, "note", {"title": "Kickoff"}, actor)
    about_person = create_record(workspace, "noteTarget", {"noteId": note["id"], "personId": person["id"]}, actor)
    about_company = create_record(workspace, "noteTarget", {"noteId": note["id"], "companyId": company["id"]}, actor)
    removed = create_record(workspace, "noteTarget", {"noteId": note["id"], "personId": person["id"]}, actor)
    delete_record(workspace, "noteTarget", removed["id"], actor)
    return {
        "note": note,
        "person": person,
        "targets": {about_person["id"], about_company["id"]},
        "removed": removed["id"],
    }


def test_deleting_a_note_deletes_its_targets_and_restoring_it_restores_them(api, note, webhook):
    by_note = f"noteId[eq]:{note['note']['id']}"
    before = set(Event.objects.values_list("id", flat=True))

    assert send(api, "delete", f"/rest/notes/{note['note']['id']}?soft_delete=true").status_code == 200
    assert live_ids(api, "noteTargets", by_note) == set()
    person = api.get(f"/rest/people/{note['person']['id']}?depth=1").json()["data"]["person"]
    assert person["noteTargets"] == []
    deleted = Event.objects.exclude(id__in=before).filter(name="noteTarget.deleted")
    assert {str(event.record_id) for event in deleted} == note["targets"]

    assert send(api, "patch", f"/rest/notes/{note['note']['id']}/restore").status_code == 200
    # The target removed before the note was deleted stays removed.
    assert live_ids(api, "noteTargets", by_note) == note["targets"]
    restored = Event.objects.exclude(id__in=before).filter(name="noteTarget.restored")
    assert {str(event.record_id) for event in restored} == note["targets"]


def test_graphql_deletes_and_restores_a_tasks_targets_with_it(api, workspace, actor):
    person = create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)
    task = create_record(workspace, "task", {"title": "Call Ada"}, actor)
    target = create_record(workspace, "taskTarget", {"taskId": task["id"], "personId": person["id"]}, actor)
    by_task = f"taskId[eq]:{task['id']}"

    graphql(api, f'mutation {{ deleteTasks(filter: {{id: {{eq: "{task["id"]}"}}}}) {{ id }} }}')
    assert live_ids(api, "taskTargets", by_task) == set()
    graphql(api, f'mutation {{ restoreTask(id: "{task["id"]}") {{ id }} }}')
    assert live_ids(api, "taskTargets", by_task) == {target["id"]}


def test_deleting_the_person_a_note_is_about_keeps_the_target(api, note):
    assert send(api, "delete", f"/rest/people/{note['person']['id']}?soft_delete=true").status_code == 200
    assert live_ids(api, "noteTargets", f"noteId[eq]:{note['note']['id']}") == note["targets"]


def test_deleting_a_note_for_good_deletes_its_targets_for_good(api, note):
    assert send(api, "delete", f"/rest/notes/{note['note']['id']}?soft_delete=false").status_code == 200
    for target_id in [*note["targets"], note["removed"]]:
        assert api.get(f"/rest/noteTargets/{target_id}").status_code == 404
    trash = api.get("/rest/noteTargets?filter=deletedAt[is]:NOT_NULL").json()["data"]["noteTargets"]
    assert trash == []


@pytest.fixture
def twins(workspace, actor) -> dict:
    """Two records of one person, both linked to the same note; one also to a task."""
    kept = create_record(workspace, "person", {"name": {"firstName": "John"}}, actor)
    other = create_record(workspace, "person", {"name": {"firstName": "John"}}, actor)
    note = create_record(workspace, "note", {"title": "Met John"}, actor)
    task = create_record(workspace, "task", {"title": "Call John"}, actor)
    kept_target = create_record(workspace, "noteTarget", {"noteId": note["id"], "personId": kept["id"]}, actor)
    repeated = create_record(workspace, "noteTarget", {"noteId": note["id"], "personId": other["id"]}, actor)
    task_target = create_record(workspace, "taskTarget", {"taskId": task["id"], "personId": other["id"]}, actor)
    return {
        "kept": kept,
        "other": other,
        "note": note,
        "kept_target": kept_target["id"],
        "repeated": repeated["id"],
        "task_target": task_target["id"],
    }


def test_a_merge_deletes_a_target_that_would_link_the_same_note_twice(api, twins, webhook):
    before = set(Event.objects.values_list("id", flat=True))
    merge = {"ids": [twins["kept"]["id"], twins["other"]["id"]], "conflictPriorityIndex": 0}
    assert send(api, "patch", "/rest/people/merge", merge).status_code == 200

    person = api.get(f"/rest/people/{twins['kept']['id']}?depth=1").json()["data"]["person"]
    assert [target["id"] for target in person["noteTargets"]] == [twins["kept_target"]]
    assert [target["id"] for target in person["taskTargets"]] == [twins["task_target"]]
    assert api.get(f"/rest/noteTargets/{twins['repeated']}").status_code == 404
    announced = {(event.name, str(event.record_id)) for event in Event.objects.exclude(id__in=before)}
    assert ("noteTarget.deleted", twins["repeated"]) in announced
    assert ("taskTarget.updated", twins["task_target"]) in announced


def test_merging_two_records_whose_targets_share_a_note_keeps_the_first_target(api, workspace, actor, twins):
    third = create_record(workspace, "person", {"name": {"firstName": "John"}}, actor)
    merge = {"ids": [third["id"], twins["kept"]["id"], twins["other"]["id"]], "conflictPriorityIndex": 0}
    assert send(api, "patch", "/rest/people/merge", merge).status_code == 200
    person = api.get(f"/rest/people/{third['id']}?depth=1").json()["data"]["person"]
    assert [target["id"] for target in person["noteTargets"]] == [twins["kept_target"]]


def test_merging_notes_about_the_same_person_keeps_one_target_for_them(api, workspace, actor, twins):
    second_note = create_record(workspace, "note", {"title": "Met John again"}, actor)
    create_record(workspace, "noteTarget", {"noteId": second_note["id"], "personId": twins["kept"]["id"]}, actor)
    merge = {"ids": [twins["note"]["id"], second_note["id"]], "conflictPriorityIndex": 0}
    assert send(api, "patch", "/rest/notes/merge", merge).status_code == 200
    targets = api.get(f"/rest/noteTargets?filter=noteId[eq]:{twins['note']['id']}").json()["data"]["noteTargets"]
    assert sorted(target["personId"] for target in targets) == sorted([twins["kept"]["id"], twins["other"]["id"]])
