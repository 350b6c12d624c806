"""Bad input of every kind gets a clear 4xx in the error shape, and changes nothing."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client

from crm.models import Company, FieldMetadata, Person
from crm.services.records import create_record
from webhooks.models import Event


@pytest.fixture
def api(api_token: str, settings) -> Client:
    settings.API_RATE_LIMIT_PER_MINUTE = 10_000
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")


@pytest.fixture
def person(workspace, actor) -> dict:
    return create_record(workspace, "person", {"city": "Oslo", "name": {"firstName": "Ada", "lastName": "L"}}, actor)


def state() -> tuple:
    return (
        sorted(
            (str(p.id), p.city, p.name_first_name, p.deleted_at, tuple(sorted(p.custom.items())))
            for p in Person.objects.all()
        ),
        Company.objects.count(),
        FieldMetadata.objects.count(),
        Event.objects.count(),
    )


def assert_error(response, status: int, *fragments: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"statusCode", "error", "messages"}
    assert body["statusCode"] == status
    assert body["messages"] and all(isinstance(m, str) and m for m in body["messages"])
    text = " ".join(body["messages"])
    for fragment in fragments:
        assert fragment in text, (fragment, text)
    return body


@pytest.mark.parametrize(
    ("filter_text", "hint"),
    [
        ("name.firstName[eq:Ada", "missing ']'"),
        ("name.firstName[equals]:Ada", "unknown operator"),
        ("name.firstName:Ada", "missing operator"),
        ("and(city[eq]:Oslo", "unclosed parenthesis"),
        ("city[eq]:Oslo)", "unexpected ')'"),
        ("xor(city[eq]:Oslo)", "unknown group"),
        ("not(city[eq]:Oslo,city[eq]:Rome)", "exactly one"),
        ("city[in]:Oslo", "expects a list"),
        ("city[is]:EMPTY", "NULL or NOT_NULL"),
        ('city[eq]:"Oslo', "unterminated"),
        ("a.b.c[eq]:1", "too deep"),
        ("and(" * 30 + "city[eq]:x" + ")" * 30, "nested too deeply"),
        ("city[eq]:" + "x" * 20_000, "too long"),
        ("city[in]:[" + ",".join(str(i) for i in range(600)) + "]", "at most"),
        ("nope[eq]:1", "Unknown field 'nope'"),
        ("name[eq]:Ada", "composite"),
        ("company[eq]:x", "relation"),
        ("createdAt[gt]:soon", "not a valid"),
        ("companyId[eq]:not-a-uuid", "not a valid"),
        ("emails.additionalEmails[eq]:x", "containsAny"),
        ("city[containsAny]:[x]", "list fields"),
        ("position[startsWith]:1", "text fields"),
    ],
)
def test_malformed_or_invalid_filters_are_400s_that_say_what_is_wrong(api, person, filter_text, hint):
    response = api.get("/rest/people?filter=" + quote(filter_text))
    assert_error(response, 400, hint)


@pytest.mark.parametrize(
    "order_by",
    ["name.firstName[Up]", "nope", "name", "city,city", "city[AscNullsFirst", "company", "; DROP TABLE crm_person"],
)
def test_bad_order_by_is_a_400(api, person, order_by):
    assert_error(api.get("/rest/people?order_by=" + quote(order_by)), 400)


@pytest.mark.parametrize(
    "value",
    [
        "'; DROP TABLE crm_person; --",
        '" OR 1=1 --',
        "%' OR '1'='1",
        "\\'; SELECT * FROM crm_apikey; --",
        "') OR ('a'='a",
    ],
)
def test_injection_strings_in_filter_values_are_plain_values(api, person, value):
    quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    for op in ("eq", "ilike", "startsWith", "neq"):
        response = api.get("/rest/people?filter=" + quote(f"city[{op}]:{quoted}"))
        assert response.status_code == 200, response.content
        people = response.json()["data"]["people"]
        assert len(people) == (1 if op == "neq" else 0)
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    ("path", "status"),
    [("/rest/people/1%20OR%201=1", 400), ("/rest/people/'%3B--", 400), ("/rest/people%3BDROP", 404)],
)
def test_injection_strings_in_paths_are_refused(api, person, path, status):
    before = state()
    assert_error(api.get(path), status)
    assert state() == before


@pytest.mark.parametrize("limit", ["-5", "ten", "1e3", "0x10", "١٢", "2.5"])
def test_odd_limits_are_400s(api, person, limit):
    assert_error(api.get("/rest/people?limit=" + quote(limit)), 400, "limit")


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ({"name": "Ada"}, ["name:", "must be an object"]),
        ({"name": {"first": "Ada"}}, ["name.first", "unknown sub-field"]),
        ({"city": 5}, ["city: must be a string"]),
        ({"city": ["Oslo"]}, ["city: must be a string"]),
        ({"city": "x" * 10_001}, ["city: is too long"]),
        ({"city": "nul\u0000byte"}, ["NUL"]),
        ({"emails": {"primaryEmail": "not-an-email"}}, ["emails.primaryEmail"]),
        ({"emails": {"additionalEmails": "a@b.c"}}, ["emails.additionalEmails: must be a list"]),
        ({"companyId": "not-a-uuid"}, ["companyId"]),
        ({"companyId": 42}, ["companyId"]),
        ({"updatedAt": "2025-01-01T00:00:00Z"}, ["updatedAt: is read-only"]),
        ({"createdAt": None}, ["createdAt: cannot be null"]),
        ({"company": {"name": "x"}}, ['company takes {"connect"', "or set companyId instead"]),
        ({"unknownField": 1}, ["unknownField: unknown field"]),
        ({"position": "middle"}, ['position: must be a number, "first" or "last"']),
    ],
)
def test_wrong_types_and_unknown_fields_in_a_create_are_400s(api, person, body, fragments):
    before = state()
    assert_error(api.post("/rest/people", body, content_type="application/json"), 400, *fragments)
    assert state() == before


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"employees": "many"}, "employees: must be a number"),
        ({"employees": 1.5}, "whole number"),
        ({"employees": 10**12}, "out of range"),
        ({"idealCustomerProfile": "yes"}, "true or false"),
        ({"idealCustomerProfile": None}, "cannot be null"),
        ({"annualRecurringRevenue": {"amountMicros": "one"}}, "annualRecurringRevenue.amountMicros"),
        ({"annualRecurringRevenue": {"currencyCode": "dollars"}}, "ISO 4217"),
        ({"address": {"addressLat": "north"}}, "addressLat"),
        ({"domainName": {"secondaryLinks": [1, 2]}}, "domainName.secondaryLinks"),
    ],
)
def test_wrong_values_for_company_fields_are_400s(api, body, fragment):
    assert_error(api.post("/rest/companies", body, content_type="application/json"), 400, fragment)
    assert Company.objects.count() == 0


def test_select_values_must_be_options(api):
    assert_error(api.post("/rest/opportunities", {"stage": "WON"}, content_type="application/json"), 400, "stage")
    assert_error(api.post("/rest/tasks", {"status": ["TODO"]}, content_type="application/json"), 400, "status")


@pytest.mark.parametrize("body", ['"just a string"', "42", "null", "[]", "true", "[{}]"])
def test_a_body_that_is_not_an_object_is_a_400(api, person, body):
    before = state()
    assert_error(api.post("/rest/people", body, content_type="application/json"), 400)
    assert_error(api.patch(f"/rest/people/{person['id']}", body, content_type="application/json"), 400)
    assert state() == before


@pytest.mark.parametrize(
    "raw",
    [b"{", b"{'city': 'Oslo'}", b'{"city": "Oslo",}', b"\xff\xfe{}", b"NaN", b'{"a": 1e400}', b"[" * 3000],
)
def test_malformed_json_is_a_400(api, person, raw):
    before = state()
    assert_error(api.post("/rest/people", raw, content_type="application/json"), 400, "Malformed JSON")
    assert state() == before


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"],
)
def test_non_json_bodies_are_415s(api, person, content_type):
    before = state()
    body = assert_error(api.post("/rest/people", "city=Oslo", content_type=content_type), 415)
    assert "application/json" in body["messages"][0]
    response = api.generic("PATCH", f"/rest/people/{person['id']}", b"city=Rome", content_type=content_type)
    assert_error(response, 415)
    assert state() == before


def test_a_body_without_content_type_is_a_415(api, person):
    response = api.generic("POST", "/rest/people", b'{"city": "Rome"}', content_type="")
    assert_error(response, 415)


@pytest.mark.parametrize("content_type", ["application/json", ""])
def test_no_body_reads_as_an_empty_object_as_in_twenty(api, person, content_type):
    created = api.generic("POST", "/rest/people", b"", content_type=content_type)
    assert created.status_code == 201, created.json()
    assert Person.objects.count() == 2

    updated = api.generic("PATCH", f"/rest/people/{person['id']}", b"", content_type=content_type)
    assert updated.status_code == 200
    assert updated.json()["data"]["updatePerson"]["city"] == person["city"]

    assert_error(api.post("/rest/batch/people", b"", content_type=content_type), 400)


def test_bodies_over_one_mebibyte_are_413s(api, person):
    before = state()
    big = b'{"city": "' + b"x" * (1024 * 1024) + b'"}'
    assert_error(api.post("/rest/people", big, content_type="application/json"), 413, "1 MiB")
    assert_error(api.post("/rest/batch/people", b"[" + big + b"]", content_type="application/json"), 413)
    assert_error(api.post("/rest/metadata/fields", big, content_type="application/json"), 413)
    assert state() == before


def test_a_body_longer_than_its_content_length_is_not_read_past_it(api, person):
    big = b'{"city": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = api.generic("POST", "/rest/people", big, content_type="application/json", CONTENT_LENGTH="20")
    assert_error(response, 400, "Malformed JSON")
    assert Person.objects.count() == 1


def test_changing_the_id_is_refused(api, person):
    response = api.patch(
        f"/rest/people/{person['id']}", {"id": "00000000-0000-0000-0000-000000000001"}, content_type="application/json"
    )
    assert_error(response, 400, "id: cannot be changed")


def test_a_duplicate_id_on_create_is_a_400_in_twentys_words(api, person):
    response = api.post("/rest/people", {"id": person["id"]}, content_type="application/json")
    assert_error(response, 400, "Record already exists")
    batch = api.post("/rest/batch/people", [{"id": person["id"]}], content_type="application/json")
    assert_error(batch, 400, "Record already exists")


def test_a_bad_soft_delete_flag_is_a_400(api, person):
    assert_error(api.delete(f"/rest/people/{person['id']}?soft_delete=maybe"), 400, "soft_delete")
    assert Person.objects.get(id=person["id"]).deleted_at is None


def test_ids_that_are_not_uuids_are_400s_naming_the_id(api, person):
    before = state()
    for method in ("get", "patch", "put", "delete"):
        assert_error(getattr(api, method)("/rest/people/not-a-uuid"), 400, "'not-a-uuid' is not a valid UUID")
    assert_error(api.patch("/rest/restore/people/123"), 400, "'123' is not a valid UUID")
    assert_error(api.patch("/rest/people/123/restore"), 400, "'123' is not a valid UUID")
    body = assert_error(api.get("/rest/people/" + "a" * 500), 400, "is not a valid UUID")
    assert len(body["messages"][0]) < 100
    # Only the canonical form, as Twenty reads ids: no braces, no missing dashes.
    assert_error(api.get("/rest/people/{" + person["id"] + "}"), 400)
    assert_error(api.get("/rest/people/" + person["id"].replace("-", "")), 400)
    assert state() == before


def test_an_unknown_id_is_a_404_in_twentys_words(api, person):
    body = assert_error(api.get("/rest/people/00000000-0000-0000-0000-000000000000"), 404)
    assert body["messages"] == [
        "Record not found",
        "No person with id '00000000-0000-0000-0000-000000000000'",
    ]


def test_nul_characters_inside_list_items_are_refused(api):
    body = {"domainName": {"secondaryLinks": [{"url\u0000": "x"}]}}
    assert_error(api.post("/rest/companies", body, content_type="application/json"), 400, "NUL")
    body = {"domainName": {"secondaryLinks": [{"url": "x\u0000"}]}}
    assert_error(api.post("/rest/companies", body, content_type="application/json"), 400, "NUL")
    assert Company.objects.count() == 0


def test_sub_field_values_longer_than_their_column_are_refused(api):
    body = {"phones": {"primaryPhoneCountryCode": "x" * 20}}
    assert_error(api.post("/rest/people", body, content_type="application/json"), 400, "phones.primaryPhoneCountryCode")
    assert Person.objects.count() == 0


def test_custom_numbers_must_fit_in_64_bits(api, workspace):
    from crm.services.fields import create_custom_field

    create_custom_field(workspace, {"objectName": "company", "name": "rating", "label": "Rating", "type": "NUMBER"})
    response = api.post("/rest/companies", {"rating": 1e22}, content_type="application/json")
    assert_error(response, 400, "rating: is out of range")
    assert api.post("/rest/companies", {"rating": 1e18}, content_type="application/json").status_code == 201


def test_the_renderer_copes_with_integers_beyond_64_bits():
    from crm.rest.base import OrjsonRenderer

    assert OrjsonRenderer().render({"n": 10**30}) == b'{"n":1000000000000000000000000000000}'
