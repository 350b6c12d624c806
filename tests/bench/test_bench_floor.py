"""The benchmark's floor app (bench/floor.py) answers the benchmark's requests with
the same JSON as the product, so comparing their throughput is fair, and counts each
request against the key's rate limit as the product does.

The floor speaks PostgreSQL only, and reads rows over a connection of its own, so
these tests need PostgreSQL and committed data (transactional_db).
"""

from __future__ import annotations

from urllib.parse import quote

import orjson
import pytest
import redis
from django.db import connection
from django.test import Client
from werkzeug.test import Client as WsgiClient

from bench import documents, floor
from bench.documents import FILTERED_QUERY, LIST_QUERY
from crm.services.records import create_record, create_records

# The benchmark's own Redis database (bench/params.py), which only the benchmark uses.
BENCH_REDIS = "redis://127.0.0.1:6379/14"

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
    floor._local.__dict__.clear()


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


def test_floor_lists_people_without_relations_at_depth_0(floor_client, api_token, people):
    path = "/rest/people?" + LIST_QUERY.format(limit=3).replace("depth=1", "depth=0")
    status, expected = product_get(api_token, path)
    assert status == 200 and "company" not in expected["data"]["people"][0]
    assert floor_get(floor_client, api_token, path) == (200, expected)


def test_floor_gets_one_person_like_the_product(floor_client, api_token, people):
    path = f"/rest/people/{people[0]['id']}"
    status, expected = product_get(api_token, path)
    assert status == 200
    assert floor_get(floor_client, api_token, path) == (200, expected)


def graphql_answers(floor_client: WsgiClient, token: str, query: str, variables: dict) -> tuple[object, object]:
    body = orjson.dumps({"query": query, "variables": variables})
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post("/graphql", body, content_type="application/json")
    assert response.status_code == 200
    floor_response = floor_client.post(
        "/graphql", data=body, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    )
    assert floor_response.status_code == 200
    return response.json(), orjson.loads(floor_response.data)


@pytest.mark.parametrize("query", [documents.GRAPHQL_LIST, documents.GRAPHQL_LIST_NO_COUNT], ids=["count", "no_count"])
@pytest.mark.parametrize("first", [3, 60])
def test_floor_answers_the_benchmark_graphql_page_like_the_product(floor_client, api_token, people, query, first):
    product, floor_answer = graphql_answers(floor_client, api_token, query, {"first": first})
    assert "errors" not in product
    assert floor_answer == product


def test_floor_answers_the_benchmark_graphql_person_like_the_product(floor_client, api_token, people):
    product, floor_answer = graphql_answers(floor_client, api_token, documents.GRAPHQL_GET, {"id": people[1]["id"]})
    assert product["data"]["person"]["id"] == people[1]["id"]
    assert floor_answer == product


def test_floor_refuses_a_wrong_key_as_the_product_does(floor_client, api_token, people):
    status, _ = floor_get(floor_client, "crm_not-a-real-key", "/rest/people")
    assert status == 401
    assert product_get("crm_not-a-real-key", "/rest/people")[0] == 401


def test_floor_does_not_see_other_workspaces(floor_client, other_token, people):
    status, body = floor_get(floor_client, other_token, "/rest/people?" + LIST_QUERY.format(limit=60))
    assert status == 200
    assert body["data"]["people"] == [] and body["totalCount"] == 0


def forget_floor_counts() -> redis.Redis:
    client = redis.Redis.from_url(BENCH_REDIS)
    for key in client.scan_iter("floor-rate:*"):
        client.delete(key)
    return client


def test_floor_counts_every_request_against_the_key_in_redis(floor_client, api_token, people, monkeypatch):
    client = forget_floor_counts()
    monkeypatch.setenv("REDIS_URL", BENCH_REDIS)
    for _ in range(3):
        assert floor_get(floor_client, api_token, f"/rest/people/{people[0]['id']}")[0] == 200
    [key] = client.keys("floor-rate:*")
    assert int(client.get(key)) == 3 and client.ttl(key) > 0


def test_floor_refuses_requests_over_the_rate_limit(floor_client, api_token, people, monkeypatch):
    forget_floor_counts()
    monkeypatch.setenv("REDIS_URL", BENCH_REDIS)
    monkeypatch.setenv("API_RATE_LIMIT_PER_MINUTE", "1")
    path = f"/rest/people/{people[0]['id']}"
    assert floor_get(floor_client, api_token, path)[0] == 200
    assert floor_get(floor_client, api_token, path)[0] == 429
