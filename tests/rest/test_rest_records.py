"""REST core endpoints: create, read, update, delete, batch, restore, destroy, depth."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from rest_client import patch, post

from crm.models import Company, Person
from webhooks.models import Event


@pytest.fixture
def api(api_token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")


def create_person(api: Client, **data: object) -> dict:
    response = post(api, "/rest/people", data)
    assert response.status_code == 201, response.content
    return response.json()["data"]["createPerson"]


def test_create_returns_the_record_in_a_create_envelope(api):
    response = post(
        api,
        "/rest/people",
        {"name": {"firstName": "Ada", "lastName": "Lovelace"}, "emails": {"primaryEmail": "ada@example.com"}},
    )
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    person = response.json()["data"]["createPerson"]
    assert person["name"] == {"firstName": "Ada", "lastName": "Lovelace"}
    assert person["emails"]["primaryEmail"] == "ada@example.com"
    assert person["createdBy"]["source"] == "API"
    assert person["createdBy"]["name"] == "Tests"
    assert Person.objects.filter(id=person["id"]).exists()


def test_create_writes_an_event_attributed_to_the_api_key(api, workspace):
    person = create_person(api, city="Paris")
    event = Event.objects.get(record_id=person["id"])
    assert event.name == "person.created"
    assert event.actor["source"] == "API"
    assert event.actor["apiKeyId"] is not None


def test_list_returns_records_page_info_and_total_count(api):
    create_person(api, city="Paris")
    create_person(api, city="Rome")
    body = api.get("/rest/people").json()
    assert set(body) == {"data", "pageInfo", "totalCount"}
    assert [p["city"] for p in body["data"]["people"]] and body["totalCount"] == 2
    assert set(body["pageInfo"]) == {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"}
    assert body["pageInfo"]["hasNextPage"] is False


def test_get_one_uses_the_singular_envelope(api):
    person = create_person(api, city="Oslo")
    response = api.get(f"/rest/people/{person['id']}")
    assert response.status_code == 200
    assert response.json() == {"data": {"person": person}}


def test_update_changes_only_the_fields_sent(api):
    person = create_person(api, city="Oslo", jobTitle="CTO", name={"firstName": "Ada", "lastName": "L"})
    response = patch(api, f"/rest/people/{person['id']}", {"city": "Bergen", "name": {"lastName": "Lovelace"}})
    assert response.status_code == 200
    updated = response.json()["data"]["updatePerson"]
    assert updated["city"] == "Bergen"
    assert updated["jobTitle"] == "CTO"
    assert updated["name"] == {"firstName": "Ada", "lastName": "Lovelace"}


def test_delete_is_for_good_by_default_as_in_twenty(api):
    person = create_person(api, city="Oslo")
    response = api.delete(f"/rest/people/{person['id']}")
    assert response.status_code == 200
    assert response.json() == {"data": {"deletePerson": {"id": person["id"]}}}
    assert not Person.objects.filter(id=person["id"]).exists()
    assert Event.objects.filter(record_id=person["id"], name="person.destroyed").exists()
    # The id is free again, as after a delete in Twenty.
    assert api.post("/rest/people", {"id": person["id"]}, content_type="application/json").status_code == 201


def test_soft_delete_true_hides_the_record_and_keeps_it_restorable(api):
    person = create_person(api, city="Oslo")
    response = api.delete(f"/rest/people/{person['id']}?soft_delete=true")
    assert response.status_code == 200
    assert response.json() == {"data": {"deletePerson": {"id": person["id"]}}}
    assert Person.objects.get(id=person["id"]).deleted_at is not None
    assert Event.objects.filter(record_id=person["id"], name="person.deleted").exists()
    assert api.get(f"/rest/people/{person['id']}").status_code == 404
    assert api.get("/rest/people").json()["totalCount"] == 0


def test_restore_brings_a_soft_deleted_record_back(api):
    person = create_person(api, city="Oslo")
    api.delete(f"/rest/people/{person['id']}?soft_delete=true")
    response = api.patch(f"/rest/restore/people/{person['id']}")
    assert response.status_code == 200
    restored = response.json()["data"]["restorePerson"]
    assert restored["id"] == person["id"] and restored["deletedAt"] is None
    assert api.get(f"/rest/people/{person['id']}").status_code == 200


def test_restoring_a_record_that_is_not_deleted_answers_it_unchanged(api):
    person = create_person(api, city="Oslo")
    events = Event.objects.count()
    response = api.patch(f"/rest/restore/people/{person['id']}")
    assert response.status_code == 200
    assert response.json()["data"]["restorePerson"] == person
    assert Event.objects.count() == events


def test_a_soft_deleted_record_can_be_destroyed(api):
    person = create_person(api, city="Oslo")
    api.delete(f"/rest/people/{person['id']}?soft_delete=true")
    assert api.delete(f"/rest/people/{person['id']}?soft_delete=false").status_code == 200
    assert not Person.objects.filter(id=person["id"]).exists()


def test_batch_create_returns_every_record(api):
    response = post(api, "/rest/batch/companies", [{"name": f"Company {i}"} for i in range(60)])
    assert response.status_code == 201
    created = response.json()["data"]["createCompanies"]
    assert [c["name"] for c in created] == [f"Company {i}" for i in range(60)]
    assert Company.objects.count() == 60


def test_batch_is_all_or_nothing(api):
    items = [{"name": "Good"}, {"name": "Also good"}, {"employees": "many"}]
    response = post(api, "/rest/batch/companies", items)
    assert response.status_code == 400
    assert any(m.startswith("[2].employees") for m in response.json()["messages"])
    assert Company.objects.count() == 0
    assert not Event.objects.exists()


def test_batch_of_more_than_200_is_refused_in_twentys_words(api):
    response = post(api, "/rest/batch/companies", [{"name": "x"}] * 201)
    assert response.status_code == 400
    assert response.json()["messages"][0] == (
        "Maximum number of records to upsert is 200. A batch holds 1 to 200 records, not 201."
    )
    assert Company.objects.count() == 0


def test_batch_of_200_is_created_as_in_twenty(api):
    response = post(api, "/rest/batch/companies", [{"name": f"Company {i}"} for i in range(200)])
    assert response.status_code == 201, response.json()
    assert len(response.json()["data"]["createCompanies"]) == 200 == Company.objects.count()


def test_batch_needs_a_list(api):
    response = post(api, "/rest/batch/companies", {"name": "x"})
    assert response.status_code == 400
    assert Company.objects.count() == 0


def test_relation_id_is_written_and_read_back(api):
    company = post(api, "/rest/companies", {"name": "Acme"}).json()["data"]["createCompany"]
    person = create_person(api, companyId=company["id"])
    assert person["companyId"] == company["id"]


def test_relation_to_an_unknown_record_is_a_400(api):
    response = post(api, "/rest/people", {"companyId": str(uuid.uuid4())})
    assert response.status_code == 400
    assert response.json()["messages"][0].startswith("companyId:")


def test_depth_1_embeds_related_records_both_ways(api):
    company = post(api, "/rest/companies", {"name": "Acme"}).json()["data"]["createCompany"]
    person = create_person(api, companyId=company["id"], city="Oslo")
    one = api.get(f"/rest/people/{person['id']}?depth=1").json()["data"]["person"]
    assert one["company"]["name"] == "Acme"
    assert one["pointOfContactForOpportunities"] == []
    listed = api.get("/rest/companies?depth=1").json()["data"]["companies"][0]
    assert [p["id"] for p in listed["people"]] == [person["id"]]
    plain = api.get(f"/rest/people/{person['id']}").json()["data"]["person"]
    assert "company" not in plain


def test_each_object_has_the_same_routes(api):
    for plural, singular, body in [
        ("companies", "Company", {"name": "Acme"}),
        ("opportunities", "Opportunity", {"name": "Deal", "amount": {"amountMicros": 1000000, "currencyCode": "EUR"}}),
        ("notes", "Note", {"title": "Hello", "body": "**hi**"}),
        ("tasks", "Task", {"title": "Call", "status": "IN_PROGRESS"}),
    ]:
        created = post(api, f"/rest/{plural}", body).json()["data"][f"create{singular}"]
        assert api.get(f"/rest/{plural}/{created['id']}").status_code == 200
        assert patch(api, f"/rest/{plural}/{created['id']}", {}).status_code == 200
        assert api.delete(f"/rest/{plural}/{created['id']}?soft_delete=true").status_code == 200
        assert api.patch(f"/rest/restore/{plural}/{created['id']}").status_code == 200


def test_unknown_object_is_a_404_naming_the_known_ones(api):
    response = api.get("/rest/unicorns")
    assert response.status_code == 404
    assert response.json()["error"] == "NotFoundException"
    assert "people" in response.json()["messages"][0]


def test_trailing_slash_is_accepted(api):
    assert api.get("/rest/people/").status_code == 200


def test_unsupported_method_is_a_405_in_the_error_shape(api):
    response = api.put("/rest/batch/people", [], content_type="application/json")
    assert response.status_code == 405
    assert response.json()["error"] == "MethodNotAllowedException"
    assert response["Allow"] == "POST"
    assert api.get("/rest/batch/people").status_code == 405


def test_unknown_route_under_rest_is_a_json_404(api):
    response = api.get("/rest/people/a/b/c")
    assert response.status_code == 404
    assert response.json()["statusCode"] == 404


@pytest.mark.parametrize(
    "path",
    ["/rest/webhooks", "/rest/webhooks/", "/rest/webhooks/abc", "/rest/metadata", "/rest/batch/x/y", "/rest/open-api"],
)
def test_routes_of_other_apis_are_not_taken_for_objects(path):
    from django.urls import Resolver404, resolve

    try:
        match = resolve(path)
    except Resolver404:
        return
    assert match.func.view_class.__module__ != "crm.rest.views.records", path
