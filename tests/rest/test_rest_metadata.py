"""Metadata REST API: objects, fields, picklists, and custom fields that work at once
everywhere in the core API."""

from __future__ import annotations

import pytest
from django.test import Client

from crm.models import FieldMetadata, Person, Workspace
from crm.services.records import create_record


@pytest.fixture
def api(api_token: str, settings) -> Client:
    settings.API_RATE_LIMIT_PER_MINUTE = 10_000
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")


def create_field(api: Client, **body: object):
    return api.post("/rest/metadata/fields", {"objectName": "person", **body}, content_type="application/json")


def created(api: Client, **body: object) -> dict:
    response = create_field(api, **body)
    assert response.status_code == 201, response.content
    return response.json()["data"]["createOneField"]


def test_objects_are_listed_with_their_fields(api, workspace):
    body = api.get("/rest/metadata/objects").json()
    assert body["totalCount"] == 7
    objects = {o["namePlural"]: o for o in body["data"]["objects"]}
    assert set(objects) == {"people", "companies", "opportunities", "notes", "tasks", "noteTargets", "taskTargets"}
    person_fields = {f["name"]: f for f in objects["people"]["fields"]}
    assert person_fields["name"]["type"] == "FULL_NAME"
    assert [s["name"] for s in person_fields["name"]["subFields"]] == ["firstName", "lastName"]
    assert person_fields["company"]["relation"]["type"] == "MANY_TO_ONE"
    assert person_fields["company"]["relation"]["targetObjectMetadata"]["namePlural"] == "companies"
    assert person_fields["company"]["relation"]["joinColumnName"] == "companyId"
    stage = {f["name"]: f for f in objects["opportunities"]["fields"]}["stage"]
    assert [o["value"] for o in stage["options"]][:2] == ["NEW", "SCREENING"]


@pytest.mark.parametrize("ref", ["person", "people", "id"])
def test_one_object_by_id_or_name(api, workspace, ref):
    object_id = str(workspace.objects_metadata.get(name_singular="person").id)
    response = api.get(f"/rest/metadata/objects/{object_id if ref == 'id' else ref}")
    assert response.status_code == 200
    assert response.json()["data"]["object"]["id"] == object_id


def test_an_unknown_object_is_a_404(api, workspace):
    assert api.get("/rest/metadata/objects/unicorn").status_code == 404
    assert api.get("/rest/metadata/objects/00000000-0000-0000-0000-000000000000").status_code == 404


def test_fields_are_listed_and_fetched_by_id(api, workspace):
    fields = api.get("/rest/metadata/fields").json()["data"]["fields"]
    city = next(f for f in fields if f["name"] == "city")
    one = api.get(f"/rest/metadata/fields/{city['id']}").json()["data"]["field"]
    assert one == city


def test_a_field_id_that_is_not_a_uuid_or_a_change_to_no_field_is_a_400_as_in_twenty(api, workspace):
    missing = "00000000-0000-0000-0000-000000000000"
    for method in ("get", "patch", "put", "delete"):
        response = getattr(api, method)("/rest/metadata/fields/not-an-id", {}, content_type="application/json")
        assert response.status_code == 400, method
        assert response.json()["messages"] == ["'not-an-id' is not a valid UUID"]
    response = api.patch(f"/rest/metadata/fields/{missing}", {"label": "Whatever"}, content_type="application/json")
    assert response.status_code == 400
    assert api.get(f"/rest/metadata/fields/{missing}").status_code == 404


def test_metadata_lists_are_paged_by_limit_and_cursors(api, workspace):
    everything = [f["id"] for f in api.get("/rest/metadata/fields").json()["data"]["fields"]]

    first = api.get("/rest/metadata/fields?limit=10").json()
    after = api.get(f"/rest/metadata/fields?limit=10&starting_after={first['pageInfo']['endCursor']}").json()
    before = api.get(f"/rest/metadata/fields?limit=5&ending_before={after['pageInfo']['startCursor']}").json()
    objects = api.get("/rest/metadata/objects?limit=2").json()

    assert [f["id"] for f in first["data"]["fields"]] == everything[:10]
    assert first["totalCount"] == len(everything) and first["pageInfo"]["hasNextPage"] is True
    assert [f["id"] for f in after["data"]["fields"]] == everything[10:20]
    assert after["pageInfo"]["hasPreviousPage"] is True
    assert [f["id"] for f in before["data"]["fields"]] == everything[5:10]
    assert len(objects["data"]["objects"]) == 2 and objects["totalCount"] == 7


