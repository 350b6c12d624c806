"""A custom object's pages cost a fixed number of SQL queries, whatever their size: over
REST (with depth=1 in both directions of its relations) and over GraphQL (with its
relations selected and nested connections), as the standard objects' pages do."""

from __future__ import annotations

import pytest
from custom_object_setup import make_projects
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crm import redis_threads
from crm.services.records import create_records


@pytest.fixture
def api(warm_api: Client) -> Client:
    return warm_api


@pytest.fixture
def portfolio(workspace, actor) -> None:
    make_projects(workspace)
    companies = create_records(workspace, "company", [{"name": f"Company {i}"} for i in range(20)], actor)
    for start in range(0, 200, 50):
        projects = create_records(
            workspace,
            "project",
            [
                {"name": f"P{i:03d}", "priority": i % 7, "companyId": companies[i % 20]["id"]}
                for i in range(start, start + 50)
            ],
            actor,
            max_batch=50,
        )
        create_records(
            workspace,
            "milestone",
            [{"name": f"M{p['name']}", "projectId": p["id"]} for p in projects],
            actor,
            max_batch=50,
        )


def queries(client: Client, method: str, path: str, body: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert "errors" not in response.json(), response.json()
    return len(captured)


@pytest.mark.parametrize("depth", [0, 1])
def test_a_page_of_10_and_a_page_of_150_cost_the_same_queries(portfolio, warm_api, depth):
    small = queries(warm_api, "GET", f"/rest/projects?limit=10&depth={depth}&filter=priority[gte]:0&order_by=name")
    large = queries(warm_api, "GET", f"/rest/projects?limit=150&depth={depth}&filter=priority[gte]:0&order_by=name")
    # Rows and count, and the key's lookup where processes do not keep keys (no Redis);
    # depth=1 adds one query per relation (company, milestones, noteTargets, taskTargets).
    key_lookup = 0 if redis_threads.cache_client() else 1
    assert small == large == 2 + key_lookup + (4 if depth else 0)


def test_companies_with_their_projects_cost_the_same_for_any_page(portfolio, warm_api):
    assert queries(warm_api, "GET", "/rest/companies?limit=2&depth=1") == queries(
        warm_api, "GET", "/rest/companies?limit=15&depth=1"
    )


def test_graphql_pages_with_relations_cost_the_same_queries(portfolio, warm_api):
    query = """query($n: Int) { projects(first: $n, orderBy: [{name: AscNullsFirst}]) { totalCount edges { node {
        name company { name projects(first: 2) { totalCount edges { node { name } } } }
        milestones(first: 3) { edges { node { name } } } } } } }"""
    small = queries(warm_api, "POST", "/graphql", {"query": query, "variables": {"n": 5}})
    large = queries(warm_api, "POST", "/graphql", {"query": query, "variables": {"n": 150}})
    assert small == large
