"""Every page tells the browser to run only this server's scripts and to refuse framing.

The pages send a Content-Security-Policy that allows this origin only and no inline
script, plus nosniff, a same-origin referrer and frame protection. The playground frames
may be framed by the APIs page (same origin) and nothing else; the JSON APIs send no policy.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from crm.models import User, Workspace
from crm.services.actor import Actor
from crm.services.api_keys import create_api_key
from crm.services.records import create_record
from webhooks.services.endpoints import create_endpoint

# Who is logged in (None, the workspace "admin", or a "superuser" for Django's admin), and
# the path, whose {placeholders} name records made by the `ids` fixture.
PAGES = [
    pytest.param(None, "/login/", id="login"),
    # The app shell (templates/base.html) around a list of records.
    pytest.param("admin", "/objects/people/", id="app-shell-record-list"),
    pytest.param("admin", "/objects/people/{person}/", id="record-page"),
    pytest.param("admin", "/settings/apis", id="settings-apis"),
    pytest.param("admin", "/settings/apis/keys/new", id="settings-new-api-key"),
    pytest.param("admin", "/settings/apis/keys/{api_key}", id="settings-api-key"),
    pytest.param("admin", "/settings/webhooks", id="settings-webhooks"),
    pytest.param("admin", "/settings/webhooks/new", id="settings-new-webhook"),
    pytest.param("admin", "/settings/webhooks/{webhook}", id="settings-webhook"),
    pytest.param(None, "/docs/", id="docs-index"),
    pytest.param(None, "/docs/api-and-webhooks", id="docs-page"),
    pytest.param(None, "/admin/login/", id="admin-login"),
    pytest.param("superuser", "/admin/", id="admin-index"),
    pytest.param("superuser", "/admin/crm/workspace/", id="admin-list"),
    pytest.param("superuser", "/admin/crm/workspace/{workspace}/change/", id="admin-change"),
    pytest.param(None, "/no-such-page/", id="not-found"),
]
FRAMES = [
    pytest.param("/settings/apis/playground/graphql?schema=core", id="graphiql-core"),
    pytest.param("/settings/apis/playground/graphql?schema=metadata", id="graphiql-metadata"),
    pytest.param("/settings/apis/playground/rest?schema=core", id="rest-reference-core"),
    pytest.param("/settings/apis/playground/rest?schema=metadata", id="rest-reference-metadata"),
]
# What every page and frame allows, directive by directive, besides what differs below.
SHARED_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "font-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
}


@pytest.fixture
def ids(workspace: Workspace, actor: Actor) -> dict[str, str]:
    person = create_record(workspace, "person", {"name": {"firstName": "Grace", "lastName": "Hopper"}}, actor)
    api_key, _ = create_api_key(workspace, "Zapier")
    webhook = create_endpoint(workspace, target_url="https://hooks.example.com/a", operations=["*.*"])
    return {"person": person["id"], "api_key": api_key.id, "webhook": webhook.id, "workspace": workspace.id}


@pytest.fixture
def visitor(admin_user: User) -> Client:
    """visitor(who) -> a client logged in as that person, or anonymous for None."""
    superuser = User.objects.create_superuser("root@acme.example.com", "correct-horse")
    people = {"admin": admin_user, "superuser": superuser}

    def as_who(who: str | None) -> Client:
        client = Client()
        if who is not None:
            client.force_login(people[who])
        return client

    return as_who


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def frame_config(html: str) -> dict:
    found = re.search(r'<script id="playground-config" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def assert_usual_headers(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(("who", "path"), PAGES)
def test_every_page_runs_only_this_servers_scripts_and_refuses_framing(visitor, ids, who, path) -> None:
    response = visitor(who).get(path.format(**ids))

    assert response.status_code == (404 if path == "/no-such-page/" else 200)
    assert response["Content-Type"].startswith("text/html")
    sent = policy(response)
    assert sent == {**SHARED_POLICY, "style-src": ["'self'"], "frame-ancestors": ["'none'"]}
    assert response["X-Frame-Options"] == "DENY"
    assert_usual_headers(response)


@pytest.mark.parametrize("path", FRAMES)
def test_the_playground_frames_may_be_framed_by_the_apis_page_only(visitor, path) -> None:
    response = visitor("admin").get(path)

    assert response.status_code == 200
    sent = policy(response)
    assert sent["frame-ancestors"] == ["'self'"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert {name: sent[name] for name in SHARED_POLICY} == SHARED_POLICY, "no inline script, eval or other origin"
    assert_usual_headers(response)


def test_graphiql_styles_only_with_the_nonce_it_is_given(visitor) -> None:
    client = visitor("admin")

    first, second = (client.get("/settings/apis/playground/graphql") for _ in range(2))

    nonce = frame_config(first.content.decode())["styleNonce"]
    assert policy(first)["style-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert len(nonce) >= 22, "a nonce of at least 128 random bits"
    assert nonce != frame_config(second.content.decode())["styleNonce"], "a new nonce for every response"


def test_the_rest_reference_alone_may_use_inline_styles(visitor) -> None:
    response = visitor("admin").get("/settings/apis/playground/rest")

    assert policy(response)["style-src"] == ["'self'", "'unsafe-inline'"]


def test_a_diagram_of_the_docs_may_run_nothing(client: Client) -> None:
    response = client.get("/docs/webhook-flow.svg")

    assert policy(response) == {
        "default-src": ["'none'"],
        "style-src": ["'unsafe-inline'"],
        "frame-ancestors": ["'none'"],
    }
    assert_usual_headers(response)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/rest/people", None),
        ("post", "/graphql", {"query": "{ people { totalCount } }"}),
        ("post", "/metadata", {"query": "{ objects { totalCount } }"}),
    ],
)
def test_the_json_apis_send_no_policy(client: Client, api_token: str, method: str, path: str, body) -> None:
    response = getattr(client, method)(
        path, body, content_type="application/json", headers={"Authorization": f"Bearer {api_token}"}
    )

    assert response.status_code == 200
    assert "Content-Security-Policy" not in response