@pytest.mark.parametrize(
    "query",
    [
        "starting_after={a}&ending_before={a}",
        "starting_after=not-an-id",
        "ending_before=1",
        "limit=-1",
        "limit=1001",
        "limit=ten",
    ],
)
def test_bad_paging_of_a_metadata_list_is_a_400(api, workspace, query):
    some_id = api.get("/rest/metadata/objects").json()["data"]["objects"][0]["id"]

    for path in ("/rest/metadata/objects", "/rest/metadata/fields"):
        response = api.get(f"{path}?{query.format(a=some_id)}")
        assert response.status_code == 400 and response.json()["statusCode"] == 400


def test_picklists_list_every_select_field_with_options(api, workspace):
    created(api, name="tier", label="Tier", type="MULTI_SELECT", options=[{"value": "A"}, {"value": "B"}])
    picklists = api.get("/rest/metadata/picklists").json()["data"]["picklists"]
    found = {(p["objectNameSingular"], p["fieldName"]): p for p in picklists}
    assert set(found) == {("opportunity", "stage"), ("task", "status"), ("person", "tier")}
    assert [o["value"] for o in found[("person", "tier")]["options"]] == ["A", "B"]


def test_a_custom_field_is_at_once_writable_readable_filterable_sortable_and_documented(api, workspace):
    version = workspace.metadata_version
    field = created(api, name="loyalty", label="Loyalty", type="NUMBER", description="Points")
    assert field["isCustom"] is True and field["type"] == "NUMBER"
    assert Workspace.objects.get(pk=workspace.pk).metadata_version == version + 1

    for points in (5, 50, 20):
        response = api.post("/rest/people", {"loyalty": points}, content_type="application/json")
        assert response.status_code == 201
        assert response.json()["data"]["createPerson"]["loyalty"] == points
    listed = api.get("/rest/people?filter=loyalty[gte]:20&order_by=loyalty[DescNullsLast]").json()
    assert [p["loyalty"] for p in listed["data"]["people"]] == [50, 20]

    document = api.get("/rest/open-api/core").json()
    assert "loyalty" in document["components"]["schemas"]["Person"]["properties"]
    assert "loyalty" in document["components"]["schemas"]["PersonForCreate"]["properties"]
    assert (
        "`loyalty`"
        in next(p for p in document["paths"]["/people"]["get"]["parameters"] if p["name"] == "filter")["description"]
    )


@pytest.mark.parametrize(
    ("field_type", "value"),
    [
        ("TEXT", "hello"),
        ("NUMBER", 3.5),
        ("BOOLEAN", True),
        ("DATE_TIME", "2025-01-31T09:30:00.000Z"),
        ("DATE", "2025-01-31"),
        ("CURRENCY", {"amountMicros": 1000000, "currencyCode": "EUR"}),
        ("LINKS", {"primaryLinkUrl": "https://example.com", "primaryLinkLabel": "", "secondaryLinks": []}),
        ("EMAILS", {"primaryEmail": "a@example.com", "additionalEmails": ["b@example.com"]}),
        (
            "PHONES",
            {
                "primaryPhoneNumber": "5550100",
                "primaryPhoneCountryCode": "US",
                "primaryPhoneCallingCode": "+1",
                "additionalPhones": [],
            },
        ),
        ("FULL_NAME", {"firstName": "A", "lastName": "B"}),
        ("ADDRESS", {"addressCity": "Oslo"}),
    ],
)
def test_every_custom_field_type_round_trips(api, workspace, field_type, value):
    created(api, name="extra", label="Extra", type=field_type)
    person = api.post("/rest/people", {"extra": value}, content_type="application/json").json()["data"]["createPerson"]
    stored = api.get(f"/rest/people/{person['id']}").json()["data"]["person"]["extra"]
    if isinstance(value, dict):
        assert {k: stored[k] for k in value} == value
    else:
        assert stored == value


