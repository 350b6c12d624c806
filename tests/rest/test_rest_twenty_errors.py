"""Errors as Twenty's clients read them, on every record route: a malformed id is a 400
naming it, a missing record is a 404 "Record not found", and every error body is
``{statusCode, error, messages}``."""

from __future__ import annotations

import pytest
from rest_client import send

from crm.services.records import create_record, delete_record

MISSING_ID = "20202020-0000-4000-8000-000000000000"

# (method, path with {id}, body)
ROUTES_WITH_AN_ID = [
    ("get", "/rest/people/{id}", None),
    ("patch", "/rest/people/{id}", {"city": "Rome"}),
    ("put", "/rest/people/{id}", {"city": "Rome"}),
    ("delete", "/rest/people/{id}", None),
    ("delete", "/rest/people/{id}?soft_delete=false", None),
    ("patch", "/rest/people/{id}/restore", None),
    ("patch", "/rest/restore/people/{id}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES_WITH_AN_ID)
def test_a_malformed_id_is_a_bad_request_naming_it(api, workspace, method, path, body):
    response = send(api, method, path.format(id="malformed-uuid"), body)

    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "error": "BadRequestException",
        "messages": ["'malformed-uuid' is not a valid UUID"],
    }


@pytest.mark.parametrize(("method", "path", "body"), ROUTES_WITH_AN_ID)
def test_a_missing_record_is_not_found_in_twentys_words(api, workspace, method, path, body):
    response = send(api, method, path.format(id=MISSING_ID), body)

    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"statusCode", "error", "messages"}
    assert (body["statusCode"], body["error"]) == (404, "NotFoundException")
    assert body["messages"][0] == "Record not found"
    assert MISSING_ID in body["messages"][1]


def test_a_deleted_record_reads_as_not_found(api, workspace, actor):
    person = create_record(workspace, "person", {"city": "Oslo"}, actor)
    delete_record(workspace, "person", person["id"], actor)

    response = api.get(f"/rest/people/{person['id']}")

    assert response.status_code == 404
    assert response.json()["messages"][0] == "Record not found"
