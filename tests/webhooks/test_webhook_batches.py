"""Sending an endpoint's backlog in batches, in this process, to a real receiver on
127.0.0.1: one claim and one record per batch, the per-endpoint limit, and what happens
to a batch cut short."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from receiver import Receiver, Reply

from crm.services.records import create_records
from webhooks.models import Attempt, Delivery, WebhookEndpoint
from webhooks.services import claims, delivering, slow_receivers
from webhooks.services.delivering import deliver_to_endpoints, send_batch, send_batches
from webhooks.services.endpoints import create_endpoint

pytestmark = pytest.mark.usefixtures("private_networks_allowed")


def people(workspace, actor, count: int) -> None:
    for start in range(0, count, 60):
        batch = [{"name": {"firstName": f"P{i}"}} for i in range(start, min(count, start + 60))]
        create_records(workspace, "person", batch, actor)


def statements(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def test_a_backlog_is_sent_in_batches_with_a_few_statements_per_batch(workspace, actor, receiver, settings):
    settings.WEBHOOK_DRAIN_SECONDS = 60
    endpoint = create_endpoint(workspace, target_url=receiver.url)
    people(workspace, actor, 120)

    with CaptureQueriesContext(connection) as queries:
        assert deliver_to_endpoints([endpoint.id]) == 120

    assert len(receiver.received()) == 120
    assert set(Delivery.objects.values_list("status", flat=True)) == {"succeeded"}
    assert Attempt.objects.filter(succeeded=True, finished_at__isnull=False).count() == 120
    # Three batches of at most 50 and one empty look: no statement per delivery.
    assert len(statements(queries)) <= 40, statements(queries)
    # Sent oldest first, each delivery once, under its own webhook-id.
    ids = [r.header("webhook-id") for r in receiver.received()]
    assert len(set(ids)) == 120
    created = {str(i): t for i, t in Delivery.objects.values_list("id", "created_at")}
    assert [created[i] for i in ids] == sorted(created[i] for i in ids)


def test_every_attempt_of_a_batch_logs_its_own_answer(workspace, actor, receiver, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [timedelta(seconds=60)]
    endpoint = create_endpoint(workspace, target_url=receiver.url)
    receiver.respond = lambda request: Reply(201 if len(receiver.requests) % 2 else 500, body=b"n")
    people(workspace, actor, 4)

    result = send_batch(endpoint.id)

    assert result.claimed == 4 and result.sent == 4
    by_status = sorted(Delivery.objects.values_list("status", "last_status_code", "attempt_count"))
    assert by_status == [("pending", 500, 1), ("pending", 500, 1), ("succeeded", 201, 1), ("succeeded", 201, 1)]
    assert Delivery.objects.filter(status="pending", next_attempt_at__gt=timezone.now()).count() == 2
    assert not Delivery.objects.filter(claim_token__isnull=False).exists()
    assert sorted(Attempt.objects.values_list("status_code", flat=True)) == [201, 201, 500, 500]


def test_after_three_failures_in_a_row_the_rest_of_the_batch_goes_back_unsent(workspace, actor, receiver, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [timedelta(seconds=60)]
    endpoint = create_endpoint(workspace, target_url=receiver.url)
    receiver.respond = lambda request: Reply(503)
    people(workspace, actor, 6)

    result = send_batch(endpoint.id)

    assert result.stop == "failing" and result.claimed == 6 and result.sent == 3
    assert len(receiver.received()) == 3
    failed = Delivery.objects.filter(attempt_count=1)
    untouched = Delivery.objects.filter(attempt_count=0)
    assert failed.count() == 3 and untouched.count() == 3
    # Never posted: no attempt in the log, still due, free for the sweeper.
    assert not Attempt.objects.filter(delivery__in=untouched).exists()
    assert set(untouched.values_list("status", flat=True)) == {"pending"}
    assert not untouched.filter(Q(queued_until__isnull=False) | Q(sending_until__isnull=False)).exists()
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 3 and endpoint.first_failure_at is not None


def test_a_batch_stops_before_its_lease_could_run_out(workspace, actor, receiver, settings):
    settings.WEBHOOK_LEASE_SECONDS = 2.5
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    endpoint = create_endpoint(workspace, target_url=receiver.url)
    receiver.respond = lambda request: Reply(200, delay=0.3)
    people(workspace, actor, 8)

    result = send_batch(endpoint.id)

    sent = result.sent
    assert 1 <= sent < 8 and len(receiver.received()) == sent
    assert Delivery.objects.filter(status="succeeded").count() == sent
    assert Delivery.objects.filter(status="pending", attempt_count=0, claim_token__isnull=True).count() == 8 - sent
    assert Attempt.objects.count() == sent


def test_an_endpoint_at_its_limit_of_batches_in_flight_is_skipped(workspace, actor, receiver, settings):
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 1
    endpoint = create_endpoint(workspace, target_url=receiver.url)
    people(workspace, actor, 3)
    sending = Delivery.objects.first()
    Delivery.objects.filter(id=sending.id).update(
        status="delivering",
        queued_until=None,
        sending_until=timezone.now() + timedelta(seconds=60),
        claim_token=uuid.uuid4(),
    )

    assert send_batch(endpoint.id).claimed == 0
    assert receiver.received() == []
    assert deliver_to_endpoints([endpoint.id]) == 0

    settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 2
    assert send_batch(endpoint.id).claimed == 2
    assert len(receiver.received()) == 2


def test_work_left_at_the_drain_deadline_goes_back_to_the_queue_in_one_message(
    workspace, actor, receiver, webhook_broker
):
    first = create_endpoint(workspace, target_url=receiver.url)
    second = create_endpoint(workspace, target_url=receiver.url)
    people(workspace, actor, 2)
    before = webhook_broker.queued_messages()

    assert deliver_to_endpoints([first.id, second.id], drain_seconds=0) == 0

    assert webhook_broker.queued_messages() == before + 1


def test_a_410_in_a_batch_disables_the_endpoint_and_fails_the_rest(workspace, actor, receiver):
    endpoint = create_endpoint(workspace, target_url=receiver.url)
    receiver.respond = lambda request: Reply(200 if len(receiver.requests) == 1 else 410)
    people(workspace, actor, 5)

    deliver_to_endpoints([endpoint.id])

    endpoint.refresh_from_db()
    assert not endpoint.is_active and "410" in endpoint.disabled_reason
    assert len(receiver.received()) == 2
    assert sorted(Delivery.objects.values_list("status", flat=True)) == ["failed"] * 4 + ["succeeded"]
    assert Attempt.objects.count() == 2


def test_a_disabled_endpoint_gets_nothing_from_a_late_message(workspace, actor, receiver):
    endpoint = create_endpoint(workspace, target_url=receiver.url)
    people(workspace, actor, 2)
    WebhookEndpoint.objects.filter(id=endpoint.id).update(is_active=False, disabled_reason="Disabled by an admin.")

    assert deliver_to_endpoints([endpoint.id]) == 0

    assert receiver.received() == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"failed"}
    assert "disabled" in Delivery.objects.first().last_error


def test_a_message_for_an_unknown_endpoint_does_nothing(workspace):
    assert deliver_to_endpoints([uuid.uuid4(), "not-a-uuid"]) == 0


def test_batches_are_capped(monkeypatch, workspace, actor, receiver):
    monkeypatch.setattr(claims, "BATCH_SIZE", 3)
    endpoint = create_endpoint(workspace, target_url=receiver.url)
    people(workspace, actor, 7)

    assert send_batch(endpoint.id).claimed == 3
    assert deliver_to_endpoints([endpoint.id]) == 4
    assert Delivery.objects.filter(status="succeeded").count() == 7


def test_a_claim_takes_at_most_a_batch_whatever_plan_postgresql_picks(monkeypatch, workspace, actor, receiver):
    if connection.vendor != "postgresql":
        pytest.skip("plans and prepared statements are PostgreSQL's")
    monkeypatch.setattr(claims, "BATCH_SIZE", 3)
    endpoint = create_endpoint(workspace, target_url=receiver.url)
    people(workspace, actor, 40)
    # The plan a prepared statement settles on after a few runs, from the first run.
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
    try:
        claimed = [send_batch(endpoint.id).claimed for _ in range(6)]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET plan_cache_mode")

    assert claimed == [3] * 6
    assert Delivery.objects.filter(status="succeeded").count() == 18


def test_a_nul_character_in_the_answer_is_logged_without_breaking_the_record(workspace, actor, receiver):
    endpoint = create_endpoint(workspace, target_url=receiver.url)
    receiver.respond = lambda request: Reply(200, {"X-Odd": "a\x00b"}, b"ok\x00done")
    people(workspace, actor, 1)

    assert deliver_to_endpoints([endpoint.id]) == 1

    attempt = Attempt.objects.get()
    assert attempt.succeeded and attempt.response_body == "ok\ufffddone"
    assert Delivery.objects.get().status == "succeeded"


def test_an_endpoint_already_failing_is_sent_a_few_at_a_time(workspace, actor, receiver):
    endpoint = create_endpoint(workspace, target_url=receiver.url)
    WebhookEndpoint.objects.filter(id=endpoint.id).update(consecutive_failures=4, first_failure_at=timezone.now())
    people(workspace, actor, 10)

    assert send_batch(endpoint.id).claimed == 3

    # It answered: the run of failures is over and the next batch is a full one.
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0
    assert send_batch(endpoint.id).claimed == 7


def test_one_round_to_many_endpoints_costs_the_statements_of_one(workspace, actor, receiver):
    """Each endpoint with a delivery or two due (the steady state of a busy workspace):
    one claim and one record for all of them, not one per endpoint."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite claims one endpoint at a time")
    endpoints = [create_endpoint(workspace, target_url=f"{receiver.url}?n={n}") for n in range(5)]
    # Healthy endpoints whose last success was just stamped (it is refreshed once a minute).
    WebhookEndpoint.objects.update(last_success_at=timezone.now())
    people(workspace, actor, 2)

    with CaptureQueriesContext(connection) as queries:
        results = send_batches([endpoint.id for endpoint in endpoints])

    assert [results[endpoint.id].claimed for endpoint in endpoints] == [2] * 5
    assert len(receiver.received()) == 10
    assert set(Delivery.objects.values_list("status", flat=True)) == {"succeeded"}
    # Lock, claim, open the attempts, commit; then one record.
    assert len(statements(queries)) <= 6, statements(queries)


