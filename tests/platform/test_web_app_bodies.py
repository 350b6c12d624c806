"""The web process hands granian each finished answer's body whole, and leaves streamed
answers to be streamed (config/web_app.py, ``with_whole_bodies``). That the running
server answers records and files whole: test_web_server_answers.py."""

from __future__ import annotations

from django.core.signals import request_finished
from django.http import HttpResponse, StreamingHttpResponse

from config.web_app import with_whole_bodies


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
