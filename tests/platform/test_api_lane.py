"""The busiest API views are answered past Django's middleware chain (config/api_lane.py).
Each request here is sent to Django's own handler and to the web process's, and the two
answers must be the same: status, headers, body, and what Django logged about them.
Requests the lane must leave to the chain are in the table too, so are the settings that
change what the middleware does."""

from __future__ import annotations

import io
import logging
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings

from config.api_lane import LANE_VIEWS, MIRRORED_MIDDLEWARE, LaneWSGIHandler
from crm.models import Workspace
from crm.services.api_keys import create_api_key
from crm.services.records import create_record

PERSON_QUERY = "query One($id: UUID!) { person(filter: {id: {eq: $id}}) { id name { firstName } } }"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # {id} is the person's id
    in_lane: bool
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    key: str = "full"  # full, read_only or none
    settings: dict[str, Any] = field(default_factory=dict)


def json_request(method: str, path: str, body: Any, **kwargs: Any) -> Case:
    return Case(method, path, body=body, headers={"CONTENT_TYPE": "application/json"}, **kwargs)


def json_post(path: str, body: Any, **kwargs: Any) -> Case:
    return json_request("POST", path, body, **kwargs)


def graphql(query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> Case:
    return json_post("/graphql", {"query": query, "variables": variables or {}}, **kwargs)


CASES = {
    # Answered in the lane.
    "get one": Case("GET", "/rest/people/{id}", True),
    "get one, trailing slash": Case("GET", "/rest/people/{id}/", True),
    "get one, depth=0": Case("GET", "/rest/people/{id}?depth=0", True),
    "get one, id not a UUID": Case("GET", "/rest/people/not-an-id", True),
    "get one, no such record": Case("GET", f"/rest/people/{UNKNOWN_ID}", True),
    "get one, no such object": Case("GET", "/rest/unicorns/{id}", True),
    "get one, no key": Case("GET", "/rest/people/{id}", True, key="none"),
    "get one, unknown key": Case("GET", "/rest/people/{id}", True, headers={"HTTP_AUTHORIZATION": "Bearer crm_nope"}),
    "get one, rate limited": Case("GET", "/rest/people/{id}", True, settings={"API_RATE_LIMIT_PER_MINUTE": 0}),
    "head one": Case("HEAD", "/rest/people/{id}", True),
    "update one": json_request("PATCH", "/rest/people/{id}", {"jobTitle": "CTO"}, in_lane=True),
    "update one, read-only key": json_request(
        "PATCH", "/rest/people/{id}", {"jobTitle": "CTO"}, in_lane=True, key="read_only"
    ),
    "put one, not allowed": json_request("PUT", "/rest/people/{id}", {}, in_lane=True),
    "list": Case("GET", "/rest/people?limit=2", True),
    "list, bad filter": Case("GET", "/rest/people?filter=nope", True),
    "options of a list": Case("OPTIONS", "/rest/people", True),
    "create": json_post("/rest/people", {"name": {"firstName": "Grace"}, "jobTitle": "Admiral"}, in_lane=True),
    "create, invalid field": json_post("/rest/people", {"unknownField": 1}, in_lane=True),
    "create, not JSON": Case("POST", "/rest/people", True, body=b"{", headers={"CONTENT_TYPE": "application/json"}),
    "create, read-only key": json_post("/rest/people", {"jobTitle": "Admiral"}, in_lane=True, key="read_only"),
    "graphql query": graphql(PERSON_QUERY, {"id": "{id}"}, in_lane=True),
    "graphql query by GET": Case("GET", "/graphql?query=%7B%20people%20%7B%20totalCount%20%7D%20%7D", True),
    "graphql syntax error": graphql("{ people {", in_lane=True),
    "graphql no key": graphql("{ people { totalCount } }", in_lane=True, key="none"),
    "graphql mutation": graphql('mutation { createPerson(data: {jobTitle: "Pilot"}) { jobTitle } }', in_lane=True),
    "https with HSTS": Case(
        "GET",
        "/rest/people/{id}",
        True,
        headers={"HTTP_X_FORWARDED_PROTO": "https"},
        settings={"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"), "SECURE_HSTS_SECONDS": 3600},
    ),
    # Left to the chain.
    "another REST route": Case("GET", "/rest/metadata/objects", False),
    "a route on an object": Case("GET", "/rest/people/groupBy?group_by=%5B%7B%22city%22%3Atrue%7D%5D", False),
    "the metadata endpoint": json_post("/metadata", {"query": "{ objects { totalCount } }"}, in_lane=False),
    "a host not allowed": Case("GET", "/rest/people/{id}", False, headers={"HTTP_HOST": "evil.example"}),
    "a malformed Content-Length": Case(
        "POST", "/rest/people", False, body=b"{}", headers={"CONTENT_TYPE": "application/json", "CONTENT_LENGTH": "x"}
    ),
    "HTTPS redirect": Case("GET", "/rest/people/{id}", False, settings={"SECURE_SSL_REDIRECT": True}),
    "a page": Case("GET", "/settings/apis", False),
    "an unknown API path": Case("GET", "/rest/people/{id}/nothing", False),
}


