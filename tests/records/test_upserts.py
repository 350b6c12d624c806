"""``upsert``: a create that matches an existing record (same id, or the same value in a
unique field: a person's primary email, a company's domain) updates it instead of
adding a duplicate, over GraphQL (``upsert: true``) and REST (``?upsert=true``)."""

from __future__ import annotations

import pytest
from graphql_client import ask
from rest_client import send

from crm.models import Company, Note, Person
from crm.services.records import create_record, delete_record
from webhooks.models import Event

CREATE_PERSON = """mutation($data: PersonCreateInput!, $upsert: Boolean) {
    createPerson(data: $data, upsert: $upsert) { id jobTitle createdAt emails { primaryEmail } }
}"""
CREATE_PEOPLE = """mutation($data: [PersonCreateInput!]!) {
    createPeople(data: $data, upsert: true) { id city }
}"""


def events_of(record_id: str) -> list[str]:
    return list(Event.objects.filter(record_id=record_id).order_by("created_at").values_list("name", flat=True))


@pytest.fixture
def ada(workspace, actor) -> dict:
    return create_record(
        workspace, "person", {"emails": {"primaryEmail": "ada@example.com"}, "jobTitle": "Analyst"}, actor
    )


def test_an_upsert_with_a_known_email_updates_that_person(api, ada):
    body = ask(
        api,
        CREATE_PERSON,
        {"data": {"emails": {"primaryEmail": "ADA@example.com"}, "jobTitle": "Engineer"}, "upsert": True},
    )

    assert body["data"]["createPerson"]["id"] == ada["id"]
    assert body["data"]["createPerson"]["jobTitle"] == "Engineer"
    assert Person.objects.count() == 1
    assert events_of(ada["id"]) == ["person.created", "person.updated"]


def test_an_upsert_with_a_known_id_updates_that_record(api, ada):
    body = ask(api, CREATE_PERSON, {"data": {"id": ada["id"], "jobTitle": "Engineer"}, "upsert": True})

    assert body["data"]["createPerson"]["id"] == ada["id"] and Person.objects.count() == 1


def test_an_upsert_that_matches_nothing_creates(api, ada):
    body = ask(api, CREATE_PERSON, {"data": {"emails": {"primaryEmail": "grace@example.com"}}, "upsert": True})

    assert body["data"]["createPerson"]["id"] != ada["id"]
    assert Person.objects.count() == 2


def test_without_upsert_a_create_of_a_known_email_is_refused(api, ada):
    body = ask(api, CREATE_PERSON, {"data": {"emails": {"primaryEmail": "ada@example.com"}, "jobTitle": "Engineer"}})

    assert body["errors"][0]["message"] == "A duplicate entry was detected"
    assert list(Person.objects.values_list("job_title", flat=True)) == ["Analyst"]


def test_a_batch_upsert_updates_the_matches_and_creates_the_rest_in_order(api, ada):
    body = ask(
        api,
        CREATE_PEOPLE,
        {
            "data": [
                {"emails": {"primaryEmail": "grace@example.com"}, "city": "Arlington"},
                {"emails": {"primaryEmail": "ada@example.com"}, "city": "London"},
            ]
        },
    )

    grace, updated = body["data"]["createPeople"]
    assert updated == {"id": ada["id"], "city": "London"}
    assert grace["city"] == "Arlington" and Person.objects.count() == 2


def test_companies_match_on_their_domain_as_people_write_it(api, workspace, actor):
    acme = create_record(
        workspace, "company", {"name": "Acme", "domainName": {"primaryLinkUrl": "https://acme.example"}}, actor
    )

    response = send(
        api,
        "post",
        "/rest/companies?upsert=true",
        {"name": "ACME Inc", "domainName": {"primaryLinkUrl": "https://ACME.example/"}},
    )

    assert response.status_code == 201, response.content
    assert response.json()["data"]["createCompany"]["id"] == acme["id"]
    assert list(Company.objects.values_list("name", flat=True)) == ["ACME Inc"]


def test_rest_batch_upserts_too(api, ada):
    response = send(
        api,
        "post",
        "/rest/batch/people?upsert=true",
        [{"emails": {"primaryEmail": "ada@example.com"}, "city": "Paris"}],
    )

    assert response.json()["data"]["createPeople"][0]["id"] == ada["id"]
    assert Person.objects.get(id=ada["id"]).city == "Paris"


def test_an_object_without_unique_fields_upserts_by_id_only(api, workspace, actor):
    note = create_record(workspace, "note", {"title": "Call"}, actor)

    send(api, "post", "/rest/notes?upsert=true", {"id": note["id"], "title": "Call back"})
    send(api, "post", "/rest/notes?upsert=true", {"title": "Call back"})

    assert sorted(Note.objects.values_list("title", flat=True)) == ["Call back", "Call back"]


def test_history_applies_only_to_records_an_upsert_creates(api, ada):
    body = ask(
        api,
        CREATE_PERSON,
        {"data": {"emails": {"primaryEmail": "ada@example.com"}, "createdAt": "2001-01-01T00:00:00Z"}, "upsert": True},
    )

    assert body["data"]["createPerson"]["createdAt"] == ada["createdAt"]


def test_a_soft_deleted_match_is_left_in_the_trash(api, workspace, actor, ada):
    delete_record(workspace, "person", ada["id"], actor)

    body = ask(api, CREATE_PERSON, {"data": {"emails": {"primaryEmail": "ada@example.com"}}, "upsert": True})

    assert body["data"]["createPerson"]["id"] != ada["id"]


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (
            [{"emails": {"primaryEmail": "new@example.com"}}, {"emails": {"primaryEmail": "NEW@example.com"}}],
            "is also in item [0]",
        ),
        ([{"emails": {"primaryEmail": "ada@example.com"}}, {"id": "{ada}"}], "names the same person as item [0]"),
        (
            [{"emails": {"primaryEmail": "ada@example.com"}, "id": "20202020-0000-4000-8000-000000000000"}],
            "id: cannot be changed",
        ),
    ],
)
def test_an_upsert_that_would_write_a_record_twice_or_change_its_id_is_refused(api, ada, items, message):
    items = [
        {key: value.format(ada=ada["id"]) if key == "id" else value for key, value in item.items()} for item in items
    ]
    before = (Person.objects.count(), Event.objects.count())

    response = send(api, "post", "/rest/batch/people?upsert=true", items)

    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()["messages"])
    assert (Person.objects.count(), Event.objects.count()) == before


def test_a_bad_upsert_flag_is_a_400(api):
    response = send(api, "post", "/rest/people?upsert=maybe", {})

    assert response.status_code == 400 and "upsert must be true or false" in response.json()["messages"][0]
    assert not Person.objects.exists()
