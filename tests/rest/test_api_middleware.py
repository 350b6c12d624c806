"""API requests pass by the session, login, messages and CSRF machinery; pages keep it."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import path

from crm.page_middleware import is_api_request


def probe(request: HttpRequest) -> HttpResponse:
    """A view under an API path that, unlike every real API view, is not csrf_exempt."""
    return HttpResponse("written")


urlpatterns = [path("rest/probe", probe)]


def test_an_api_response_sets_no_cookie_and_does_not_vary_on_cookies(client, admin_user, api_token):
    client.force_login(admin_user)

    response = client.get("/rest/people", HTTP_AUTHORIZATION=f"Bearer {api_token}")

    assert response.status_code == 200
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_api_responses_keep_the_security_headers(client, api_token):
    response = client.get("/rest/people", HTTP_AUTHORIZATION=f"Bearer {api_token}")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_pages_still_log_in_with_a_session(admin_user):
    client = Client()

    response = client.post("/login/", {"username": "admin@acme.example.com", "password": "correct-horse"})

    assert response.status_code == 302
    assert "sessionid" in response.cookies
    assert client.get("/settings/apis").status_code == 200


@pytest.mark.urls("tests.rest.test_api_middleware")
def test_a_view_on_an_api_path_that_is_not_csrf_exempt_is_still_refused(db):
    client = Client(enforce_csrf_checks=True)

    assert client.get("/rest/probe").status_code == 200
    assert client.post("/rest/probe").status_code == 403


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/rest", True),
        ("/rest/people/1", True),
        ("/graphql", True),
        ("/metadata", True),
        ("/restaurants", False),
        ("/metadata-report", False),
        ("/settings/apis", False),
        ("/", False),
    ],
)
def test_only_the_api_roots_count_as_api_paths(path, expected):
    assert is_api_request(RequestFactory().get(path)) is expected
