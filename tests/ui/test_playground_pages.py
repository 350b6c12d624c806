"""The API playground's server side: the launcher on /settings/apis and the framed pages.

The browser behaviour (dialog, keys, GraphiQL, Scalar) is covered in
tests/browser/test_playground.py; these check what the server sends.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from crm.models import User
from settings_ui.templatetags.ui import icon_paths
from settings_ui.views.playground import CORE_EXAMPLES, SCHEMAS

VENDOR_FILES = ("vendor/react/", "vendor/graphiql/", "vendor/scalar/")


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def frame_config(html: str) -> dict:
    found = re.search(r'<script id="playground-config" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the frame carries its configuration as json_script"
    return json.loads(found.group(1))


def test_the_apis_page_has_the_launcher_but_loads_no_playground_library(admin_client: Client) -> None:
    html = admin_client.get("/settings/apis").content.decode()

    assert 'id="playground-card"' in html
    key_input = re.search(r"<input[^>]*data-playground-key[^>]*>", html).group(0)
    assert 'type="password"' in key_input
    assert "name=" not in key_input, "the key must never be part of a form submission"
    assert re.search(r'data-playground-launch="graphql"[^>]*>.*?GraphQL', html, re.S)
    rest_button = re.search(r'<button[^>]*data-playground-launch="rest"[^>]*>(.*?)</button>', html, re.S).group(1)
    assert "REST" in rest_button and icon_paths("api") in rest_button
    assert 'name="schema" value="core" checked' in html and 'name="schema" value="metadata"' in html
    assert "js/playground/launcher.js" in html
    assert not any(vendor in html for vendor in VENDOR_FILES), "libraries load only when a playground opens"


@pytest.mark.parametrize("schema", ["core", "metadata"])
def test_the_graphql_frame_runs_graphiql_against_the_chosen_schema(admin_client: Client, schema: str) -> None:
    response = admin_client.get(f"/settings/apis/playground/graphql?schema={schema}")

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    html = response.content.decode()
    for script in ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "plugin-explorer"):
        assert script in html
    assert "scalar" not in html
    config = frame_config(html)
    assert config["endpoint"] == {"core": "/graphql", "metadata": "/metadata"}[schema]
    assert config["schema"] == schema
    assert config["starterQuery"] == SCHEMAS[schema].starter_query


@pytest.mark.parametrize("schema", ["core", "metadata"])
def test_the_rest_frame_points_scalar_at_the_workspace_openapi_document(admin_client: Client, schema: str) -> None:
    response = admin_client.get(f"/settings/apis/playground/rest?schema={schema}")

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    html = response.content.decode()
    assert "vendor/scalar/standalone.js" in html
    assert "graphiql" not in html
    assert frame_config(html)["documentUrl"] == f"/rest/open-api/{schema}"


def test_an_unknown_schema_is_not_found(admin_client: Client) -> None:
    assert admin_client.get("/settings/apis/playground/graphql?schema=secret").status_code == 404
    assert admin_client.get("/settings/apis/playground/rest?schema=secret").status_code == 404


def test_the_frames_are_for_workspace_admins_only(member_user: User) -> None:
    anonymous = Client()
    for api in ("graphql", "rest"):
        response = anonymous.get(f"/settings/apis/playground/{api}")
        assert response.status_code == 302 and "/login/" in response["Location"]

    member = Client()
    member.force_login(member_user)
    for api in ("graphql", "rest"):
        assert member.get(f"/settings/apis/playground/{api}").status_code == 403


@pytest.mark.parametrize(("title", "query"), CORE_EXAMPLES)
def test_the_examples_under_the_core_starter_query_run(api_token: str, title: str, query: str) -> None:
    assert f"#   {query}" in SCHEMAS["core"].starter_query
    response = Client().post(
        "/graphql", {"query": query}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api_token}"
    )
    assert response.status_code == 200 and "errors" not in response.json(), (title, response.json())


@pytest.mark.parametrize(("schema", "path"), [("core", "/graphql"), ("metadata", "/metadata")])
def test_the_starter_queries_run_on_their_schemas(api_token: str, schema: str, path: str) -> None:
    response = Client().post(
        path,
        {"query": SCHEMAS[schema].starter_query},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_token}",
    )

    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body
    if schema == "core":
        assert body["data"]["people"]["totalCount"] == 0
    else:
        names = {edge["node"]["nameSingular"] for edge in body["data"]["objects"]["edges"]}
        assert {"person", "company", "opportunity", "note", "task"} <= names


def test_the_playground_static_files_are_served_by_the_app(admin_client: Client) -> None:
    for path in (
        "/static/css/playground.css",
        "/static/js/playground/launcher.js",
        "/static/js/playground/graphql.js",
        "/static/js/playground/rest.js",
    ):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        if hasattr(response, "close"):
            response.close()
