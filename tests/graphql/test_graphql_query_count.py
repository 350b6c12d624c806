"""No N+1: a GraphQL query costs a number of SQL queries set by its shape
(relations selected, nesting), not by how many records it returns."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.services.records import create_records

DEEP_QUERY = """query($first: Int) {
  people(first: $first, orderBy: [{name: {firstName: AscNullsFirst}}]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id name { firstName lastName } emails { primaryEmail } companyId
      company {
        name
        people(first: 3) { totalCount edges { node { id company { name } } } }
        opportunities(first: 10) { totalCount edges { node { name pointOfContact { name { firstName } } } } }
      }
      pointOfContactForOpportunities(first: 10) { totalCount edges { node { name company { name } } } }
    } }
  }
}"""


@pytest.fixture
def crowd(workspace, actor):
    companies = create_records(workspace, "company", [{"name": f"Company {i}"} for i in range(20)], actor)
    people = []
    for batch in range(5):
        people += create_records(
            workspace,
            "person",
            [
                {"name": {"firstName": f"P{batch}-{i:02}"}, "companyId": companies[(batch * 40 + i) % 20]["id"]}
                for i in range(40)
            ],
            actor,
        )
    create_records(
        workspace,
        "opportunity",
        [
            {"name": f"Deal {i}", "companyId": companies[i % 20]["id"], "pointOfContactId": people[i * 3]["id"]}
            for i in range(60)
        ],
        actor,
    )
    return people


def run(client, token, first):
    response = client.post(
        "/graphql",
        {"query": DEEP_QUERY, "variables": {"first": first}},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]["people"]


def count_queries(client, token, first):
    with CaptureQueriesContext(connection) as captured:
        page = run(client, token, first)
    return len(captured.captured_queries), page


def test_deep_query_runs_no_more_queries_for_200_records_than_for_10(client, api_token, crowd):
    run(client, api_token, 1)  # builds and caches the schema

    small, small_page = count_queries(client, api_token, 10)
    large, large_page = count_queries(client, api_token, 200)

    assert len(small_page["edges"]) == 10
    assert len(large_page["edges"]) == 200
    # 200 fit on one page, so the top-level count is not needed there
    assert large <= small


@pytest.mark.parametrize("first", [10, 200])
def test_deep_query_stays_within_a_bound_set_by_its_shape(
    client, api_token, crowd, first, django_assert_max_num_queries
):
    run(client, api_token, 1)

    # key lookup, list, count, and one (plus one count) per selected relation level
    with django_assert_max_num_queries(16):
        page = run(client, api_token, first)

    node = page["edges"][0]["node"]
    assert node["company"]["people"]["totalCount"] == 10
    assert len(node["company"]["people"]["edges"]) == 3
    assert page["totalCount"] == 200


def test_nested_records_are_right_for_every_parent(client, api_token, crowd):
    page = run(client, api_token, 200)

    for edge in page["edges"]:
        node = edge["node"]
        assert node["company"] is not None
        for colleague in node["company"]["people"]["edges"]:
            assert colleague["node"]["company"]["name"] == node["company"]["name"]
        for deal in node["pointOfContactForOpportunities"]["edges"]:
            assert deal["node"]["company"]["name"].startswith("Company ")
    with_deals = [e for e in page["edges"] if e["node"]["pointOfContactForOpportunities"]["totalCount"]]
    assert len(with_deals) == 60
