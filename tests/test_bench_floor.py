"""The benchmark's floor app (bench/floor.py) answers the benchmark's requests with
the same JSON as the product, so comparing their throughput is fair.

The floor speaks PostgreSQL only, and reads rows over a connection of its own, so
these tests need PostgreSQL and committed data (transactional_db).
"""

from __future__ import annotations

from urllib.parse import quote

import orjson
import pytest
from django.db import connection
from django.test import Client
from werkzeug.test import Client as WsgiClient

from bench import floor
from bench.load import Request
from bench.scenarios.reads import FILTERED_QUERY, GRAPHQL_QUERY, LIST_QUERY, ORDER
from bench.sql_check import floor_difference, product_statements
from crm.services.records import create_record, create_records

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the floor app runs its SQL on PostgreSQL only"
)


@pytest.fixture
def floor_client(transactional_db, monkeypatch) -> WsgiClient:
    settings = connection.settings_dict
    user = quote(settings.get("USER") or "")
    password = f":{quote(settings['PASSWORD'])}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    monkeypatch.setenv("DATABASE_URL", f"postgresql://{user}{password}@{host}:{port}/{settings['NAME']}")
    yield WsgiClient(floor.app)
    # An open connection would keep the test database from being dropped.
    conn = getattr(floor._local, "conn", None)
    if conn is not None:
        conn.close()
        floor._local.conn = None


@pytest.fixture
def people(workspace, actor) -> list[dict]:
    companies = create_records(
        workspace, "company", [{"name": "Analytical Engines"}, {"name": "Difference Ltd"}], actor
    )
    people = create_records(
        workspace,
        "person",
        [
            {"name": {"firstName": "Ada", "lastName": "Lovelace"}, "companyId": companies[0]["id"], "city": "London"},
            {"name": {"firstName": "Charles", "lastName": "Babbage"}, "companyId": companies[1]["id"]},
            {"name": {"firstName": "Ada", "lastName": "Byron"}, "emails": {"primaryEmail": "ada@example.com"}},
            {"name": {"firstName": "Mary", "lastName": "Somerville"}, "jobTitle": "Mathematician"},
        ],
        actor,
    )
    create_record(
        workspace,
        "opportunity",
        {"name": "Engine", "companyId": companies[0]["id"], "pointOfContactId": people[0]["id"]},
        actor,
    )
    return people


def product_get(token: str, path: str) -> tuple[int, object]:
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(path)
    return response.status_code, response.json()


def floor_get(client: WsgiClient, token: str, path: str) -> tuple[int, object]:
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, orjson.loads(response.data)


@pytest.mark.parametrize("limit", [2, 60])
def test_floor_lists_people_with_their_relations_like_the_product(floor_client, api_token, people, limit):
    path = "/rest/people?" + LIST_QUERY.format(limit=limit)
    status, expected = product_get(api_token, path)
    assert status == 200
    assert floor_get(floor_client, api_token, path) == (200, expected)


def test_floor_filters_people_like_the_product(floor_client, api_token, people):
    path = "/rest/people?" + FILTERED_QUERY.format(limit=1)
    status, expected = product_get(api_token, path)
    assert status == 200 and expected["totalCount"] == 2
    assert floor_get(floor_client, api_token, path) == (200, expected)


@pytest.mark.parametrize("query", ["", "?depth=1"])
def test_floor_gets_one_person_like_the_product(floor_client, api_token, people, query):
    path = f"/rest/people/{people[0]['id']}{query}"
    status, expected = product_get(api_token, path)
    assert status == 200
    assert floor_get(floor_client, api_token, path) == (200, expected)


def test_floor_answers_the_benchmark_graphql_query_like_the_product(floor_client, api_token, people):
    body = orjson.dumps({"query": GRAPHQL_QUERY, "variables": {"first": 3}})
    response = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}").post("/graphql", body, content_type="application/json")
    assert response.status_code == 200
    expected = response.json()
    assert "errors" not in expected
    floor_response = floor_client.post(
        "/graphql", data=body, headers={"Authorization": f"Bearer {api_token}", "Content-Type": "application/json"}
    )
    assert (floor_response.status_code, orjson.loads(floor_response.data)) == (200, expected)


def test_floor_refuses_a_wrong_key_as_the_product_does(floor_client, api_token, people):
    status, _ = floor_get(floor_client, "crm_not-a-real-key", "/rest/people")
    assert status == 401
    assert product_get("crm_not-a-real-key", "/rest/people")[0] == 401


def test_floor_does_not_see_other_workspaces(floor_client, other_token, people):
    status, body = floor_get(floor_client, other_token, "/rest/people?" + LIST_QUERY.format(limit=60))
    assert status == 200
    assert body["data"]["people"] == [] and body["totalCount"] == 0


@pytest.mark.parametrize(
    ("request_to_product", "floor_order"),
    [
        (Request("GET", "/rest/people?" + LIST_QUERY.format(limit=2)), ORDER),
        (Request("POST", "/graphql", orjson.dumps({"query": GRAPHQL_QUERY, "variables": {"first": 2}})), ""),
    ],
    ids=["rest", "graphql"],
)
def test_floor_pages_people_with_the_products_columns_and_order(api_token, people, request_to_product, floor_order):
    status, statements = product_statements(api_token, request_to_product)
    assert status == 200
    assert floor_difference(statements, floor_order) is None
