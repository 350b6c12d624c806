"""A /rest path that no API route matches answers the API's JSON 404, with DEBUG on or
off, whatever the method; every real route still answers for itself."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

UNMATCHED = [
    "/rest",
    "/rest/",
    "/rest/people/6f1c2d3e-4b5a-4978-8a6b-5c4d3e2f1a0b/notes",
    "/rest/batch/people/extra",
    "/rest/metadata/objects/person/fields",
    "/rest/open-api/graphql",
    "/rest/webhooks/6f1c2d3e-4b5a-4978-8a6b-5c4d3e2f1a0b/unknown",
    "/rest/webhooks/6f1c2d3e-4b5a-4978-8a6b-5c4d3e2f1a0b/deliveries/x/y/z",
    "/rest/line%0Abreak/a/b",
]


@pytest.fixture
def api(api_token: str) -> Client:
    # As an API client does: no CSRF token, however it posts.
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token}", enforce_csrf_checks=True)


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("path", UNMATCHED)
def test_an_unmatched_rest_path_gets_the_json_404(api, settings, debug, path):
    settings.DEBUG = debug

    response = api.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["statusCode"] == 404 and body["error"] == "NotFoundException"
    assert body["messages"] == [f"No API route matches GET {response.wsgi_request.path}."]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def test_every_method_gets_the_json_404_with_debug_on(api, settings, method):
    settings.DEBUG = True

    response = api.generic(method, "/rest/people/a/b", b"{}", content_type="application/json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    if method != "HEAD":
        assert response.json()["messages"] == [f"No API route matches {method} /rest/people/a/b."]


def test_unmatched_paths_need_no_key(settings):
    settings.DEBUG = True

    response = Client().get("/rest/nothing/here/at/all")

    assert response.status_code == 404 and response.json()["statusCode"] == 404


def test_the_real_routes_still_answer_with_debug_on(api, settings, workspace):
    settings.DEBUG = True
    missing = uuid.uuid4()

    assert api.get("/rest/people").status_code == 200
    assert api.get("/rest/webhooks").status_code == 200
    assert api.get("/rest/metadata/objects").status_code == 200
    assert api.get("/rest/open-api/core").status_code == 200
    assert Client().get("/rest/webhooks").status_code == 401
    unknown_webhook = api.get(f"/rest/webhooks/{missing}/deliveries")
    assert unknown_webhook.status_code == 404
    assert unknown_webhook.json()["messages"] == [f"No webhook with id '{missing}'."]
    unknown_object = api.get("/rest/spaceships")
    assert unknown_object.status_code == 404
    assert "No API route" not in unknown_object.json()["messages"][0]


def test_paths_outside_the_api_keep_djangos_pages(settings, admin_user):
    settings.DEBUG = True
    client = Client()
    client.force_login(admin_user)

    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert client.get("/restaurants").status_code == 404
    assert client.get("/restaurants")["Content-Type"].startswith("text/html")
