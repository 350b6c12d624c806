"""The REST routes spelled as Twenty's clients spell them: PUT as PATCH, restore under the
record's own path, bulk update, delete and restore by filter, and ``?fields=`` projection."""

from __future__ import annotations

import pytest
from django.test import Client
from graphql_client import gql
from rest_client import send

from crm.models import Person
from crm.services.records import create_record, create_records, delete_record
from webhooks.models import Event


@pytest.fixture
def oslo(workspace, actor) -> list[dict]:
    return create_records(workspace, "person", [{"city": "Oslo", "jobTitle": f"Role {i}"} for i in range(3)], actor)


@pytest.fixture
def rome(workspace, actor) -> dict:
    return create_record(workspace, "person", {"city": "Rome", "jobTitle": "Consul"}, actor)


def live_ids(city: str) -> set[str]:
    return {str(pk) for pk in Person.objects.filter(city=city, deleted_at__isnull=True).values_list("id", flat=True)}


# -- PUT and restore spellings --------------------------------------------------------


def test_put_changes_only_the_fields_sent_as_patch_does(api, rome):
    response = send(api, "put", f"/rest/people/{rome['id']}", {"city": "Milan"})

    assert response.status_code == 200, response.content
    updated = response.json()["data"]["updatePerson"]
    assert updated["city"] == "Milan" and updated["jobTitle"] == "Consul"


def test_restore_under_the_records_own_path_restores_it(api, workspace, actor, rome):
    delete_record(workspace, "person", rome["id"], actor)

    response = api.patch(f"/rest/people/{rome['id']}/restore")

    assert response.status_code == 200, response.content
    assert response.json()["data"]["restorePerson"]["deletedAt"] is None
    assert api.get(f"/rest/people/{rome['id']}").status_code == 200


def test_the_older_restore_spelling_still_works(api, workspace, actor, rome):
    delete_record(workspace, "person", rome["id"], actor)

    response = api.patch(f"/rest/restore/people/{rome['id']}")

    assert response.status_code == 200
    assert response.json()["data"]["restorePerson"]["id"] == rome["id"]


def test_the_bulk_restore_path_takes_only_patch(api):
    response = api.get("/rest/people/restore")

    assert response.status_code == 405
    assert response["Allow"] == "PATCH"


# -- bulk routes ----------------------------------------------------------------------


def test_delete_with_a_filter_deletes_every_match_for_good_and_nothing_else(api, oslo, rome):
    events_before = set(Event.objects.values_list("id", flat=True))

    response = api.delete("/rest/people?filter=city[eq]:Oslo")

    assert response.status_code == 200, response.content
    deleted = response.json()["data"]["deletePeople"]
    assert sorted(deleted, key=lambda r: r["id"]) == sorted(({"id": p["id"]} for p in oslo), key=lambda r: r["id"])
    assert not Person.objects.filter(city="Oslo").exists() and live_ids("Rome") == {rome["id"]}
    new_events = Event.objects.exclude(id__in=events_before).values_list("name", flat=True)
    assert list(new_events) == ["person.destroyed"] * 3


def test_delete_with_a_filter_and_soft_delete_true_soft_deletes_every_match(api, oslo, rome):
    events_before = set(Event.objects.values_list("id", flat=True))

    response = api.delete("/rest/people?filter=city[eq]:Oslo&soft_delete=true")

    assert response.status_code == 200, response.content
    deleted = response.json()["data"]["deletePeople"]
    assert sorted(deleted, key=lambda r: r["id"]) == sorted(({"id": p["id"]} for p in oslo), key=lambda r: r["id"])
    assert live_ids("Oslo") == set() and live_ids("Rome") == {rome["id"]}
    assert Person.objects.filter(city="Oslo").count() == 3  # soft: still there, restorable
    new_events = Event.objects.exclude(id__in=events_before).values_list("name", flat=True)
    assert list(new_events) == ["person.deleted"] * 3


