"""The web process hands granian each finished answer's body whole, and leaves streamed
answers to be streamed (config/web_app.py, ``with_whole_bodies``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.signals import request_finished
from django.http import HttpResponse, StreamingHttpResponse
from web_server import running_web_server

from config.settings import BASE_DIR
from config.web_app import with_whole_bodies
from crm.services.api_keys import create_api_key


def test_a_finished_answer_is_one_body_and_is_closed():
    finished = []
    request_finished.connect(lambda **kwargs: finished.append(kwargs), weak=False, dispatch_uid="whole-bodies-test")
    try:
        body = with_whole_bodies(lambda environ, start_response: HttpResponse(b'{"data": 1}'))({}, None)
    finally:
        request_finished.disconnect(dispatch_uid="whole-bodies-test")

    assert body == [b'{"data": 1}']
    assert len(finished) == 1  # Django's end of request ran: connections are released


def test_a_streamed_answer_is_left_to_stream():
    response = StreamingHttpResponse(iter([b"one,", b"two"]))

    body = with_whole_bodies(lambda environ, start_response: response)({}, None)

    assert body is response
    assert b"".join(body) == b"one,two"


@pytest.mark.slow
def test_the_running_server_answers_records_and_files_whole(transactional_db, workspace, tmp_path: Path):
    token = create_api_key(workspace, "Client")[1]
    stylesheet = next((BASE_DIR / "static" / "css").glob("*.css"))

    with running_web_server(tmp_path) as server:
        status, body = server.request("GET", "/rest/people", {"Authorization": f"Bearer {token}"})
        file_status, file_body = server.request("GET", f"/static/css/{stylesheet.name}")

    assert status == 200 and json.loads(body)["data"] == {"people": []}
    assert file_status == 200 and file_body == stylesheet.read_bytes()
