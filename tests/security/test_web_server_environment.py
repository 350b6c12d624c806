"""The web server's own environment never reaches requests as request data
(config/web_app.py): not as headers the client did not send, nor in ``request.META``."""

from __future__ import annotations

from pathlib import Path

import pytest
from web_server import running_web_server

from config.web_app import without_process_environment
from crm.services.api_keys import create_api_key


@pytest.mark.slow
def test_a_variable_named_like_a_header_is_no_header(transactional_db, workspace, tmp_path: Path):
    in_environment, sent = create_api_key(workspace, "Deploy")[1], create_api_key(workspace, "Client")[1]

    with running_web_server(tmp_path, {"HTTP_AUTHORIZATION": f"Bearer {in_environment}"}) as server:
        without_header = server.get("/rest/people")
        with_header = server.get("/rest/people", {"Authorization": f"Bearer {sent}"})

    assert (without_header, with_header) == (401, 200)


def test_requests_keep_what_the_server_and_client_set_and_lose_the_process_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://crm:secret@db/crm")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy:3128")
    monkeypatch.setenv("SERVER_NAME", "build-host")
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        return [b""]

    request = {
        "DATABASE_URL": "postgres://crm:secret@db/crm",  # as the server copied it in
        "HTTP_PROXY": "http://proxy:3128",
        "HTTP_ACCEPT": "application/json",
        "SERVER_NAME": "build-host",
        "PATH_INFO": "/rest/people",
    }
    without_process_environment(app)(dict(request), None)

    assert "DATABASE_URL" not in seen and "HTTP_PROXY" not in seen
    assert seen["HTTP_ACCEPT"] == "application/json" and seen["SERVER_NAME"] == "build-host"