@pytest.fixture
def person_id(workspace: Workspace, actor: Any) -> str:
    return str(create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)["id"])


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(CASES))
def test_the_lane_answers_as_the_chain_does(name: str, workspace: Workspace, person_id: str, caplog: Any) -> None:
    case = CASES[name]
    with override_settings(**case.settings):
        chain = answer(WSGIHandler(), case, workspace, person_id, caplog)
        lane_handler = LaneWSGIHandler()
        taken = record_lane_answers(lane_handler)
        lane = answer(lane_handler, case, workspace, person_id, caplog)

    assert taken == [case.in_lane]
    assert lane == chain


def test_the_lane_answers_each_of_its_views_from_the_leading_patterns() -> None:
    lane = LaneWSGIHandler().lane

    assert lane.on
    assert {pattern.callback for pattern in lane.patterns} == LANE_VIEWS


def test_every_lane_view_is_one_the_csrf_check_passes() -> None:
    # The lane does not ask CsrfViewMiddleware, the one view middleware: it passes these.
    assert all(getattr(view, "csrf_exempt", False) for view in LANE_VIEWS)


def test_the_lane_steps_aside_for_middleware_it_was_not_written_for(workspace: Workspace, person_id: str) -> None:
    gzipped = Case("GET", "/rest/people/{id}", False, headers={"HTTP_ACCEPT_ENCODING": "gzip"})
    with override_settings(MIDDLEWARE=["django.middleware.gzip.GZipMiddleware", *MIRRORED_MIDDLEWARE]):
        handler = LaneWSGIHandler()
        taken = record_lane_answers(handler)
        status, headers, _body, _logs = answer(handler, gzipped, workspace, person_id, logging_capture=None)

    assert not handler.lane.on
    assert taken == [False]
    assert status == "200 OK"
    assert ("Content-Encoding", "gzip") in headers  # the chain ran, with the middleware added


def test_an_error_in_a_view_is_answered_as_the_chain_answers_it(
    workspace: Workspace, person_id: str, caplog: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("broken on purpose")

    # Past the lean view's own guard: DRF's list view lets this through to Django's.
    monkeypatch.setattr("crm.rest.views.records.list_records", broken, raising=True)
    case = CASES["list"]
    chain = answer(WSGIHandler(), case, workspace, person_id, caplog)
    lane = answer(LaneWSGIHandler(), case, workspace, person_id, caplog)

    assert chain[0].startswith("500")
    assert lane == chain


def record_lane_answers(handler: LaneWSGIHandler) -> list[bool]:
    """Whether the lane answered each request the handler was sent."""
    taken: list[bool] = []
    respond = handler.lane.response

    def response(request: Any) -> Any:
        answer = respond(request)
        taken.append(answer is not None)
        return answer

    handler.lane.response = response  # type: ignore[method-assign]
    return taken


def answer(
    handler: Callable[..., Any], case: Case, workspace: Workspace, person_id: str, logging_capture: Any
) -> tuple[str, list[tuple[str, str]], bytes, list[tuple[str, str]]]:
    """Status, headers and body of the handler's answer, with ids and times made alike,
    and what the ``django.request`` logger said meanwhile."""
    if logging_capture is not None:
        logging_capture.clear()
        logging_capture.set_level(logging.INFO, logger="django.request")
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        started.update(status=status, headers=headers)

    request = environ(case, workspace, person_id)
    with database_kept_open():
        response = handler(request, start_response)
        try:
            body = b"".join(response)
        finally:
            response.close()
    logs = (
        [
            (record.levelname, record.getMessage())
            for record in logging_capture.records
            if record.name == "django.request"
        ]
        if logging_capture is not None
        else []
    )
    headers = sorted(started["headers"])
    return started["status"], headers, alike(body, person_id), logs


@contextmanager
def database_kept_open() -> Iterator[None]:
    """Django's handler closes old database connections when a request starts and ends;
    here that would close the test's own, as Django's test client knows (and avoids too)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def environ(case: Case, workspace: Workspace, person_id: str) -> dict[str, Any]:
    """A WSGI environ as granian makes it. Each request has a key of its own, so that both
    handlers see the same rate-limit count."""
    path, _, query = case.path.replace("{id}", person_id).partition("?")
    body = case.body if isinstance(case.body, bytes) or case.body is None else orjson.dumps(case.body)
    if body is not None:
        body = body.replace(b"{id}", person_id.encode())
    result = {
        "REQUEST_METHOD": case.method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body or b""),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(body or b"")),
    }
    if case.key != "none":
        token = create_api_key(workspace, "Lane", read_only=case.key == "read_only")[1]
        result["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    result.update(case.headers)
    return result


UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z")


def alike(body: bytes, person_id: str) -> bytes:
    """The body with the ids and times of records created for the request made alike."""
    body = body.replace(person_id.encode(), b"<person>")
    return TIME.sub(b"<time>", UUID.sub(b"<id>", body))
