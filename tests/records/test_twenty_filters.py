"""Filters as Twenty's clients write them: a filter naming ``deletedAt`` reaches
soft-deleted records (a trash view), over REST and GraphQL, and REST values may be in
single quotes as well as double quotes or bare."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client
from graphql_client import ask

from crm.query.ast import Condition
from crm.query.rest_parser import parse_filter
from crm.services.records import create_record, delete_record


@pytest.fixture
def company(workspace, actor) -> dict:
    return create_record(workspace, "company", {"name": "Acme"}, actor)


@pytest.fixture
def people(workspace, actor, company) -> dict[str, dict]:
    """Two live people and one in the trash, all at Acme."""
    made = {
        city: create_record(workspace, "person", {"city": city, "companyId": company["id"]}, actor)
        for city in ("Oslo", "Rome", "Lima")
    }
    delete_record(workspace, "person", made["Lima"]["id"], actor)
    return made


def rest_cities(api: Client, filter_text: str) -> tuple[set[str], int]:
    body = api.get("/rest/people?filter=" + quote(filter_text)).json()
    return {p["city"] for p in body["data"]["people"]}, body["totalCount"]


def gql(api: Client, query: str, variables: dict | None = None) -> dict:
    body = ask(api, query, variables)
    assert "errors" not in body, body
    return body["data"]


# -- deletedAt ------------------------------------------------------------------------


def test_lists_leave_the_trash_out_by_default(api, people):
    body = api.get("/rest/people").json()

    assert {p["city"] for p in body["data"]["people"]} == {"Oslo", "Rome"}


@pytest.mark.parametrize(
    ("filter_text", "cities"),
    [
        ("deletedAt[is]:NOT_NULL", {"Lima"}),
        ("not(deletedAt[is]:NULL)", {"Lima"}),
        ("deletedAt[is]:NULL", {"Oslo", "Rome"}),
        ("or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)", {"Oslo", "Rome", "Lima"}),
        ("and(deletedAt[is]:NOT_NULL,city[eq]:Oslo)", set()),
    ],
)
def test_a_rest_filter_naming_deleted_at_reaches_the_trash(api, people, filter_text, cities):
    assert rest_cities(api, filter_text) == (cities, len(cities))


def test_a_graphql_filter_naming_deleted_at_reaches_the_trash(api, people):
    data = gql(
        api,
        "query Trash($filter: PersonFilterInput) { people(filter: $filter) { totalCount edges { node { city } } } }",
        {"filter": {"not": {"deletedAt": {"is": "NULL"}}}},
    )

    assert data["people"]["totalCount"] == 1
    assert [edge["node"]["city"] for edge in data["people"]["edges"]] == ["Lima"]


def test_one_deleted_record_can_be_read_by_naming_deleted_at(api, people):
    lima = people["Lima"]["id"]
    query = "query One($filter: PersonFilterInput!) { person(filter: $filter) { id deletedAt } }"

    found = gql(api, query, {"filter": {"id": {"eq": lima}, "deletedAt": {"is": "NOT_NULL"}}})
    missing = api.post(
        "/graphql", {"query": query, "variables": {"filter": {"id": {"eq": lima}}}}, content_type="application/json"
    ).json()

    assert found["person"]["id"] == lima and found["person"]["deletedAt"]
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_a_nested_connection_filter_naming_deleted_at_reaches_the_trash(api, people, company):
    data = gql(
        api,
        """query { companies { edges { node {
            people(filter: {deletedAt: {is: NOT_NULL}}) { totalCount edges { node { city } } }
            everyone: people { totalCount }
        } } } }""",
    )

    node = data["companies"]["edges"][0]["node"]
    assert [edge["node"]["city"] for edge in node["people"]["edges"]] == ["Lima"]
    assert node["people"]["totalCount"] == 1 and node["everyone"]["totalCount"] == 2


def test_a_trash_view_can_be_emptied_into_the_list_again(api, people):
    response = api.patch("/rest/people/restore?filter=" + quote("deletedAt[is]:NOT_NULL"))

    assert [p["city"] for p in response.json()["data"]["restorePeople"]] == ["Lima"]
    assert rest_cities(api, "deletedAt[is]:NULL") == ({"Oslo", "Rome", "Lima"}, 3)


# -- quotes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("stage[eq]:'NEW'", "NEW"),
        ('stage[eq]:"NEW"', "NEW"),
        ("stage[eq]:NEW", "NEW"),
        ("name[eq]:'Smith, Jr.'", "Smith, Jr."),
        ("name[eq]:'it\\'s'", "it's"),
        ("name[eq]:'t Hooft", "'t Hooft"),
        ("name[eq]:O'Brien", "O'Brien"),
        ("name[eq]:''", ""),
    ],
)
def test_values_may_be_single_quoted_double_quoted_or_bare(text, value):
    assert parse_filter(text) == Condition((text.split("[")[0],), "eq", value)


def test_list_items_may_be_single_quoted():
    assert parse_filter("city[in]:['San Francisco',\"New York\",Oslo]") == Condition(
        ("city",), "in", ["San Francisco", "New York", "Oslo"]
    )


def test_a_single_quoted_select_value_filters_over_rest(api, workspace, actor):
    create_record(workspace, "opportunity", {"name": "Pilot", "stage": "NEW"}, actor)
    create_record(workspace, "opportunity", {"name": "Renewal", "stage": "MEETING"}, actor)

    body = api.get("/rest/opportunities?filter=" + quote("stage[eq]:'NEW'")).json()

    assert [o["name"] for o in body["data"]["opportunities"]] == ["Pilot"]


# -- endsWith, and patterns over lists ------------------------------------------------


@pytest.fixture
def emailed(workspace, actor) -> dict[str, dict]:
    """People with no, one and two additional emails."""
    return {
        city: create_record(workspace, "person", {"city": city, "emails": {"additionalEmails": extra}}, actor)
        for city, extra in (
            ("Oslo", []),
            ("Rome", ["ada@example.com"]),
            ("Lima", ["grace@example.com", "ada@work.example"]),
        )
    }


@pytest.mark.parametrize(
    ("filter_text", "cities"),
    [
        ("city[endsWith]:ma", {"Lima"}),
        ("city[endsWith]:o", {"Oslo"}),
        ('emails.additionalEmails[like]:"[]"', {"Oslo"}),
        ('emails.additionalEmails[like]:"%ada%"', {"Rome", "Lima"}),
        ('emails.additionalEmails[ilike]:"%GRACE%"', {"Lima"}),
    ],
)
def test_rest_filters_by_text_ending_and_by_a_pattern_over_a_list(api, emailed, filter_text, cities):
    assert rest_cities(api, filter_text)[0] == cities


def test_graphql_takes_endswith_and_like_on_a_list_as_twentys_front_end_sends_them(api, emailed):
    data = gql(
        api,
        """{
          ending: people(filter: {city: {endsWith: "lo"}}) { edges { node { city } } }
          empty: people(filter: {emails: {additionalEmails: {like: "[]"}}}) { edges { node { city } } }
          holding: people(filter: {emails: {additionalEmails: {like: "%ada%"}}}) { edges { node { city } } }
        }""",
    )

    def cities(key):
        return {edge["node"]["city"] for edge in data[key]["edges"]}

    assert (cities("ending"), cities("empty"), cities("holding")) == ({"Oslo"}, {"Oslo"}, {"Rome", "Lima"})
