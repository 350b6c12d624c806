"""Reads compiled once and run with each request's values (crm.query.compiled_reads)
answer every workspace with its own records: the stand-ins of the first compilation
never leak into later answers."""

from __future__ import annotations

import pytest

from crm.services.records import create_record
from tests.graphql_client import gql

GET_PERSON = "query($id: UUID!) { person(filter: {id: {eq: $id}}) { id name { firstName } } }"
FIRST_PAGE = "query { people(first: 5) { edges { node { id name { firstName } } } } }"


@pytest.fixture
def two_people(workspace, other_workspace, actor):
    mine = create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)
    theirs = create_record(other_workspace, "person", {"name": {"firstName": "Grace"}}, actor)
    return mine, theirs


@pytest.mark.parametrize("token_name", ["api_token", "other_token"])
def test_one_by_id_and_first_page_answer_the_callers_workspace(client, request, two_people, token_name):
    token = request.getfixturevalue(token_name)
    mine, theirs = two_people if token_name == "api_token" else reversed(two_people)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    for _ in range(2):  # compiled by the first request, reused by the second
        one = gql(client, token, GET_PERSON, {"id": mine["id"]}).json()
        assert one["data"]["person"] == {"id": mine["id"], "name": {"firstName": mine["name"]["firstName"]}}
        rest = client.get(f"/rest/people/{mine['id']}", **headers)
        assert rest.status_code == 200 and rest.json()["data"]["person"]["id"] == mine["id"]
        page = gql(client, token, FIRST_PAGE).json()["data"]["people"]["edges"]
        assert [edge["node"]["id"] for edge in page] == [mine["id"]]
        rest_page = client.get("/rest/people?limit=5", **headers).json()["data"]["people"]
        assert [person["id"] for person in rest_page] == [mine["id"]]


def test_another_workspaces_record_is_not_found_by_id(client, api_token, two_people):
    _, theirs = two_people

    answer = gql(client, api_token, GET_PERSON, {"id": theirs["id"]}).json()
    rest = client.get(f"/rest/people/{theirs['id']}", HTTP_AUTHORIZATION=f"Bearer {api_token}")

    assert answer["data"] is None or answer["data"]["person"] is None
    assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert rest.status_code == 404