def test_delete_with_a_filter_and_soft_delete_false_destroys_every_match(api, workspace, actor, oslo, rome):
    delete_record(workspace, "person", oslo[0]["id"], actor)

    response = api.delete("/rest/people?filter=city[eq]:Oslo&soft_delete=false")

    assert response.status_code == 200, response.content
    assert {r["id"] for r in response.json()["data"]["deletePeople"]} == {p["id"] for p in oslo}
    assert not Person.objects.filter(city="Oslo").exists()
    assert live_ids("Rome") == {rome["id"]}


def test_patch_with_a_filter_updates_every_match(api, oslo, rome):
    response = send(api, "patch", "/rest/people?filter=city[eq]:Oslo", {"jobTitle": "Skipper"})

    assert response.status_code == 200, response.content
    updated = response.json()["data"]["updatePeople"]
    assert {p["id"] for p in updated} == {p["id"] for p in oslo}
    assert {p["jobTitle"] for p in updated} == {"Skipper"}
    assert Person.objects.get(id=rome["id"]).job_title == "Consul"


@pytest.mark.parametrize("path", ["/rest/people/restore", "/rest/restore/people"])
def test_bulk_restore_restores_every_deleted_match(api, workspace, actor, oslo, rome, path):
    for person in [*oslo[:2], rome]:
        delete_record(workspace, "person", person["id"], actor)

    response = api.patch(f"{path}?filter=city[eq]:Oslo")

    assert response.status_code == 200, response.content
    restored = response.json()["data"]["restorePeople"]
    assert {p["id"] for p in restored} == {p["id"] for p in oslo[:2]}
    assert live_ids("Oslo") == {p["id"] for p in oslo} and live_ids("Rome") == set()


def test_a_filter_matching_more_than_a_page_changes_nothing(api, workspace, actor):
    create_records(workspace, "person", [{"city": "Oslo"} for _ in range(201)], actor, max_batch=201)
    events_before = Event.objects.count()

    response = api.delete("/rest/people?filter=city[eq]:Oslo")
    destroyed = api.delete("/rest/people?filter=city[eq]:Oslo&soft_delete=false")
    updated = api.patch("/rest/people?filter=city[eq]:Oslo", {"city": "Rome"}, content_type="application/json")

    assert response.status_code == 400
    assert destroyed.json()["messages"][0] == "Cannot destroy more than 200 records at once"
    assert updated.json()["messages"][0] == "Cannot update more than 200 records at once"
    assert len(live_ids("Oslo")) == 201 and Event.objects.count() == events_before


def test_graphql_says_which_limit_in_twentys_sub_code(client, api_token, workspace, actor):
    create_records(workspace, "company", [{"name": f"C{i}", "employees": 5} for i in range(201)], actor, max_batch=201)
    query = "mutation { destroyCompanies(filter: {employees: {eq: 5}}) { id } }"

    error = gql(client, api_token, query).json()["errors"][0]

    assert error["message"] == "Cannot destroy more than 200 records at once"
    assert error["extensions"]["subCode"] == "TOO_MANY_RECORDS_TO_DESTROY"
    assert error["extensions"]["userFriendlyMessage"] == "You can only permanently delete up to 200 records at once."


def test_bulk_routes_never_reach_another_workspace(other_workspace, other_token, actor, oslo):
    create_record(other_workspace, "person", {"city": "Oslo"}, actor)
    other = Client(HTTP_AUTHORIZATION=f"Bearer {other_token}")

    response = other.delete("/rest/people?filter=city[eq]:Oslo")

    assert response.status_code == 200
    assert len(response.json()["data"]["deletePeople"]) == 1
    assert live_ids("Oslo") == {p["id"] for p in oslo}


def test_a_bad_filter_on_a_bulk_route_is_a_400_and_changes_nothing(api, oslo):
    response = api.delete("/rest/people?filter=city[eq]")

    assert response.status_code == 400
    assert response.json()["messages"][0].startswith("Invalid filter:")
    assert len(live_ids("Oslo")) == 3


