"""Hostile input never makes a server error: NUL characters in filters and metadata,
forged cursors, absurd numbers and malformed headers all answer 4xx with a message,
on REST and GraphQL alike, and nothing is written.

The table at the top holds the cases found by probing the running app; the properties
below drive the same entry points with generated values (Hypothesis)."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.models import FieldMetadata

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.fixture(autouse=True)
def no_rate_limit(settings) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000


@pytest.fixture
def api(api_token) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")


def gql(api: Client, query: str, variables=None, path: str = "/graphql"):
    return api.post(path, {"query": query, "variables": variables}, content_type="application/json")


def assert_client_error(response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response.json()["messages"], response.content


def assert_no_graphql_server_error(response) -> None:
    assert response.status_code < 500, response.content[:300]
    for error in response.json().get("errors", []):
        assert error["extensions"]["code"] != "INTERNAL_SERVER_ERROR", error


REST_CASES = {
    "NUL in eq": "/rest/people?filter=jobTitle[eq]:a%00b",
    "NUL in in": "/rest/people?filter=jobTitle[in]:[a%00b,c]",
    "NUL in ilike": "/rest/people?filter=jobTitle[ilike]:%25a%00%25",
    "NUL in a composite": "/rest/people?filter=name.firstName[startsWith]:%00",
    "infinite cursor": f"/rest/people?starting_after={cursor([1e999, 'x'])}",
    "impossible date cursor": f"/rest/people?order_by=createdAt&starting_after={cursor(['9999-99-99', 'x'])}",
    "huge integer cursor": f"/rest/people?starting_after={cursor([10**30, 'x'])}",
    "forged tie-breaker": f"/rest/people?order_by=createdAt&ending_before={cursor(['2026-01-01T00:00:00Z', 10**30])}",
    "huge integer filter": f"/rest/opportunities?filter=amount.amountMicros[gt]:{10**30}",
    "infinite number filter": "/rest/people?filter=position[gt]:1e999",
    "NUL object name": "/rest/metadata/objects/%00",
    "NUL inside an object name": "/rest/metadata/objects/pe%00ople",
}


@pytest.mark.parametrize("url", REST_CASES.values(), ids=REST_CASES.keys())
def test_rest_answers_hostile_queries_with_a_4xx(api, url):
    assert_client_error(api.get(url))


FIELD_CASES = {
    "NUL object name": {"objectName": "pe\x00ople", "name": "tier", "label": "Tier", "type": "TEXT"},
    "NUL option label": {
        "objectName": "person",
        "name": "tier",
        "label": "Tier",
        "type": "SELECT",
        "options": [{"value": "GOLD", "label": "Go\x00ld"}],
    },
    "NUL option color": {
        "objectName": "person",
        "name": "tier",
        "label": "Tier",
        "type": "SELECT",
        "options": [{"value": "GOLD", "label": "Gold", "color": "\x00"}],
    },
    "NUL label": {"objectName": "person", "name": "tier", "label": "Ti\x00er", "type": "TEXT"},
}


@pytest.mark.parametrize("body", FIELD_CASES.values(), ids=FIELD_CASES.keys())
def test_metadata_refuses_nul_characters_and_writes_nothing(api, workspace, body):
    response = api.post("/rest/metadata/fields", body, content_type="application/json")

    assert_client_error(response)
    assert not FieldMetadata.objects.filter(workspace=workspace, name="tier").exists()


GRAPHQL_CASES = {
    "NUL in a filter variable": ({"jobTitle": {"eq": "a\x00b"}}, None),
    "NUL in an in list": ({"city": {"in": ["Paris", "\x00"]}}, None),
    "infinite cursor": (None, cursor([1e999, "x"])),
    "impossible date cursor": (None, cursor(["9999-99-99", "x"])),
    "huge integer cursor": (None, cursor([10**30])),
}


@pytest.mark.parametrize("filter_value, after", GRAPHQL_CASES.values(), ids=GRAPHQL_CASES.keys())
def test_graphql_answers_hostile_variables_with_bad_user_input(api, filter_value, after):
    response = gql(
        api,
        "query($f: PersonFilterInput, $a: String) { people(filter: $f, after: $a) { totalCount } }",
        {"f": filter_value, "a": after},
    )

    assert response.status_code < 500
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("path", ["/graphql", "/metadata", "/rest/people", "/rest/metadata/fields", "/login/"])
def test_a_content_length_that_is_no_number_is_a_400(api, path):
    response = api.generic(
        "POST", path, b'{"query": "{ people { totalCount } }"}', "application/json", CONTENT_LENGTH="abc"
    )

    assert response.status_code == 400
    assert b"Content-Length" in response.content


# ---- properties -------------------------------------------------------------------

# Text that is likely to break things: NUL and other control characters, lone
# surrogates are impossible in JSON, but quotes, brackets and commas are not.
hostile_text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.sampled_from("\x00\x01'\"[](),:%_\\ aZ9é"), max_size=12),
    st.sampled_from(["\x00", "a\x00b", "9999-99-99", "1e999", "-1e999", "NaN", str(10**30), "0x10", ""]),
)
numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
)
cursor_values = st.lists(
    st.one_of(st.none(), st.booleans(), numbers, hostile_text, st.just(1e999), st.just(-1e999)), max_size=4
)
REST_FIELDS = ["jobTitle", "city", "name.firstName", "emails.primaryEmail", "createdAt", "position", "id", "companyId"]
REST_OPERATORS = ["eq", "neq", "in", "containsAny", "is", "gt", "gte", "lt", "lte", "startsWith", "like", "ilike"]
ORDERS = [
    "",
    "createdAt",
    "name.firstName[DescNullsLast]",
    "position[AscNullsFirst]",
    "jobTitle",
    "city[DescNullsFirst]",
]


@FUZZ
@given(field=st.sampled_from(REST_FIELDS), op=st.sampled_from(REST_OPERATORS), value=hostile_text)
def test_rest_filters_never_fail_with_a_500(api, field, op, value):
    for rendered in (quote(value), f"[{quote(value)},x]", f'"{quote(value)}"'):
        response = api.get(f"/rest/people?filter={field}[{op}]:{rendered}")

        assert response.status_code in (200, 400), (response.status_code, response.content[:300])


@FUZZ
@given(values=cursor_values, order=st.sampled_from(ORDERS), backwards=st.booleans(), raw=st.none() | hostile_text)
def test_rest_cursors_never_fail_with_a_500(api, values, order, backwards, raw):
    token = quote(raw) if raw is not None else cursor(values)
    parameter = "ending_before" if backwards else "starting_after"

    response = api.get(f"/rest/people?order_by={order}&{parameter}={token}")

    assert response.status_code in (200, 400), (response.status_code, response.content[:300])


@FUZZ
@given(
    field=st.sampled_from(["jobTitle", "city", "position", "createdAt", "id", "companyId"]),
    op=st.sampled_from(["eq", "neq", "in", "gt", "lte", "startsWith", "ilike", "is"]),
    value=st.one_of(hostile_text, numbers, st.lists(hostile_text, max_size=3)),
    values=cursor_values,
)
def test_graphql_filters_and_cursors_never_fail_with_a_500(api, field, op, value, values):
    response = gql(
        api,
        "query($f: PersonFilterInput, $a: String) { people(filter: $f, after: $a) { totalCount } }",
        {"f": {field: {op: value}}, "a": cursor(values)},
    )

    assert_no_graphql_server_error(response)


@FUZZ
@given(
    object_name=hostile_text,
    name=hostile_text,
    label=hostile_text,
    option=st.fixed_dictionaries({"value": hostile_text, "label": hostile_text}, optional={"position": numbers}),
)
def test_metadata_inputs_never_fail_with_a_500(api, workspace, object_name, name, label, option):
    before = FieldMetadata.objects.filter(workspace=workspace).count()
    body = {"objectName": object_name, "name": name, "label": label, "type": "SELECT", "options": [option]}

    created = api.post("/rest/metadata/fields", body, content_type="application/json")
    looked_up = api.get(f"/rest/metadata/objects/{quote(object_name, safe='')}")
    over_graphql = gql(
        api,
        "mutation($input: CreateOneFieldMetadataInput!) { createOneField(input: $input) { id } }",
        {"input": {"field": {**body, "objectMetadataId": object_name}}},
        path="/metadata",
    )

    assert created.status_code in (201, 400), (created.status_code, created.content[:300])
    assert looked_up.status_code in (200, 404), (looked_up.status_code, looked_up.content[:300])
    assert_no_graphql_server_error(over_graphql)
    if created.status_code == 400 and over_graphql.json().get("errors"):
        assert FieldMetadata.objects.filter(workspace=workspace).count() == before


@FUZZ
@given(
    content_length=st.text(max_size=8),
    authorization=st.one_of(st.none(), hostile_text.map(lambda t: f"Bearer {t}")),
    path=st.sampled_from(["/graphql", "/metadata", "/rest/people"]),
)
def test_malformed_headers_never_fail_with_a_500(api_token, content_length, authorization, path):
    headers = {"CONTENT_LENGTH": content_length}
    if authorization is not None:
        headers["HTTP_AUTHORIZATION"] = authorization
    else:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {api_token}"
    body = b'{"query": "{ people { totalCount } }", "jobTitle": "x"}'

    response = Client().generic("POST", path, body, "application/json", **headers)

    assert response.status_code < 500, (response.status_code, response.content[:300])
