"""Bad requests get GraphQL errors with a code, never a 500 or a timeout: missing
keys, syntax errors, unknown fields, wrong variables, hostile depth, aliases,
fragment bombs, huge pages; and the per-key rate limit shared with REST."""

from __future__ import annotations

import pytest
from django.test import Client
from graphql_client import gql
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, queries

from crm.graphql.core_schema import get_core_schema
from crm.graphql.limits import MAX_ALIASES, MAX_DEPTH
from crm.services.api_keys import create_api_key, revoke_api_key
from crm.services.records import create_record, create_records

# Counting tests must not see a minute end halfway through (conftest.one_rate_limit_window).
pytestmark = pytest.mark.usefixtures("one_rate_limit_window")


def post(client, token, body, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post("/graphql", body, content_type="application/json", **headers, **extra)


def only_error(response, status, code):
    body = response.json()
    assert response.status_code == status, body
    assert body["errors"], body
    assert body["errors"][0]["extensions"]["code"] == code, body
    return body["errors"][0]["message"]


def test_missing_key_gets_401_with_a_graphql_error(client):
    response = gql(client, None, "{ people { totalCount } }")

    message = only_error(response, 401, "UNAUTHENTICATED")
    assert "Authorization: Bearer" in message
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert set(response.json()) == {"errors"}


def test_invalid_key_gets_401(client, workspace):
    only_error(gql(client, "crm_not-a-real-key", "{ people { totalCount } }"), 401, "UNAUTHENTICATED")


def test_revoked_key_gets_401(client, workspace):
    key, token = create_api_key(workspace, "Soon revoked")
    revoke_api_key(key)

    message = only_error(gql(client, token, "{ people { totalCount } }"), 401, "UNAUTHENTICATED")
    assert "revoked" in message


def test_syntax_error_is_a_parse_error(client, api_token):
    message = only_error(gql(client, api_token, "{ people { totalCount "), 400, "GRAPHQL_PARSE_FAILED")
    assert "Syntax Error" in message


def test_unknown_field_is_a_validation_error(client, api_token):
    message = only_error(
        gql(client, api_token, "{ people { edges { node { salary } } } }"), 400, "GRAPHQL_VALIDATION_FAILED"
    )
    assert "salary" in message


def test_unknown_filter_field_is_a_validation_error(client, api_token):
    response = gql(client, api_token, '{ people(filter: {salary: {eq: "1"}}) { totalCount } }')

    assert "salary" in only_error(response, 400, "GRAPHQL_VALIDATION_FAILED")


def test_wrong_variable_type_is_bad_user_input(client, api_token):
    response = gql(client, api_token, "query($first: Int) { people(first: $first) { totalCount } }", {"first": "ten"})

    assert "first" in only_error(response, 400, "BAD_USER_INPUT")


def test_malformed_uuid_variable_is_bad_user_input(client, api_token):
    response = gql(
        client, api_token, "query($id: UUID!) { deletedPerson: person(filter: {id: {eq: $id}}) { id } }", {"id": "42"}
    )

    assert "not a valid UUID" in only_error(response, 400, "BAD_USER_INPUT")


def test_depth_50_query_is_refused(client, api_token):
    query = (
        "{ people { edges { node { " + "company { people { edges { node { " * 12 + "id" + " } } } }" * 12 + " } } } }"
    )

    message = only_error(gql(client, api_token, query), 400, "GRAPHQL_VALIDATION_FAILED")
    assert f"the limit is {MAX_DEPTH}" in message


def test_absurdly_deep_document_is_refused_without_crashing(client, api_token):
    query = "{ people " + "{ edges " * 3000 + "}" * 3001

    response = gql(client, api_token, query)

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] in ("GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED")


def test_a_thousand_aliases_are_refused_quickly(client, api_token):
    query = "{ " + " ".join(f"a{i}: people {{ totalCount }}" for i in range(1000)) + " }"

    message = only_error(gql(client, api_token, query), 400, "GRAPHQL_VALIDATION_FAILED")

    assert f"the limit is {MAX_ALIASES}" in message


def test_many_repeated_fields_are_refused_quickly(client, api_token):
    query = "{ people { " + "totalCount " * 5000 + "} }"

    response = gql(client, api_token, query)

    assert response.status_code == 400
    assert "fields" in response.json()["errors"][0]["message"]


def test_fragment_bomb_is_refused(client, api_token):
    fragments = ["fragment F0 on Person { id name { firstName } }"]
    for level in range(1, 30):
        below = f"...F{level - 1}"
        fragments.append(
            f"fragment F{level} on Person {{ {below} company {{ people {{ edges {{ node {{ {below} }} }} }} }} }}"
        )
    query = "{ people { edges { node { ...F29 } } } } " + " ".join(fragments)

    response = gql(client, api_token, query)

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_fragment_cycle_is_a_validation_error(client, api_token):
    query = "{ people { edges { node { ...A } } } } fragment A on Person { ...B } fragment B on Person { ...A }"

    only_error(gql(client, api_token, query), 400, "GRAPHQL_VALIDATION_FAILED")


