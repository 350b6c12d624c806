"""Reading one record and creating one are answered without DRF (crm/rest/lean.py): for
every request, the answer must be the one the DRF view gives, status, headers and body."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest
from django.test import RequestFactory

from crm.models import Person
from crm.rest.errors import MAX_BODY_BYTES
from crm.rest.views import records
from crm.services.records import create_record

# The route's own view (lean for these methods) against the DRF view of the same route.
PAIRS = {
    "GET": (records.record_route, records.RecordDetailView.as_view()),
    "POST": (records.records_route, records.RecordListView.as_view()),
}
# Counted once more by the second of the two requests.
DIFFERS_BY_ONE = {"X-RateLimit-Remaining"}
VALID = orjson.dumps({"name": {"firstName": "Ada", "lastName": "Lovelace"}})


def _answer(view: Any, request: Any, **kwargs: str) -> tuple[int, dict[str, str], Any]:
    response = view(request, **kwargs)
    if hasattr(response, "render"):
        response.render()  # DRF's answers are rendered by Django's handler
    headers = {name: value for name, value in response.items() if name not in DIFFERS_BY_ONE}
    return response.status_code, headers, orjson.loads(response.content)


def _both(method: str, path: str, *, token: str | None, body: bytes = b"", **meta: Any):
    factory = RequestFactory()
    if token is not None:
        meta.setdefault("HTTP_AUTHORIZATION", f"Bearer {token}")
    kwargs = {"plural": path.split("/")[2].split("?")[0]}
    if method == "GET":
        kwargs["record_id"] = path.split("/")[3].split("?")[0]
    answers = []
    for view in PAIRS[method]:
        if method == "GET":
            request = factory.get(path, **meta)
        else:
            request = factory.generic("POST", path, body, **meta)
        answers.append(_answer(view, request, **kwargs))
    return answers


@pytest.fixture
def person(workspace, actor) -> dict[str, Any]:
    return create_record(workspace, "person", {"name": {"firstName": "Grace", "lastName": "Hopper"}}, actor)


GETS = {
    "found": "/rest/people/{id}",
    "some fields": "/rest/people/{id}?fields=name,emails",
    "depth 1": "/rest/people/{id}?depth=1",
    "depth 2": "/rest/people/{id}?depth=2",
    "unknown field": "/rest/people/{id}?fields=wings",
    "not a uuid": "/rest/people/nope",
    "no such record": f"/rest/people/{uuid.uuid4()}",
    "unknown object": "/rest/unicorns/{id}",
}


@pytest.mark.parametrize("path", GETS.values(), ids=GETS.keys())
def test_reading_one_record_answers_as_the_drf_view(path, person, api_token):
    lean, drf = _both("GET", path.format(id=person["id"]), token=api_token)

    assert lean == drf


JSON = {"CONTENT_TYPE": "application/json"}
POSTS = {
    "malformed json": (b"{nope", JSON),
    "not json": (VALID, {"CONTENT_TYPE": "text/plain; charset=utf-8"}),
    "no content type": (VALID, {"CONTENT_TYPE": ""}),
    "too large": (VALID, {**JSON, "CONTENT_LENGTH": str(MAX_BODY_BYTES + 1)}),
    "json with a charset": (
        orjson.dumps({"name": {"firstName": "x"}, "emails": 3}),
        {"CONTENT_TYPE": "application/json; charset=utf-8"},
    ),
    "not an object": (b"[1, 2]", JSON),
    "unknown field": (orjson.dumps({"wings": 2}), JSON),
}


@pytest.mark.parametrize(("body", "meta"), POSTS.values(), ids=POSTS.keys())
def test_refused_creates_answer_as_the_drf_view(body, meta, api_token, workspace):
    lean, drf = _both("POST", "/rest/people", token=api_token, body=body, **meta)

    assert lean == drf and lean[0] >= 400
    assert not Person.objects.filter(workspace=workspace).exists()


REFUSED_KEYS = {
    "no key": {"token": None},
    "not bearer": {"token": None, "HTTP_AUTHORIZATION": "Basic abc"},
    "unknown key": {"token": "crm_" + "x" * 40},
}


@pytest.mark.parametrize("how", REFUSED_KEYS.values(), ids=REFUSED_KEYS.keys())
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_refused_keys_answer_as_the_drf_view(method, how, person):
    path = f"/rest/people/{person['id']}" if method == "GET" else "/rest/people"
    lean, drf = _both(method, path, body=VALID, CONTENT_TYPE="application/json", **how)

    assert lean == drf and lean[0] == 401


def test_a_read_only_key_is_refused_a_create_as_by_the_drf_view(read_only_token, workspace):
    lean, drf = _both("POST", "/rest/people", token=read_only_token, body=VALID, CONTENT_TYPE="application/json")

    assert lean == drf and lean[0] == 403
    assert not Person.objects.filter(workspace=workspace).exists()


def test_parameters_are_refused_before_the_create_as_by_the_drf_view(api_token, workspace):
    for query in ("?upsert=perhaps", "?depth=3", "?fields=wings"):
        lean, drf = _both("POST", f"/rest/people{query}", token=api_token, body=VALID, CONTENT_TYPE="application/json")
        assert lean == drf and lean[0] == 400, query
    assert not Person.objects.filter(workspace=workspace).exists()


def test_over_the_rate_limit_both_answer_429_with_the_same_headers(api_token, settings, one_rate_limit_window):
    settings.API_RATE_LIMIT_PER_MINUTE = 0

    lean, drf = _both("POST", "/rest/people", token=api_token, body=VALID, CONTENT_TYPE="application/json")

    assert lean == drf and lean[0] == 429 and "Retry-After" in lean[1]


def test_a_create_answers_as_the_drf_view(api_token, workspace):
    def without_identity(answer):
        status, headers, body = answer
        record = body["data"]["createPerson"]
        return status, headers, {k: v for k, v in record.items() if k not in ("id", "createdAt", "updatedAt")}

    lean, drf = _both("POST", "/rest/people?depth=1", token=api_token, body=VALID, CONTENT_TYPE="application/json")

    assert lean[0] == 201 and without_identity(lean) == without_identity(drf)
    assert lean[1]["Allow"] == "GET, POST, PUT, PATCH, DELETE, HEAD"
    assert Person.objects.filter(workspace=workspace, name_last_name="Lovelace").count() == 2