def test_a_slow_receiver_does_not_hold_up_deliveries_claimed_with_it(monkeypatch, workspace, actor, receiver):
    monkeypatch.setattr(slow_receivers, "SLOW_ANSWER_SECONDS", 0.2)
    monkeypatch.setattr(slow_receivers, "_slow_until", {})
    slow_receiver = Receiver(lambda request: Reply(200, delay=0.3)).start()
    try:
        slow = create_endpoint(workspace, target_url=slow_receiver.url)
        quick = create_endpoint(workspace, target_url=receiver.url)
        people(workspace, actor, 3)

        results = send_batches([slow.id, quick.id])

        # The slow one was sent one and gave the rest back; the quick one was sent all three.
        assert (results[slow.id].claimed, results[slow.id].sent) == (3, 1)
        assert len(slow_receiver.received()) == 1 and len(receiver.received()) == 3
        waiting = Delivery.objects.filter(endpoint=slow, status="pending", claim_token__isnull=True)
        assert sorted(waiting.values_list("attempt_count", flat=True)) == [0, 0]
        assert Attempt.objects.filter(delivery__endpoint=slow).count() == 1
        # From now on it is claimed on its own, after the others.
        assert delivering._claim_groups([slow.id, quick.id]) == [[quick.id], [slow.id]]

        assert deliver_to_endpoints([slow.id, quick.id]) == 2
        assert len(slow_receiver.received()) == 3
    finally:
        slow_receiver.stop()
    assert set(Delivery.objects.values_list("status", flat=True)) == {"succeeded"}


def test_a_receiver_is_claimed_what_it_answers_in_about_two_seconds(workspace, actor, receiver):
    endpoint = create_endpoint(workspace, target_url=receiver.url)
    people(workspace, actor, 30)
    for _ in range(20):
        slow_receivers.note_answer(endpoint.id, 100)  # 100 ms an answer, of late

    claim = claims.claim_one(endpoint.id, enforce_limit=True)

    assert len(claim.sendings) == 20
    assert slow_receivers.batch_size(uuid.uuid4(), 500) == 500  # one not heard from yet: all it may get