# -- ?fields= projection --------------------------------------------------------------


def test_fields_projects_list_and_get_answers_to_those_fields_and_the_id(api, oslo):
    listed = api.get("/rest/people?fields=city,jobTitle&limit=1").json()["data"]["people"]
    one = api.get(f"/rest/people/{oslo[0]['id']}?fields=city").json()["data"]["person"]

    assert set(listed[0]) == {"id", "city", "jobTitle"}
    assert one == {"id": oslo[0]["id"], "city": "Oslo"}


@pytest.mark.parametrize("batch", [False, True])
def test_fields_projects_create_and_restore_answers_but_stores_everything(api, batch):
    person = {"city": "Bergen", "jobTitle": "Projection"}
    created = send(
        api,
        "post",
        "/rest/batch/people?fields=id" if batch else "/rest/people?fields=id",
        [person] if batch else person,
    )
    assert created.status_code == 201, created.content
    data = created.json()["data"]
    (record,) = data["createPeople"] if batch else [data["createPerson"]]
    assert list(record) == ["id"]
    api.delete(f"/rest/people/{record['id']}?soft_delete=true")

    if batch:
        restored = api.patch(f"/rest/people/restore?filter=id[eq]:{record['id']}&fields=id").json()["data"]
        assert restored["restorePeople"] == [{"id": record["id"]}]
    else:
        restored = api.patch(f"/rest/people/{record['id']}/restore?fields=id").json()["data"]
        assert restored["restorePerson"] == {"id": record["id"]}

    fetched = api.get(f"/rest/people/{record['id']}").json()["data"]["person"]
    assert fetched["city"] == "Bergen" and fetched["jobTitle"] == "Projection"


def test_fields_projects_update_answers(api, rome):
    response = send(api, "patch", f"/rest/people/{rome['id']}?fields=jobTitle", {"jobTitle": "Tribune"})

    assert response.json()["data"]["updatePerson"] == {"id": rome["id"], "jobTitle": "Tribune"}


def test_fields_may_name_a_relation_shown_at_depth_1(api, workspace, actor):
    company = create_record(workspace, "company", {"name": "Acme"}, actor)
    person = create_record(workspace, "person", {"companyId": company["id"]}, actor)

    response = api.get(f"/rest/people/{person['id']}?depth=1&fields=company")

    shown = response.json()["data"]["person"]
    assert set(shown) == {"id", "company"}
    assert shown["company"]["id"] == company["id"] and shown["company"]["name"] == "Acme"


@pytest.mark.parametrize(
    ("query", "message"),
    [("fields=", "fields is empty"), ("fields=city,nickname", "fields: person has no field nickname.")],
)
def test_bad_fields_are_a_400_and_nothing_is_written(api, query, message):
    response = send(api, "post", f"/rest/people?{query}", {"city": "Tromsø"})

    assert response.status_code == 400
    assert message in response.json()["messages"][0]
    assert not Person.objects.filter(city="Tromsø").exists()


@pytest.mark.parametrize("limit", ["aaa", "-1", "1.5"])
def test_a_bad_limit_is_refused_in_twentys_words(api, limit):
    response = api.get(f"/rest/people?limit={limit}")

    assert response.status_code == 400
    assert response.json()["messages"] == [f"limit '{limit}' is invalid. Should be an integer"]


def test_an_unknown_order_direction_is_refused_in_twentys_words_first(api):
    response = api.get("/rest/people?order_by=city[invalid]")

    assert response.status_code == 400
    twentys, ours = response.json()["messages"]
    assert twentys == (
        "'order_by' direction 'invalid' invalid. Allowed values are 'AscNullsFirst', 'AscNullsLast', "
        "'DescNullsFirst', 'DescNullsLast'. eg: ?order_by=field_1[AscNullsFirst],field_2[DescNullsLast],field_3"
    )
    assert ours.startswith("Invalid order_by: unknown direction 'invalid' at position 6")