def test_select_fields_take_options_and_a_default(api, workspace, actor):
    field = created(
        api,
        name="tier",
        label="Tier",
        type="SELECT",
        options=[{"value": "GOLD", "label": "Gold", "color": "yellow"}, {"value": "SILVER", "label": "Silver"}],
        defaultValue="SILVER",
    )
    assert [o["value"] for o in field["options"]] == ["GOLD", "SILVER"]
    assert all(o["id"] for o in field["options"])
    workspace.refresh_from_db()
    assert create_record(workspace, "person", {}, actor)["tier"] == "SILVER"
    bad = api.post("/rest/people", {"tier": "BRONZE"}, content_type="application/json")
    assert bad.status_code == 400 and "tier" in bad.json()["messages"][0]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": "Tier", "label": "Tier", "type": "TEXT"}, "name: Name should be in camelCase: Tier"),
        ({"name": "my_tier", "label": "Tier", "type": "TEXT"}, "name: Name should be in camelCase: my_tier"),
        ({"name": "tiër", "label": "Tier", "type": "TEXT"}, "name: must be a camelCase identifier"),
        ({"name": "city", "label": "City", "type": "TEXT"}, "name: 'city' is already used"),
        ({"name": "companyId", "label": "C", "type": "TEXT"}, "already used"),
        ({"name": "custom", "label": "C", "type": "TEXT"}, "already used"),
        ({"name": "x", "label": "X", "type": "RELATION"}, "relationCreationPayload: required"),
        ({"name": "x", "label": "X", "type": "UUID"}, "type: must be one of"),
        ({"name": "x", "type": "TEXT"}, "label: required"),
        ({"name": "x", "label": "  ", "type": "TEXT"}, "label: must not be blank"),
        ({"name": "x", "label": "X", "type": "SELECT"}, "options: required"),
        ({"name": "x", "label": "X", "type": "TEXT", "options": [{"value": "A"}]}, "only SELECT"),
        (
            {"name": "x", "label": "X", "type": "SELECT", "options": [{"value": "A"}, {"value": "A"}]},
            "also another option's value",
        ),
        ({"name": "x", "label": "X", "type": "SELECT", "options": [{"value": "a b"}]}, "options[0].value"),
        ({"name": "x", "label": "X", "type": "SELECT", "options": ["A"]}, "options[0]"),
        ({"name": "x", "label": "X", "type": "NUMBER", "defaultValue": "ten"}, "defaultValue: must be a number"),
        ({"name": "x", "label": "X", "type": "SELECT", "options": [{"value": "A"}], "defaultValue": "B"}, "default"),
        ({"name": "x", "label": "X", "type": "TEXT", "isNullable": False}, "defaultValue: required"),
        ({"name": "x", "label": "X", "type": "TEXT", "isNullable": "no"}, "isNullable: must be true or false"),
        ({"name": "x", "label": "X", "type": "TEXT", "colour": "red"}, "colour: unknown property"),
        ({"name": "x", "label": "X", "type": "CURRENCY", "defaultValue": {"amount": 1}}, "defaultValue.amount"),
    ],
)
def test_invalid_field_definitions_are_400s_and_change_nothing(api, workspace, body, fragment):
    before = (FieldMetadata.objects.count(), Workspace.objects.get(pk=workspace.pk).metadata_version)
    response = create_field(api, **body)
    assert response.status_code == 400, response.content
    assert fragment in " ".join(response.json()["messages"])
    assert (FieldMetadata.objects.count(), Workspace.objects.get(pk=workspace.pk).metadata_version) == before


