"""``?depth=`` on writes, as on reads: depth 1 embeds the related records in what a
create, update, batch create or restore answers, and a depth Twenty refuses is a 400
with its message on every route, before anything is written."""

from __future__ import annotations

import pytest
from rest_client import send

from crm.models import Person
from crm.services.records import create_record, delete_record
from webhooks.models import Event


@pytest.fixture
def company(workspace, actor) -> dict:
    return create_record(workspace, "company", {"name": "Acme"}, actor)


@pytest.fixture
def person(workspace, actor, company) -> dict:
    return create_record(workspace, "person", {"city": "Oslo", "companyId": company["id"]}, actor)


def test_create_at_depth_1_embeds_the_company(api, company):
    created = send(api, "post", "/rest/people?depth=1", {"companyId": company["id"]}).json()["data"]["createPerson"]
    plain = send(api, "post", "/rest/people?depth=0", {"companyId": company["id"]}).json()["data"]["createPerson"]

    assert created["company"]["id"] == company["id"] and created["company"]["name"] == "Acme"
    assert created["pointOfContactForOpportunities"] == []
    assert "company" not in plain and plain["companyId"] == company["id"]


def test_batch_create_at_depth_1_embeds_each_records_relations(api, company):
    response = send(api, "post", "/rest/batch/people?depth=1", [{"companyId": company["id"]}, {}])

    first, second = response.json()["data"]["createPeople"]
    assert first["company"]["name"] == "Acme" and second["company"] is None


def test_update_at_depth_1_embeds_the_company(api, person):
    response = send(api, "patch", f"/rest/people/{person['id']}?depth=1", {"city": "Rome"})

    updated = response.json()["data"]["updatePerson"]
    assert updated["city"] == "Rome" and updated["company"]["name"] == "Acme"


def test_update_of_many_at_depth_1_embeds_the_company(api, person):
    response = send(api, "patch", "/rest/people?filter=city[eq]:Oslo&depth=1", {"jobTitle": "Pilot"})

    (updated,) = response.json()["data"]["updatePeople"]
    assert updated["company"]["name"] == "Acme"


def test_a_company_created_at_depth_1_lists_its_people_empty(api):
    created = send(api, "post", "/rest/companies?depth=1", {"name": "Initech"}).json()["data"]["createCompany"]

    assert created["people"] == [] and created["opportunities"] == []


@pytest.mark.parametrize("path", ["/rest/people/{id}/restore?depth=1", "/rest/restore/people/{id}?depth=1"])
def test_restore_at_depth_1_embeds_the_company(api, workspace, actor, person, path):
    delete_record(workspace, "person", person["id"], actor)

    response = send(api, "patch", path.format(id=person["id"]))

    assert response.json()["data"]["restorePerson"]["company"]["name"] == "Acme"


def test_restore_of_many_at_depth_1_embeds_the_company(api, workspace, actor, person):
    delete_record(workspace, "person", person["id"], actor)

    response = send(api, "patch", "/rest/people/restore?filter=city[eq]:Oslo&depth=1")

    (restored,) = response.json()["data"]["restorePeople"]
    assert restored["company"]["name"] == "Acme"


ROUTES = [
    ("get", "/rest/people", None),
    ("get", "/rest/people/{id}", None),
    ("post", "/rest/people", {"city": "Rome"}),
    ("post", "/rest/batch/people", [{"city": "Rome"}]),
    ("patch", "/rest/people/{id}", {"city": "Rome"}),
    ("put", "/rest/people/{id}", {"city": "Rome"}),
    ("patch", "/rest/people?filter=city[eq]:Oslo", {"city": "Rome"}),
    ("delete", "/rest/people/{id}", None),
    ("delete", "/rest/people?filter=city[eq]:Oslo", None),
    ("patch", "/rest/people/{id}/restore", None),
    ("patch", "/rest/people/restore?filter=city[eq]:Oslo", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
@pytest.mark.parametrize("depth", ["2", "-1", "one", "1.5"])
def test_a_depth_twenty_refuses_is_a_400_with_its_message_and_nothing_changes(
    api, workspace, actor, person, method, path, body, depth
):
    if "restore" in path:
        delete_record(workspace, "person", person["id"], actor)
    before = (sorted(Person.objects.values_list("id", "city", "deleted_at")), Event.objects.count())
    separator = "&" if "?" in path else "?"

    response = send(api, method, f"{path.format(id=person['id'])}{separator}depth={depth}", body)

    assert response.status_code == 400, response.content
    assert response.json()["messages"] == [f"'depth={depth}' parameter invalid. Allowed values are 0, 1"]
    assert (sorted(Person.objects.values_list("id", "city", "deleted_at")), Event.objects.count()) == before
