"""Who may call the REST API: keys, read-only keys, workspace isolation, rate limits."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import redis
from django.test import Client
from django.utils import timezone

from crm import redis_threads
from crm.models import ApiKey, FieldMetadata, Person
from crm.services import rate_limit
from crm.services.api_keys import create_api_key, revoke_api_key
from crm.services.fields import create_custom_field
from crm.services.records import create_record
from webhooks.models import Event

# Counting tests must not see a minute end halfway through (conftest.one_rate_limit_window).
pytestmark = pytest.mark.usefixtures("one_rate_limit_window")


@pytest.fixture
def person(workspace, actor) -> dict:
    return create_record(workspace, "person", {"city": "Oslo"}, actor)


@pytest.fixture
def custom_field(workspace) -> FieldMetadata:
    return create_custom_field(workspace, {"objectName": "person", "name": "tier", "label": "Tier", "type": "TEXT"})


def routes(record_id: str, field_id: str, object_id: str) -> list[tuple[str, str, object]]:
    """Every REST route with a plausible body."""
    return [
        ("get", "/rest/people", None),
        ("post", "/rest/people", {"city": "Rome"}),
        ("get", f"/rest/people/{record_id}", None),
        ("patch", f"/rest/people/{record_id}", {"city": "Rome"}),
        ("put", f"/rest/people/{record_id}", {"city": "Rome"}),
        ("delete", f"/rest/people/{record_id}", None),
        ("delete", f"/rest/people/{record_id}?soft_delete=false", None),
        ("post", "/rest/batch/people", [{"city": "Rome"}]),
        ("patch", f"/rest/restore/people/{record_id}", None),
        ("patch", f"/rest/people/{record_id}/restore", None),
        ("patch", "/rest/people?filter=city[eq]:Oslo", {"city": "Rome"}),
        ("put", "/rest/people?filter=city[eq]:Oslo", {"city": "Rome"}),
        ("delete", "/rest/people?filter=city[eq]:Oslo", None),
        ("delete", "/rest/people?filter=city[eq]:Oslo&soft_delete=false", None),
        ("patch", "/rest/people/restore?filter=city[eq]:Oslo", None),
        ("get", "/rest/metadata/objects", None),
        ("get", f"/rest/metadata/objects/{object_id}", None),
        ("get", "/rest/metadata/fields", None),
        ("post", "/rest/metadata/fields", {"objectName": "person", "name": "x", "label": "X", "type": "TEXT"}),
        ("get", f"/rest/metadata/fields/{field_id}", None),
        ("patch", f"/rest/metadata/fields/{field_id}", {"label": "Y"}),
        ("delete", f"/rest/metadata/fields/{field_id}", None),
        ("get", "/rest/metadata/picklists", None),
        ("get", "/rest/open-api/core", None),
        ("get", "/rest/open-api/metadata", None),
    ]


def call(client: Client, method: str, path: str, body: object):
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, body, content_type="application/json")


def snapshot() -> tuple:
    return (
        sorted((str(p.id), p.city, p.deleted_at) for p in Person.objects.all()),
        sorted((str(f.id), f.label) for f in FieldMetadata.objects.filter(is_custom=True)),
        Event.objects.count(),
    )


def all_routes(workspace, person, custom_field):
    object_id = str(custom_field.object_id)
    return routes(person["id"], str(custom_field.id), object_id)


@pytest.mark.parametrize(
    ("header", "twentys_words", "message"),
    [
        (None, "Missing authentication token", "Missing API key"),
        ("Bearer ", "Missing authentication token", "Missing API key"),
        ("Bearer crm_not-a-real-key", "Token invalid.", "Invalid API key"),
        ("Basic dXNlcjpwYXNz", "Token invalid.", "Malformed Authorization header"),
        ("Bearer something-else", "Token invalid.", "Invalid API key"),
    ],
)
def test_missing_or_bad_keys_get_401_on_every_route(workspace, person, custom_field, header, twentys_words, message):
    client = Client(HTTP_AUTHORIZATION=header) if header else Client()
    before = snapshot()
    for method, path, body in all_routes(workspace, person, custom_field):
        response = call(client, method, path, body)
        assert response.status_code == 401, (method, path, response.content)
        # Twenty's code and words first, then what to do about it.
        assert response.json() == {
            "statusCode": 401,
            "error": "UNAUTHENTICATED",
            "messages": [twentys_words, response.json()["messages"][1]],
        }
        assert message in response.json()["messages"][1], (method, path)
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert "X-RateLimit-Limit" not in response
    assert snapshot() == before


def test_expired_key_gets_401(workspace, person):
    key, token = create_api_key(workspace, "Old", lifetime_days=1)
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/rest/people")
    assert response.status_code == 401
    assert response.json()["messages"] == ["Token has expired.", "This API key has expired."]


def test_revoked_key_gets_401(workspace, person):
    key, token = create_api_key(workspace, "Gone")
    revoke_api_key(key)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").patch(
        f"/rest/people/{person['id']}", {"city": "Rome"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["messages"] == ["Token invalid.", "This API key has been revoked."]
    assert Person.objects.get(id=person["id"]).city == "Oslo"


def test_read_only_key_can_read_every_route(workspace, person, custom_field, read_only_token):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {read_only_token}")
    for method, path, body in all_routes(workspace, person, custom_field):
        if method == "get":
            assert call(client, method, path, body).status_code == 200, path


def test_read_only_key_gets_403_on_every_write_and_nothing_changes(workspace, person, custom_field, read_only_token):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {read_only_token}")
    before = snapshot()
    for method, path, body in all_routes(workspace, person, custom_field):
        if method == "get":
            continue
        response = call(client, method, path, body)
        assert response.status_code == 403, (method, path, response.content)
        assert response.json()["error"] == "ForbiddenException"
        assert "read-only" in response.json()["messages"][0]
    assert snapshot() == before


def test_another_workspaces_ids_are_not_found_on_every_route(workspace, person, custom_field, other_token):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {other_token}")
    before = snapshot()
    for method, path, body in all_routes(workspace, person, custom_field):
        if person["id"] not in path and str(custom_field.id) not in path and str(custom_field.object_id) not in path:
            continue
        response = call(client, method, path, body)
        if method in ("patch", "put") and path.startswith("/rest/metadata/fields/"):
            # Twenty refuses a change to a field it does not have as a bad request: the
            # same answer as for a field that exists nowhere.
            assert response.status_code == 400, (method, path, response.content)
            assert response.json()["messages"] == [f"No field with id '{custom_field.id}'"]
            continue
        assert response.status_code == 404, (method, path, response.content)
        assert response.json()["error"] == "NotFoundException"
    assert snapshot() == before


def test_another_workspaces_records_never_appear_in_lists(workspace, person, other_token):
    body = Client(HTTP_AUTHORIZATION=f"Bearer {other_token}").get("/rest/people").json()
    assert body["data"]["people"] == [] and body["totalCount"] == 0


def test_another_workspaces_custom_fields_are_not_visible(workspace, custom_field, other_token):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {other_token}")
    response = client.get("/rest/people?filter=tier[eq]:x")
    assert response.status_code == 400
    fields = client.get("/rest/metadata/fields").json()["data"]["fields"]
    assert "tier" not in [f["name"] for f in fields]
    assert "tier" not in client.get("/rest/open-api/core").json()["components"]["schemas"]["Person"]["properties"]


def test_relations_cannot_point_into_another_workspace(workspace, other_workspace, actor, api_token):
    foreign = create_record(other_workspace, "company", {"name": "Elsewhere"}, actor)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}").post(
        "/rest/people", {"companyId": foreign["id"]}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "no company" in response.json()["messages"][0]


def test_a_session_login_does_not_authenticate_the_api(workspace, admin_user, client):
    client.force_login(admin_user)
    assert client.get("/rest/people").status_code == 401


# -- rate limiting -----------------------------------------------------------------


def test_every_authenticated_response_carries_rate_limit_headers(workspace, api_token, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 50
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")
    first = client.get("/rest/people")
    second = client.get("/rest/unicorns")
    assert first["X-RateLimit-Limit"] == "50"
    assert int(first["X-RateLimit-Remaining"]) == int(second["X-RateLimit-Remaining"]) + 1
    assert second.status_code == 404


def test_requests_over_the_limit_get_429_with_retry_after(workspace, api_token, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")
    remaining = [client.get("/rest/people")["X-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    refused = client.post("/rest/people", {"city": "Rome"}, content_type="application/json")
    assert refused.status_code == 429
    assert refused.json()["error"] == "TooManyRequestsException"
    assert "3 requests per minute" in refused.json()["messages"][0]
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["X-RateLimit-Remaining"] == "0"
    assert not Person.objects.exists()


def test_the_limit_is_per_key(workspace, api_token, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 1
    Client(HTTP_AUTHORIZATION=f"Bearer {api_token}").get("/rest/people")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {api_token}").get("/rest/people").status_code == 429
    _, other = create_api_key(workspace, "Second")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {other}").get("/rest/people").status_code == 200


def test_rest_and_graphql_share_a_keys_count(workspace, api_token, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")

    assert client.get("/rest/people")["X-RateLimit-Remaining"] == "1"
    graphql = client.post("/graphql", {"query": "{ people { totalCount } }"}, content_type="application/json")
    assert graphql["X-RateLimit-Remaining"] == "0"
    assert client.get("/rest/people").status_code == 429


def test_requests_with_unknown_tokens_leave_a_keys_count_alone(workspace, api_token, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 5
    good = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")
    bad = Client(HTTP_AUTHORIZATION=f"Bearer crm_{uuid.uuid4().hex}")

    seen = []
    for _ in range(3):
        assert bad.get("/rest/people").status_code == 401
        seen.append(good.get("/rest/people")["X-RateLimit-Remaining"])

    assert seen == ["4", "3", "2"]


def test_with_the_rate_limit_store_down_the_api_still_answers(workspace, api_token, monkeypatch, caplog):
    unreachable = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    monkeypatch.setattr(redis_threads, "_cache_client", unreachable)

    response = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}").get("/rest/people")

    assert response.status_code == 200
    assert "Rate limit not counted: Redis is unreachable" in caplog.text


def test_counting_goes_on_after_the_redis_connection_drops(settings):
    client = redis_threads.cache_client()
    if client is None:
        pytest.skip("the cache is not Redis (set REDIS_URL)")
    settings.API_RATE_LIMIT_PER_MINUTE = 10
    identity = uuid.uuid4().hex
    assert rate_limit.hit(identity).remaining == 9

    redis_threads.connection_for(client).disconnect()  # as a Redis restart would

    assert rate_limit.hit(identity).remaining == 8


def test_the_window_resets_after_a_minute(settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    key = uuid.uuid4()
    start = 1_000_000 * 60.0 + 30
    assert [rate_limit.hit(key, now=start + i).allowed for i in range(3)] == [True, True, False]
    refused = rate_limit.hit(key, now=start + 5)
    assert refused.reset_in == 25
    assert refused.headers()["Retry-After"] == "25"
    assert rate_limit.hit(key, now=start + 31).allowed


def test_the_count_lives_in_the_shared_cache(settings):
    """Another process sees the same count because it reads the same cache."""
    from django.core.cache import cache

    settings.API_RATE_LIMIT_PER_MINUTE = 10
    now = 2_000_000 * 60.0
    key = uuid.uuid4()
    rate_limit.hit(key, now=now)
    rate_limit.hit(key, now=now)
    assert cache.get(f"api-rate:{key}:{int(now // 60)}") == 2
