"""Each web process keeps the API keys it has seen (crm.services.api_key_cache) while the
keys' version in Redis stays the same: a kept key costs no database round trip, and any
change made through the app holds from the very next request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crm import redis_threads
from crm.models import ApiKey
from crm.services.api_key_cache import keys_changed
from crm.services.api_keys import rename_api_key, revoke_api_key
from crm.services.fields import create_custom_field
from tests.graphql_client import gql


@pytest.fixture
def redis_cache():
    if redis_threads.cache_client() is None:
        pytest.skip("keys are kept only where the cache is Redis (set REDIS_URL)")


def key_lookups(client: Client, path: str = "/rest/people") -> tuple[int, list[str]]:
    """The request's status and its reads of keys or workspaces."""
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path).status_code
    tables = ('"crm_apikey"', '"crm_workspace"')
    return status, [q["sql"] for q in queries.captured_queries if any(table in q["sql"] for table in tables)]


def test_a_kept_key_and_its_workspace_are_not_looked_up_again(redis_cache, workspace, api_token):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")
    assert key_lookups(client)[0] == 200

    status, lookups = key_lookups(client)

    assert status == 200 and lookups == []


def test_without_redis_every_request_looks_its_key_up(workspace, api_token):
    if redis_threads.cache_client() is not None:
        pytest.skip("the embedded setup's behaviour (no REDIS_URL)")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")
    key_lookups(client)

    status, lookups = key_lookups(client)

    assert status == 200 and len(lookups) == 1


def test_a_revoked_key_is_refused_on_the_very_next_request(redis_cache, workspace, api_token):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")
    assert client.get("/rest/people").status_code == 200

    revoke_api_key(ApiKey.objects.get(workspace=workspace))

    response = client.get("/rest/people")
    assert response.status_code == 401 and "revoked" in response.json()["messages"][-1]


def test_a_renamed_key_writes_under_its_new_name_at_once(redis_cache, workspace, api_token):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")
    assert client.get("/rest/people").status_code == 200

    rename_api_key(ApiKey.objects.get(workspace=workspace), "Zapier")
    created = client.post("/rest/people", {"name": {"firstName": "Ada"}}, content_type="application/json")

    assert created.json()["data"]["createPerson"]["createdBy"]["name"] == "Zapier"


def test_a_new_custom_field_is_in_the_api_at_once(redis_cache, workspace, api_token, client):
    assert gql(client, api_token, "{ people { totalCount } }").status_code == 200

    create_custom_field(workspace, {"objectName": "person", "name": "shoeSize", "label": "Shoe size", "type": "NUMBER"})

    answer = gql(client, api_token, "{ people { edges { node { shoeSize } } } }").json()
    assert "errors" not in answer, answer


def test_a_change_made_in_sql_holds_once_announced(redis_cache, workspace, api_token):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")
    assert client.get("/rest/people").status_code == 200

    ApiKey.objects.filter(workspace=workspace).update(read_only=True)
    keys_changed()

    refused = client.post("/rest/people", {"name": {"firstName": "Ada"}}, content_type="application/json")
    assert refused.status_code == 403
