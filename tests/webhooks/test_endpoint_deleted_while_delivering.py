"""Deleting an endpoint while a worker sends or logs one of its deliveries: the delete
goes through (webhooks.services.endpoints) and so does the worker's round
(webhooks.services.outcomes)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.db import connection, transaction
from django.utils import timezone
from receiver import Reply

from crm.services.actor import Actor
from crm.services.records import create_record
from webhooks.models import Attempt, Delivery, WebhookEndpoint
from webhooks.services.delivering import send_batches
from webhooks.services.endpoints import create_endpoint, delete_endpoint

ACTOR = Actor(source="API", name="Tests")

pytestmark = pytest.mark.usefixtures("private_networks_allowed")


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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="on SQLite a worker's write waits for the delete to end")
def test_an_attempt_logged_during_the_delete_is_deleted_with_the_endpoint(transactional_db, workspace):
    endpoint = create_endpoint(workspace, target_url="https://hooks.example.com/crm")
    create_record(workspace, "person", {"name": {"firstName": "Ada"}}, ACTOR)
    delivery = Delivery.objects.get(endpoint=endpoint)

    with connection.execute_wrapper(
        _after_attempts_are_deleted(lambda: _log_attempt_from_another_connection(delivery.id))
    ):
        delete_endpoint(endpoint)

    assert not WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).exists()
    assert not Delivery.objects.exists() and not Attempt.objects.exists()


def test_a_round_goes_on_when_an_endpoint_is_deleted_while_its_delivery_is_sent(transactional_db, workspace, receiver):
    leaving = create_endpoint(workspace, target_url=f"{receiver.url}?to=leaving")
    staying = create_endpoint(workspace, target_url=f"{receiver.url}?to=staying")
    create_record(workspace, "person", {"name": {"firstName": "Ada"}}, ACTOR)

    def answer(request):
        if "leaving" in request.path:
            # Someone deletes the webhook while its receiver is answering.
            delete_endpoint(WebhookEndpoint.objects.get(pk=leaving.pk))
            connection.close()  # the receiver thread's own
        return Reply(200)

    receiver.respond = answer

    send_batches([leaving.id, staying.id])

    assert len(receiver.received()) == 2
    assert not WebhookEndpoint.objects.filter(pk=leaving.pk).exists()
    (delivered,) = Delivery.objects.all()
    assert delivered.endpoint_id == staying.id and delivered.status == "succeeded"
    assert list(Attempt.objects.values_list("delivery_id", "succeeded")) == [(delivered.id, True)]


def _delete_in_a_transaction_held_open(endpoint_id: uuid.UUID, deleted: threading.Event) -> threading.Thread:
    """Another connection deletes the endpoint and keeps its transaction open a moment
    before committing: long enough for the worker's record of its round to run into it."""

    def delete() -> None:
        try:
            with transaction.atomic():
                WebhookEndpoint.objects.filter(pk=endpoint_id).delete()
                deleted.set()
                time.sleep(0.5)
        finally:
            connection.close()  # this thread's own

    thread = threading.Thread(target=delete)
    thread.start()
    return thread


def _when_the_round_is_recorded(then: Callable[[], None]) -> Callable[..., Any]:
    """A query wrapper that runs ``then`` once, right before the statement that logs a
    round's attempts and settles its deliveries."""
    done = []

    def wrapper(execute, sql, params, many, context):
        if not done and 'INSERT INTO "webhooks_attempt"' in sql:
            done.append(True)
            then()
        return execute(sql, params, many, context)

    return wrapper


@pytest.mark.skipif(connection.vendor != "postgresql", reason="on SQLite a worker's write waits for the delete to end")
def test_a_round_is_recorded_when_an_endpoint_is_deleted_in_the_middle_of_recording_it(
    transactional_db, workspace, receiver
):
    leaving = create_endpoint(workspace, target_url=f"{receiver.url}?to=leaving")
    staying = create_endpoint(workspace, target_url=f"{receiver.url}?to=staying")
    create_record(workspace, "person", {"name": {"firstName": "Ada"}}, ACTOR)
    deleted = threading.Event()
    threads: list[threading.Thread] = []

    def delete_while_recording() -> None:
        threads.append(_delete_in_a_transaction_held_open(leaving.id, deleted))
        assert deleted.wait(10)

    with connection.execute_wrapper(_when_the_round_is_recorded(delete_while_recording)):
        send_batches([leaving.id, staying.id])
    threads[0].join()

    assert len(receiver.received()) == 2
    assert not WebhookEndpoint.objects.filter(pk=leaving.pk).exists()
    (delivered,) = Delivery.objects.all()
    assert delivered.endpoint_id == staying.id and delivered.status == "succeeded"
    assert delivered.claim_token is None
    assert list(Attempt.objects.values_list("delivery_id", "succeeded")) == [(delivered.id, True)]
