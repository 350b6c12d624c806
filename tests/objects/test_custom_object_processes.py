"""A custom object created in one process is served at once by every other web process:
each caches compiled schemas by (workspace, metadata version) and reads the version from
the workspace row with every request, so no restart and no cache message is needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from web_server import WebServer, running_web_server

from crm.graphql import core_schema
from crm.metadata import schema as compiled_schema
from crm.services.api_keys import create_api_key
from crm.services.objects import create_object, update_object
from crm.services.records import create_record

PROJECT = {"nameSingular": "project", "namePlural": "projects", "labelSingular": "Project", "labelPlural": "Projects"}


def graphql(server: WebServer, token: str, query: str) -> tuple[int, dict]:
    status, body = server.request(
        "POST",
        "/graphql",
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        json.dumps({"query": query}).encode(),
    )
    return status, json.loads(body)


@pytest.mark.slow
def test_every_web_process_serves_a_new_object_without_restart(transactional_db, workspace, actor, tmp_path: Path):
    token = create_api_key(workspace, "Tests")[1]
    auth = {"Authorization": f"Bearer {token}"}
    with running_web_server(tmp_path) as server:
        # Warm every worker's caches with the schema that has no projects.
        for _ in range(4 * server.workers):
            assert server.request("GET", "/rest/projects", auth)[0] == 404
            status, body = graphql(server, token, "{ projects { totalCount } }")
            assert status == 400 and "Cannot query field 'projects'" in body["errors"][0]["message"]
            assert server.request("GET", "/rest/open-api/core", auth)[0] == 200

        create_object(workspace, PROJECT)  # in this process, as another web process would
        create_record(workspace, "project", {"name": "Apollo"}, actor)

        for _ in range(4 * server.workers):
            status, body = server.request("GET", "/rest/projects", auth)
            assert status == 200, body
            assert [p["name"] for p in json.loads(body)["data"]["projects"]] == ["Apollo"]
            assert graphql(server, token, "{ projects { totalCount } }") == (
                200,
                {"data": {"projects": {"totalCount": 1}}},
            )
            document = json.loads(server.request("GET", "/rest/open-api/core", auth)[1])
            assert "/projects" in document["paths"]

        update_object(workspace, "project", {"isActive": False})
        for _ in range(4 * server.workers):
            assert server.request("GET", "/rest/projects", auth)[0] == 404


def test_a_process_with_an_older_schema_compiles_the_new_one_on_its_next_request(client, workspace, api_token):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token}"}
    assert client.get("/rest/projects", **auth).status_code == 404
    stale = dict(compiled_schema._cache), dict(core_schema._cache)

    create_object(workspace, PROJECT)
    # Another process's caches: what this one held before the change.
    compiled_schema._cache.clear()
    compiled_schema._cache.update(stale[0])
    core_schema._cache.clear()
    core_schema._cache.update(stale[1])

    assert client.get("/rest/projects", **auth).status_code == 200
    body = client.post("/graphql", {"query": "{ projects { totalCount } }"}, content_type="application/json", **auth)
    assert body.json() == {"data": {"projects": {"totalCount": 0}}}
