"""What importers send: ``createdAt`` and ``createdBy`` on create carry a record's history
over from another system; an update may repeat the record's own ``id``, and no other."""

from __future__ import annotations

import pytest
from graphql_client import ask
from rest_client import send

from crm.models import Person
from crm.services.records import create_record
from webhooks.models import Event

HISTORY = {
    "createdAt": "2019-03-04T05:06:07.000Z",
    "createdBy": {"source": "IMPORT", "name": "Legacy CRM", "workspaceMemberId": None},
}


def test_a_create_keeps_the_history_it_was_given(api, workspace):
    response = send(api, "post", "/rest/people", {"city": "Oslo", **HISTORY})

    assert response.status_code == 201, response.content
    created = response.json()["data"]["createPerson"]
    assert created["createdAt"] == HISTORY["createdAt"]
    assert created["createdBy"] == HISTORY["createdBy"]
    stored = Person.objects.get(id=created["id"])
    assert stored.created_at.year == 2019 and stored.created_by_source == "IMPORT"
    # Webhook receivers see the history too.
    event = Event.objects.get(record_id=created["id"])
    assert event.record["createdAt"] == HISTORY["createdAt"] and event.record["createdBy"]["name"] == "Legacy CRM"


def test_what_created_by_leaves_out_comes_from_the_key(api):
    created = send(api, "post", "/rest/people", {"createdBy": {"source": "IMPORT"}}).json()["data"]["createPerson"]

    assert created["createdBy"] == {"source": "IMPORT", "name": "Tests", "workspaceMemberId": None}


def test_created_by_may_name_a_member_of_the_workspace(api, workspace, admin_user):
    member = str(workspace.members.get(user=admin_user).id)

    created = send(api, "post", "/rest/people", {"createdBy": {"source": "MANUAL", "workspaceMemberId": member}})

    assert created.status_code == 201, created.content
    assert created.json()["data"]["createPerson"]["createdBy"]["workspaceMemberId"] == member


def test_a_batch_keeps_each_records_history(api):
    response = send(
        api,
        "post",
        "/rest/batch/companies",
        [{"name": "Old", "createdAt": "2001-01-01T00:00:00Z"}, {"name": "New"}],
    )

    old, new = response.json()["data"]["createCompanies"]
    assert old["createdAt"] == "2001-01-01T00:00:00.000Z"
    assert new["createdAt"] > "2020" and new["createdBy"]["source"] == "API"


def test_graphql_creates_take_the_history_too(api):
    body = ask(
        api,
        """mutation($data: PersonCreateInput!) {
            createPerson(data: $data) { createdAt createdBy { source name context } }
        }""",
        {"data": {**HISTORY, "createdBy": {**HISTORY["createdBy"], "context": {}}}},
    )

    assert body.get("errors") is None, body
    assert body["data"]["createPerson"] == {
        "createdAt": HISTORY["createdAt"],
        "createdBy": {"source": "IMPORT", "name": "Legacy CRM", "context": None},
    }


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ({"createdAt": "last tuesday"}, "createdAt: 'last tuesday' is not a date-time"),
        ({"createdAt": None}, "createdAt: cannot be null"),
        ({"createdBy": None}, "createdBy: cannot be null"),
        ({"createdBy": "Legacy CRM"}, "createdBy: must be an object"),
        ({"createdBy": {"source": "FAX"}}, "createdBy.source: must be one of API, IMPORT"),
        ({"createdBy": {"nickname": "x"}}, "createdBy.nickname: unknown sub-field"),
        ({"createdBy": {"context": {"provider": "google"}}}, "createdBy.context: is not stored"),
        ({"createdBy": {"name": "x" * 201}}, "createdBy.name: is too long"),
        (
            {"createdBy": {"workspaceMemberId": "20202020-0000-4000-8000-000000000000"}},
            "createdBy.workspaceMemberId: no workspaceMember with id",
        ),
    ],
)
def test_bad_history_is_refused_and_nothing_is_written(api, history, message):
    response = send(api, "post", "/rest/people", {"city": "Oslo", **history})

    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()["messages"])
    assert not Person.objects.exists()


@pytest.mark.parametrize("field", ["createdAt", "createdBy"])
def test_history_cannot_be_rewritten_by_an_update(api, workspace, actor, field):
    person = create_record(workspace, "person", {}, actor)

    response = send(api, "patch", f"/rest/people/{person['id']}", {field: HISTORY[field]})

    assert response.status_code == 400
    assert response.json()["messages"] == [f"{field}: can only be set when the record is created"]


# -- id in an update ------------------------------------------------------------------


def test_an_update_may_repeat_the_records_own_id(api, workspace, actor):
    person = create_record(workspace, "person", {"city": "Oslo"}, actor)

    response = send(api, "patch", f"/rest/people/{person['id']}", {"id": person["id"], "city": "Rome"})

    assert response.status_code == 200, response.content
    assert response.json()["data"]["updatePerson"]["city"] == "Rome"


def test_an_update_naming_another_id_is_refused(api, workspace, actor):
    person = create_record(workspace, "person", {"city": "Oslo"}, actor)
    other = create_record(workspace, "person", {"city": "Lima"}, actor)

    response = send(api, "patch", f"/rest/people/{person['id']}", {"id": other["id"], "city": "Rome"})

    assert response.status_code == 400
    assert response.json()["messages"] == [
        f"id: cannot be changed: send this record's own id ({person['id']}) or leave it out"
    ]
    assert Person.objects.get(id=person["id"]).city == "Oslo"


def test_graphql_updates_may_repeat_the_id_too(api, workspace, actor):
    person = create_record(workspace, "person", {"city": "Oslo"}, actor)
    query = "mutation($id: UUID!, $data: PersonUpdateInput!) { updatePerson(id: $id, data: $data) { city } }"

    same = ask(api, query, {"id": person["id"], "data": {"id": person["id"], "city": "Rome"}})
    other = ask(api, query, {"id": person["id"], "data": {"id": "20202020-0000-4000-8000-000000000000"}})

    assert same == {"data": {"updatePerson": {"city": "Rome"}}}
    assert other["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