def test_an_unknown_object_for_a_new_field_is_a_400(api, workspace):
    response = api.post(
        "/rest/metadata/fields",
        {"objectName": "unicorn", "name": "x", "label": "X", "type": "TEXT"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "unicorn" in response.json()["messages"][0]
    response = api.post(
        "/rest/metadata/fields", {"name": "x", "label": "X", "type": "TEXT"}, content_type="application/json"
    )
    assert response.status_code == 400 and "objectMetadataId" in response.json()["messages"][0]


def test_a_field_can_be_created_by_object_id(api, workspace):
    object_id = str(workspace.objects_metadata.get(name_singular="company").id)
    response = api.post(
        "/rest/metadata/fields",
        {"objectMetadataId": object_id, "name": "segment", "label": "Segment", "type": "TEXT"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["data"]["createOneField"]["objectMetadataId"] == object_id


def test_updating_a_custom_field_changes_label_options_and_name(api, workspace, actor):
    field = created(api, name="tier", label="Tier", type="SELECT", options=[{"value": "GOLD"}])
    workspace.refresh_from_db()
    person = create_record(workspace, "person", {"tier": "GOLD"}, actor)
    response = api.patch(
        f"/rest/metadata/fields/{field['id']}",
        {"label": "Level", "name": "level", "options": [{"value": "GOLD"}, {"value": "PLATINUM"}]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    updated = response.json()["data"]["updateOneField"]
    assert (updated["label"], updated["name"]) == ("Level", "level")
    record = api.get(f"/rest/people/{person['id']}").json()["data"]["person"]
    assert record["level"] == "GOLD" and "tier" not in record
    response = api.patch(f"/rest/people/{person['id']}", {"level": "PLATINUM"}, content_type="application/json")
    assert response.status_code == 200


def test_put_on_a_field_changes_what_it_sends_as_patch_does(api, workspace):
    city = FieldMetadata.objects.get(workspace=workspace, object__name_singular="person", name="city")
    response = api.put(f"/rest/metadata/fields/{city.id}", {"label": "Town"}, content_type="application/json")
    assert response.status_code == 200, response.content
    updated = response.json()["data"]["updateOneField"]
    assert (updated["label"], updated["name"]) == ("Town", "city")


def test_standard_fields_only_change_their_presentation(api, workspace):
    city = FieldMetadata.objects.get(workspace=workspace, object__name_singular="person", name="city")
    response = api.patch(f"/rest/metadata/fields/{city.id}", {"label": "Town"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["data"]["updateOneField"]["label"] == "Town"
    for change in ({"name": "town"}, {"isNullable": False}, {"type": "NUMBER"}):
        response = api.patch(f"/rest/metadata/fields/{city.id}", change, content_type="application/json")
        assert response.status_code == 400, change


def test_deleting_a_custom_field_removes_it_and_its_values(api, workspace, actor):
    field = created(api, name="tier", label="Tier", type="TEXT")
    workspace.refresh_from_db()
    person = create_record(workspace, "person", {"tier": "gold", "city": "Oslo"}, actor)
    response = api.delete(f"/rest/metadata/fields/{field['id']}")
    assert response.status_code == 200
    assert response.json() == {"data": {"deleteOneField": {"id": field["id"]}}}
    assert "tier" not in Person.objects.get(id=person["id"]).custom
    assert "tier" not in api.get(f"/rest/people/{person['id']}").json()["data"]["person"]
    assert api.post("/rest/people", {"tier": "x"}, content_type="application/json").status_code == 400
    assert api.get("/rest/people?filter=tier[eq]:x").status_code == 400
    # A new field of the same name starts empty.
    created(api, name="tier", label="Tier", type="TEXT")
    assert api.get(f"/rest/people/{person['id']}").json()["data"]["person"]["tier"] is None


def test_standard_fields_cannot_be_deleted(api, workspace):
    city = FieldMetadata.objects.get(workspace=workspace, object__name_singular="person", name="city")
    response = api.delete(f"/rest/metadata/fields/{city.id}")
    assert response.status_code == 400
    assert "standard fields cannot be deleted" in response.json()["messages"][0]
    assert FieldMetadata.objects.filter(id=city.id).exists()


def test_deleting_an_unknown_field_is_a_404(api, workspace):
    assert api.delete("/rest/metadata/fields/00000000-0000-0000-0000-000000000000").status_code == 404


def test_a_deactivated_custom_field_disappears_from_the_core_api(api, workspace, actor):
    field = created(api, name="tier", label="Tier", type="TEXT")
    api.patch(f"/rest/metadata/fields/{field['id']}", {"isActive": False}, content_type="application/json")
    assert api.post("/rest/people", {"tier": "x"}, content_type="application/json").status_code == 400
    api.patch(f"/rest/metadata/fields/{field['id']}", {"isActive": True}, content_type="application/json")
    assert api.post("/rest/people", {"tier": "x"}, content_type="application/json").status_code == 201
