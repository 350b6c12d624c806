"""The web server as `make run` and production start it (granian, config/web.py)
answers API requests and static files whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from web_server import running_web_server

from config.settings import BASE_DIR
from crm.services.api_keys import create_api_key


@pytest.mark.slow
def test_the_running_server_answers_records_and_files_whole(transactional_db, workspace, tmp_path: Path):
    token = create_api_key(workspace, "Client")[1]
    stylesheet = next((BASE_DIR / "static" / "css").glob("*.css"))

    with running_web_server(tmp_path) as server:
        status, body = server.request("GET", "/rest/people", {"Authorization": f"Bearer {token}"})
        file_status, file_body = server.request("GET", f"/static/css/{stylesheet.name}")

    assert status == 200 and json.loads(body)["data"] == {"people": []}
    assert file_status == 200 and file_body == stylesheet.read_bytes()