@pytest.mark.parametrize(("argument", "message"), [("first: -1", "First"), ("last: -5", "Last")])
def test_a_negative_page_size_is_refused_in_twentys_words(client, api_token, argument, message):
    response = gql(client, api_token, f"{{ people({argument}) {{ totalCount }} }}")

    assert only_error(response, 200, "BAD_USER_INPUT") == f"{message} argument must be non-negative"


def test_a_negative_page_size_from_a_variable_is_checked_too(client, api_token):
    response = gql(client, api_token, "query($n: Int) { people(first: $n) { totalCount } }", {"n": -1})

    assert only_error(response, 200, "BAD_USER_INPUT") == "First argument must be non-negative"


@pytest.mark.parametrize(
    "query",
    [
        "{ people(first: 100000) { edges { node { id } } pageInfo { hasNextPage } } }",
        "{ people(last: 201) { edges { node { id } } pageInfo { hasNextPage } } }",
        "{ companies { edges { node { people(first: 1000) { edges { node { id } } } } } } }",
    ],
)
def test_a_page_size_beyond_200_reads_200_records(client, api_token, workspace, actor, query):
    company = create_records(workspace, "company", [{"name": "Big"}], actor)[0]
    create_records(workspace, "person", [{"companyId": company["id"]}] * 201, actor, max_batch=201)

    data = gql(client, api_token, query).json()["data"]

    connection = data["people"] if "people" in data else data["companies"]["edges"][0]["node"]["people"]
    assert len(connection["edges"]) == 200


def test_nested_lists_that_multiply_beyond_the_budget_are_refused(client, api_token):
    query = """{ companies(first: 200) { edges { node { people(first: 200) { edges { node {
      pointOfContactForOpportunities(first: 200) { edges { node { id name } } } } } } } } } }"""

    assert "too complex" in only_error(gql(client, api_token, query), 400, "GRAPHQL_VALIDATION_FAILED")


def test_invalid_cursor_is_bad_user_input(client, api_token):
    response = gql(client, api_token, '{ people(after: "garbage!") { totalCount } }')

    body = response.json()
    assert response.status_code == 200
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "cursor" in body["errors"][0]["message"]


def test_too_many_in_values_are_bad_user_input(client, api_token):
    response = gql(
        client,
        api_token,
        "query($c: [String!]) { people(filter: {city: {in: $c}}) { totalCount } }",
        {"c": ["x"] * 501},
    )

    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_malformed_json_body_is_a_400(client, api_token):
    response = client.post(
        "/graphql", "{not json", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api_token}"
    )

    only_error(response, 400, "BAD_USER_INPUT")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"query": ""},
        {"query": 42},
        {"query": "{ people { totalCount } }", "variables": [1, 2]},
        {"query": "{ people { totalCount } }", "operationName": 5},
        [{"query": "{ people { totalCount } }"}],
    ],
)
def test_malformed_params_are_a_400(client, api_token, body):
    only_error(post(client, api_token, body), 400, "BAD_USER_INPUT")


def test_unknown_operation_name_is_a_400(client, api_token):
    response = post(client, api_token, {"query": "query A { people { totalCount } }", "operationName": "B"})

    assert "B" in only_error(response, 400, "BAD_USER_INPUT")


def test_other_methods_are_refused(client, api_token):
    response = client.put("/graphql", "{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api_token}")

    assert response.status_code == 405


def test_csrf_does_not_apply_to_api_key_requests(api_token):
    client = Client(enforce_csrf_checks=True)

    response = gql(client, api_token, "{ people { totalCount } }")

    assert response.status_code == 200


def test_application_graphql_bodies_are_accepted(client, api_token):
    response = client.post(
        "/graphql",
        "{ people { totalCount } }",
        content_type="application/graphql",
        HTTP_AUTHORIZATION=f"Bearer {api_token}",
    )

    assert response.json() == {"data": {"people": {"totalCount": 0}}}


def test_responses_carry_rate_limit_headers(client, api_token):
    response = gql(client, api_token, "{ people { totalCount } }")

    assert int(response["X-RateLimit-Limit"]) > 0
    assert int(response["X-RateLimit-Remaining"]) >= 0


