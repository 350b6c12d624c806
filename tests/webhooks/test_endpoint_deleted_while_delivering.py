"""Deleting an endpoint while a worker logs one of its attempts (webhooks.services.endpoints)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from crm.services.actor import Actor
from crm.services.records import create_record
from webhooks.models import Attempt, Delivery, WebhookEndpoint
from webhooks.services.endpoints import create_endpoint, delete_endpoint

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="on SQLite a worker's write waits for the delete to end"
)


def _log_attempt_from_another_connection(delivery_id: uuid.UUID) -> None:
    """What a worker's record of a round writes for one delivery, committed on its own."""
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"],
        port=settings["PORT"] or None,
        password=settings["PASSWORD"] or None,
        autocommit=True,
    ) as worker:
        worker.execute(
            "INSERT INTO webhooks_attempt (id, delivery_id, number, started_at, succeeded, request_headers,"
            " response_headers, response_body, error) VALUES (%s, %s, 1, %s, true, '{}', '{}', '', '')",
            [uuid.uuid4(), delivery_id, timezone.now()],
        )


def _after_attempts_are_deleted(then: Callable[[], None]) -> Callable[..., Any]:
    """A query wrapper that runs ``then`` once, right after the delete's statement that
    removes the endpoint's attempts: the moment a worker's log would be missed."""
    done = []

    def wrapper(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not done and sql.startswith('DELETE FROM "webhooks_attempt"'):
            done.append(True)
            then()
        return result

    return wrapper


def test_an_attempt_logged_during_the_delete_is_deleted_with_the_endpoint(transactional_db, workspace):
    endpoint = create_endpoint(workspace, target_url="https://hooks.example.com/crm")
    create_record(workspace, "person", {"name": {"firstName": "Ada"}}, Actor(source="API", name="Tests"))
    delivery = Delivery.objects.get(endpoint=endpoint)

    with connection.execute_wrapper(
        _after_attempts_are_deleted(lambda: _log_attempt_from_another_connection(delivery.id))
    ):
        delete_endpoint(endpoint)

    assert not WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).exists()
    assert not Delivery.objects.exists() and not Attempt.objects.exists()
