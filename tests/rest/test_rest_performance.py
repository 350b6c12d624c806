"""The REST read path costs a fixed number of SQL queries, whatever the page size or depth."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crm.services.records import create_records


@pytest.fixture
def api(warm_api: Client) -> Client:
    return warm_api


@pytest.fixture
def crowd(workspace, actor) -> None:
    companies = create_records(workspace, "company", [{"name": f"Company {i}"} for i in range(30)], actor)
    for start in range(0, 240, 60):
        create_records(
            workspace,
            "person",
            [{"city": "Oslo", "companyId": companies[i % 30]["id"]} for i in range(start, start + 60)],
            actor,
        )
    create_records(
        workspace,
        "opportunity",
        [{"name": f"Deal {i}", "companyId": companies[i]["id"]} for i in range(30)],
        actor,
    )


def queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(captured)


def test_authentication_and_rate_limiting_cost_one_query(api, workspace, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert api.get("/rest/unicorns").status_code == 404


@pytest.mark.parametrize("depth", [0, 1])
def test_a_page_of_10_and_a_page_of_200_cost_the_same_queries(api, crowd, depth, django_assert_max_num_queries):
    # Key lookup, rows, count; depth=1 adds one query per relation
    # (company, opportunities, noteTargets, taskTargets).
    budget = 3 + (4 if depth else 0)
    for limit in (10, 200):
        with django_assert_max_num_queries(budget):
            body = api.get(f"/rest/people?limit={limit}&depth={depth}").json()
        assert len(body["data"]["people"]) == limit and body["totalCount"] == 240
    assert queries(api, f"/rest/people?limit=10&depth={depth}") == queries(api, f"/rest/people?limit=200&depth={depth}")


def test_filtered_ordered_cursor_pages_cost_the_same(api, crowd, django_assert_max_num_queries):
    first = api.get("/rest/companies?limit=10&order_by=name[DescNullsLast]&depth=1").json()
    cursor = first["pageInfo"]["endCursor"]
    # Key, rows, count, and one per relation (people, opportunities, noteTargets, taskTargets).
    with django_assert_max_num_queries(7):
        api.get(f"/rest/companies?limit=10&order_by=name[DescNullsLast]&depth=1&starting_after={cursor}")
    with django_assert_max_num_queries(7):
        api.get(f"/rest/companies?limit=200&filter=name[ilike]:%25Company%25&depth=1&ending_before={cursor}")


def test_one_record_costs_two_queries_and_one_more_per_relation(api, crowd, django_assert_max_num_queries):
    person = api.get("/rest/people?limit=1").json()["data"]["people"][0]
    with django_assert_max_num_queries(2):
        api.get(f"/rest/people/{person['id']}")
    with django_assert_max_num_queries(6):
        api.get(f"/rest/people/{person['id']}?depth=1")


def test_metadata_reads_cost_a_fixed_number_of_queries(api, workspace, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        api.get("/rest/metadata/objects")
    with django_assert_max_num_queries(2):
        api.get("/rest/metadata/picklists")


def test_the_openapi_document_is_built_once_per_metadata_version(api, workspace, django_assert_max_num_queries):
    api.get("/rest/open-api/core")
    with django_assert_max_num_queries(1):
        assert api.get("/rest/open-api/core").status_code == 200
