"""Paging arguments Twenty refuses together are refused here in its words."""

from __future__ import annotations

import pytest
from graphql_client import gql

from crm.services.records import create_records


@pytest.fixture
def cursor(client, api_token, workspace, actor):
    create_records(workspace, "person", [{"city": f"City {i}"} for i in range(4)], actor)
    answer = gql(client, api_token, "{ people(first: 2) { pageInfo { endCursor } } }").json()
    return answer["data"]["people"]["pageInfo"]["endCursor"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("first: 2, last: 2", "Cannot provide both first and last"),
        ('before: "{c}", after: "{c}"', "Cannot provide both before and after"),
        ('first: 2, before: "{c}"', "Cannot provide both before and first"),
        ('last: 2, after: "{c}"', "Cannot provide both after and last"),
    ],
)
@pytest.mark.parametrize("nested", [False, True])
def test_conflicting_paging_arguments_are_refused(client, api_token, cursor, arguments, message, nested):
    people = f"people({arguments.replace('{c}', cursor)}) {{ edges {{ node {{ id }} }} }}"
    query = f"{{ companies {{ edges {{ node {{ {people} }} }} }} }}" if nested else f"{{ {people} }}"
    if nested:  # a company to hold the list
        gql(client, api_token, 'mutation { createCompany(data: {name: "Acme"}) { id } }')

    body = gql(client, api_token, query).json()

    assert body["errors"][0]["message"] == message
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("arguments", "count"),
    [("first: 0, last: 2", 0), ("last: 2", 2), ('first: 2, after: "{c}"', 2), ('last: 1, before: "{c}"', 1)],
)
def test_arguments_twenty_takes_together_still_page(client, api_token, cursor, arguments, count):
    query = f"{{ people({arguments.replace('{c}', cursor)}) {{ edges {{ node {{ id }} }} }} }}"

    body = gql(client, api_token, query).json()

    assert "errors" not in body, body
    assert len(body["data"]["people"]["edges"]) == count