def test_rate_limit_is_shared_with_rest_and_answers_429(client, api_token, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3

    statuses = [gql(client, api_token, "{ people { totalCount } }").status_code for _ in range(2)]
    rest = client.get("/rest/people", HTTP_AUTHORIZATION=f"Bearer {api_token}")
    refused = gql(client, api_token, "{ people { totalCount } }")

    assert statuses == [200, 200]
    assert rest.status_code == 200
    message = only_error(refused, 429, "TOO_MANY_REQUESTS")
    assert "3 requests per minute" in message
    assert refused["X-RateLimit-Remaining"] == "0"
    assert int(refused["Retry-After"]) > 0


def test_unexpected_failures_are_hidden_behind_a_generic_error(client, api_token, monkeypatch, caplog):
    from crm.graphql import core_resolvers, database_answers

    def explode(*args, **kwargs):
        raise RuntimeError("secret database detail")

    # Both ways of answering a list (crm.graphql.database_answers falls back to the other).
    monkeypatch.setattr(core_resolvers, "list_records", explode)
    monkeypatch.setattr(database_answers, "list_records", explode)

    response = gql(client, api_token, "{ notes { totalCount } }")

    body = response.json()
    assert body["errors"][0]["message"] == "Internal server error"
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "secret" not in response.content.decode()
    # The server's log says the database path failed, and why.
    assert "fell back to the general GraphQL path" in caplog.text and "secret database detail" in caplog.text


@pytest.fixture
def fuzz_schema(workspace, actor, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 100_000
    create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)
    return get_core_schema(workspace).schema


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_generated_queries_never_fail_with_a_500(client, api_token, fuzz_schema, data):
    mode = data.draw(st.sampled_from([Mode.POSITIVE, Mode.NEGATIVE]))
    query = data.draw(queries(fuzz_schema, mode=mode, fields=["people", "person", "companies", "opportunities"]))

    response = gql(client, api_token, query)

    assert response.status_code in (200, 400), response.content[:500]
    body = response.json()
    for error in body.get("errors", []):
        assert error["extensions"]["code"] != "INTERNAL_SERVER_ERROR", (query, error)


def test_deeply_nested_filter_literal_is_refused(client, api_token):
    nested = '{city: {eq: "x"}}'
    for _ in range(30):
        nested = f"{{and: [{nested}]}}"
    very = nested
    for _ in range(500):
        very = f"{{and: [{very}]}}"

    response = gql(client, api_token, f"{{ people(filter: {nested}) {{ totalCount }} }}")
    very_deep = gql(client, api_token, f"{{ people(filter: {very}) {{ totalCount }} }}")

    assert "nested more than" in only_error(response, 400, "GRAPHQL_VALIDATION_FAILED")
    assert very_deep.status_code == 400


def test_deeply_nested_filter_variable_is_refused(client, api_token):
    nested = {"city": {"eq": "x"}}
    for _ in range(200):
        nested = {"and": [nested]}

    response = gql(
        client, api_token, "query($f: PersonFilterInput) { people(filter: $f) { totalCount } }", {"f": nested}
    )

    assert "levels deep" in only_error(response, 400, "BAD_USER_INPUT")


def test_reasonably_nested_filters_still_work(client, api_token):
    nested = {"city": {"eq": "x"}}
    for _ in range(5):
        nested = {"and": [nested], "or": [nested, {"not": nested}]}

    response = gql(
        client, api_token, "query($f: PersonFilterInput) { people(filter: $f) { totalCount } }", {"f": nested}
    )

    assert response.json() == {"data": {"people": {"totalCount": 0}}}


def test_graphiql_introspection_query_is_allowed(client, api_token):
    from graphql import get_introspection_query

    response = gql(client, api_token, get_introspection_query(descriptions=True, input_value_deprecation=True))

    body = response.json()
    assert response.status_code == 200, body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


def test_oversized_body_is_a_413(client, api_token):
    query = "{ people { totalCount } }" + " " * (1024 * 1024 + 10)

    response = post(client, api_token, {"query": query})

    only_error(response, 413, "BAD_USER_INPUT")


def test_request_errors_have_no_data_entry(client, api_token):
    response = gql(client, api_token, "query($first: Int) { people(first: $first) { totalCount } }", {"first": "x"})

    assert response.status_code == 400
    assert "data" not in response.json()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_generated_mutations_never_fail_with_a_500(client, api_token, fuzz_schema, data):
    from hypothesis_graphql import mutations

    mode = data.draw(st.sampled_from([Mode.POSITIVE, Mode.NEGATIVE]))
    query = data.draw(
        mutations(fuzz_schema, mode=mode, fields=["createPerson", "updatePeople", "createCompanies", "deleteNotes"])
    )

    response = gql(client, api_token, query)

    assert response.status_code in (200, 400), response.content[:500]
    for error in response.json().get("errors", []):
        assert error["extensions"]["code"] != "INTERNAL_SERVER_ERROR", (query, error)
