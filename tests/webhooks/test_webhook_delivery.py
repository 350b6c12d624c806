"""Sending one delivery, in this process, to a real receiver on 127.0.0.1: the request,
its signatures, and what each kind of answer leads to."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import timedelta
from email.utils import format_datetime as http_date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from receiver import Reply
from standardwebhooks import Webhook

from crm.services.records import create_record, delete_record, destroy_record, update_record
from webhooks.models import Attempt, Delivery, WebhookEndpoint
from webhooks.services.delivering import attempt_delivery, deliver
from webhooks.services.endpoints import create_endpoint, rotate_secret
from webhooks.services.outcomes import parse_retry_after

pytestmark = pytest.mark.usefixtures("private_networks_allowed")

PERSON = {"name": {"firstName": "Ada", "lastName": "Lovelace"}, "emails": {"primaryEmail": "ada@example.com"}}


def subscribe(workspace, receiver, operations=("*.*",)) -> WebhookEndpoint:
    return create_endpoint(workspace, target_url=receiver.url, operations=list(operations))


def delivery_of(person: dict, action: str = "created") -> Delivery:
    return Delivery.objects.get(event__record_id=person["id"], event__action=action)


def test_delivery_is_a_signed_post_that_standard_webhooks_verifies(workspace, actor, receiver):
    endpoint = subscribe(workspace, receiver)
    person = create_record(workspace, "person", PERSON, actor)
    delivery = delivery_of(person)

    attempt = deliver(delivery.id)

    (request,) = receiver.received()
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert request.method == "POST"
    assert request.header("webhook-id") == str(delivery.id)
    assert request.header("Content-Type") == "application/json"
    assert request.header("User-Agent").startswith("CRM-Webhooks/")
    assert payload == {
        "targetUrl": receiver.url,
        "eventName": "person.created",
        "objectMetadata": {"id": payload["objectMetadata"]["id"], "nameSingular": "person"},
        "workspaceId": str(workspace.id),
        "webhookId": str(endpoint.id),
        "eventDate": payload["eventDate"],
        "record": person,
        "id": str(delivery.event_id),
    }
    assert payload["objectMetadata"]["id"]
    assert payload["eventDate"].endswith("Z")
    assert attempt.succeeded and attempt.status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.delivered_at is not None
    assert delivery.attempt_count == 1 and delivery.last_status_code == 200


def test_twenty_headers_sign_timestamp_and_body_with_the_secret(workspace, actor, receiver):
    endpoint = subscribe(workspace, receiver)
    person = create_record(workspace, "person", PERSON, actor)

    deliver(delivery_of(person).id)

    (request,) = receiver.received()
    timestamp = request.header("X-Twenty-Webhook-Timestamp")
    expected = hmac.new(endpoint.secret.encode(), f"{timestamp}:".encode() + request.body, hashlib.sha256).hexdigest()
    assert request.header("X-Twenty-Webhook-Signature") == expected
    assert abs(int(timestamp) / 1000 - time.time()) < 30
    assert len(request.header("X-Twenty-Webhook-Nonce")) >= 16


def test_update_payload_holds_the_record_after_the_change_and_the_updated_fields(workspace, actor, receiver):
    subscribe(workspace, receiver, ["person.updated"])
    person = create_record(workspace, "person", PERSON, actor)
    update_record(workspace, "person", person["id"], {"jobTitle": "Analyst"}, actor)

    deliver(delivery_of(person, "updated").id)

    payload = receiver.received()[0].json()
    assert payload["eventName"] == "person.updated"
    assert payload["record"]["jobTitle"] == "Analyst"
    assert payload["updatedFields"] == ["jobTitle"]
    # One copy of the record, under Twenty's key.
    assert not {"data", "previous", "event", "timestamp"} & set(payload)


def test_deletion_payload_holds_the_record_as_it_was_deleted(workspace, actor, receiver):
    subscribe(workspace, receiver, ["person.deleted", "person.destroyed"])
    person = create_record(workspace, "person", PERSON, actor)
    deleted = delete_record(workspace, "person", person["id"], actor)
    destroy_record(workspace, "person", person["id"], actor)

    deliver(delivery_of(person, "deleted").id)
    deliver(delivery_of(person, "destroyed").id)

    soft, hard = (request.json() for request in receiver.received())
    assert soft["eventName"] == "person.deleted" and soft["record"] == deleted
    assert soft["record"]["deletedAt"] is not None and "updatedFields" not in soft
    assert hard["eventName"] == "person.destroyed" and hard["record"]["id"] == person["id"]


def test_a_change_made_in_the_app_names_the_workspace_member(workspace, admin_user, receiver):
    from crm.services.actor import Actor

    member = admin_user.memberships.get()
    subscribe(workspace, receiver)
    person = create_record(workspace, "person", PERSON, Actor("MANUAL", "Ada Admin", workspace_member_id=member.id))

    deliver(delivery_of(person).id)

    assert receiver.received()[0].json()["workspaceMemberId"] == str(member.id)


def test_attempt_logs_request_headers_without_the_secret_and_the_first_kilobyte_of_the_answer(
    workspace, actor, receiver
):
    endpoint = subscribe(workspace, receiver)
    receiver.respond = lambda request: Reply(200, {"X-Receiver": "yes"}, b"x" * 5000)
    person = create_record(workspace, "person", PERSON, actor)

    attempt = deliver(delivery_of(person).id)

    attempt = Attempt.objects.get(id=attempt.id)
    assert attempt.number == 1 and attempt.finished_at is not None and attempt.duration_ms is not None
    assert attempt.response_headers["X-Receiver"] == "yes"
    assert attempt.response_body == "x" * 1024
    assert attempt.request_headers["webhook-signature"].startswith("v1,")
    assert endpoint.secret not in str(attempt.request_headers)
    assert endpoint.secret.removeprefix("whsec_") not in str(attempt.request_headers)


def test_server_error_schedules_a_retry_in_the_database_with_jitter(workspace, actor, receiver, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [timedelta(seconds=100), timedelta(seconds=1000)]
    subscribe(workspace, receiver)
    receiver.respond = lambda request: Reply(500, body=b"boom")
    person = create_record(workspace, "person", PERSON, actor)
    delivery = delivery_of(person)

    before = timezone.now()
    attempt = deliver(delivery.id)

    delivery.refresh_from_db()
    assert not attempt.succeeded and attempt.status_code == 500 and attempt.response_body == "boom"
    assert delivery.status == "pending" and delivery.attempt_count == 1 and delivery.last_status_code == 500
    assert timedelta(seconds=89) <= delivery.next_attempt_at - before <= timedelta(seconds=111)
    assert delivery.queued_until is None and delivery.sending_until is None
    # Not due yet: a message arriving early does nothing.
    assert deliver(delivery.id) is None
    assert len(receiver.received()) == 1


def test_retries_keep_the_same_webhook_id_and_body_and_the_delivery_fails_after_the_last(
    workspace, actor, receiver, settings
):
    settings.WEBHOOK_RETRY_SCHEDULE = [timedelta(0), timedelta(0)]
    subscribe(workspace, receiver)
    receiver.respond = lambda request: Reply(503)
    person = create_record(workspace, "person", PERSON, actor)
    delivery = delivery_of(person)

    for _ in range(4):
        deliver(delivery.id)

    requests = receiver.received()
    assert len(requests) == 3
    assert {r.header("webhook-id") for r in requests} == {str(delivery.id)}
    assert {r.body for r in requests} == {requests[0].body}
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempt_count == 3
    assert [a.number for a in delivery.attempts.order_by("number")] == [1, 2, 3]


def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt(workspace, actor, receiver, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [timedelta(0)] * 5
    subscribe(workspace, receiver)
    receiver.respond = lambda request: Reply(200 if len(receiver.requests) >= 3 else 502)
    person = create_record(workspace, "person", PERSON, actor)
    delivery = delivery_of(person)

    outcomes = [deliver(delivery.id).status_code for _ in range(3)]

    assert outcomes == [502, 502, 200]
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert deliver(delivery.id) is None
    assert len(receiver.received()) == 3


def test_redirect_is_a_failure_and_is_not_followed(workspace, actor, receiver):
    subscribe(workspace, receiver)
    receiver.respond = lambda request: Reply(302, {"Location": receiver.url + "/elsewhere"})
    person = create_record(workspace, "person", PERSON, actor)

    attempt = deliver(delivery_of(person).id)

    assert not attempt.succeeded and attempt.status_code == 302
    assert "not followed" in attempt.error
    assert [r.path for r in receiver.received()] == ["/hook"]
    assert delivery_of(person).status == "pending"


def test_410_gone_disables_the_endpoint_at_once_with_the_reason(workspace, actor, receiver):
    endpoint = subscribe(workspace, receiver)
    receiver.respond = lambda request: Reply(410)
    first = create_record(workspace, "person", PERSON, actor)
    second = create_record(workspace, "person", {"name": {"firstName": "Grace"}}, actor)

    deliver(delivery_of(first).id)

    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at is not None
    assert "410" in endpoint.disabled_reason
    assert delivery_of(first).status == "failed"
    # Its other deliveries are failed too (resendable once it is enabled again) and not sent.
    assert delivery_of(second).status == "failed"
    assert deliver(delivery_of(second).id) is None
    assert len(receiver.received()) == 1


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_makes_the_next_attempt_wait_at_least_that_long(workspace, actor, receiver, settings, status):
    settings.WEBHOOK_RETRY_SCHEDULE = [timedelta(seconds=5)]
    subscribe(workspace, receiver)
    receiver.respond = lambda request: Reply(status, {"Retry-After": "120"})
    person = create_record(workspace, "person", PERSON, actor)
    delivery = delivery_of(person)

    before = timezone.now()
    deliver(delivery.id)

    delivery.refresh_from_db()
    assert delivery.next_attempt_at - before >= timedelta(seconds=120)


def test_retry_after_is_read_as_seconds_or_an_http_date():
    now = timezone.now()
    assert parse_retry_after("30") == timedelta(seconds=30)
    assert timedelta(seconds=89) <= parse_retry_after(http_date(now + timedelta(seconds=90), usegmt=True), now)
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_a_hanging_receiver_times_out_and_counts_as_a_failure(workspace, actor, receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    subscribe(workspace, receiver)
    receiver.respond = lambda request: Reply(200, delay=10)
    person = create_record(workspace, "person", PERSON, actor)

    started = time.monotonic()
    attempt = deliver(delivery_of(person).id)

    assert time.monotonic() - started < 6  # the receiver holds the answer for 10 s
    assert not attempt.succeeded and attempt.status_code is None
    assert "timeout" in attempt.error
    assert delivery_of(person).status == "pending"


def test_cloud_metadata_address_is_refused_and_recorded_as_the_attempt_error(workspace, actor):
    # Bypasses the form check on purpose: delivery must refuse on its own.
    WebhookEndpoint.objects.create(
        workspace=workspace,
        target_url="http://169.254.169.254/latest/meta-data",
        operations=["*.*"],
        secret="whsec_" + "a" * 44,
    )
    person = create_record(workspace, "person", PERSON, actor)

    attempt = deliver(delivery_of(person).id)

    assert not attempt.succeeded and attempt.status_code is None
    assert "refused address 169.254.169.254" in attempt.error
    assert "link-local" in attempt.error


def test_loopback_is_refused_without_a_connection_when_private_networks_are_disallowed(
    workspace, actor, receiver, settings
):
    subscribe(workspace, receiver)
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    person = create_record(workspace, "person", PERSON, actor)

    attempt = deliver(delivery_of(person).id)

    assert "refused address 127.0.0.1" in attempt.error
    assert receiver.connections == 0 and receiver.received() == []


def test_a_delivery_claimed_by_another_worker_is_not_sent_again(workspace, actor, receiver):
    subscribe(workspace, receiver)
    person = create_record(workspace, "person", PERSON, actor)
    delivery = delivery_of(person)
    Delivery.objects.filter(id=delivery.id).update(
        status="delivering", queued_until=None, sending_until=timezone.now() + timedelta(seconds=60)
    )

    assert deliver(delivery.id) is None
    assert receiver.received() == []


def test_an_endpoint_at_its_in_flight_limit_leaves_further_deliveries_waiting(workspace, actor, receiver, settings):
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 1
    subscribe(workspace, receiver)
    busy = create_record(workspace, "person", PERSON, actor)
    waiting = create_record(workspace, "person", {"name": {"firstName": "Grace"}}, actor)
    Delivery.objects.filter(id=delivery_of(busy).id).update(
        status="delivering", queued_until=None, sending_until=timezone.now() + timedelta(seconds=60)
    )
    Delivery.objects.filter(id=delivery_of(waiting).id).update(queued_until=timezone.now() + timedelta(seconds=60))

    assert attempt_delivery(delivery_of(waiting).id) is None

    # Still due, and free for the sweeper to queue again.
    assert delivery_of(waiting).status == "pending" and delivery_of(waiting).queued_until is None
    assert receiver.received() == []


def test_after_a_success_the_worker_goes_on_with_the_endpoints_backlog(workspace, actor, receiver):
    subscribe(workspace, receiver)
    people = [create_record(workspace, "person", {"name": {"firstName": f"P{i}"}}, actor) for i in range(5)]

    deliver(delivery_of(people[0]).id)

    assert len(receiver.received()) == 5
    assert set(Delivery.objects.values_list("status", flat=True)) == {"succeeded"}


def test_an_endpoint_whose_deliveries_all_failed_for_five_days_is_disabled_with_a_reason(workspace, actor, receiver):
    endpoint = subscribe(workspace, receiver)
    receiver.respond = lambda request: Reply(500)
    WebhookEndpoint.objects.filter(id=endpoint.id).update(
        first_failure_at=timezone.now() - timedelta(days=5, minutes=1), consecutive_failures=40
    )
    person = create_record(workspace, "person", PERSON, actor)

    deliver(delivery_of(person).id)

    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "failed for 5 days" in endpoint.disabled_reason
    assert endpoint.consecutive_failures == 41


def test_a_success_ends_the_run_of_failures(workspace, actor, receiver):
    endpoint = subscribe(workspace, receiver)
    WebhookEndpoint.objects.filter(id=endpoint.id).update(
        first_failure_at=timezone.now() - timedelta(days=4), consecutive_failures=12
    )
    person = create_record(workspace, "person", PERSON, actor)

    deliver(delivery_of(person).id)

    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 0
    assert endpoint.first_failure_at is None and endpoint.last_success_at is not None


def test_first_failure_starts_the_run_of_failures(workspace, actor, receiver):
    endpoint = subscribe(workspace, receiver)
    receiver.respond = lambda request: Reply(500)
    person = create_record(workspace, "person", PERSON, actor)

    deliver(delivery_of(person).id)

    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 1 and endpoint.first_failure_at is not None


def test_after_a_secret_rotation_both_secrets_sign_for_a_day(workspace, actor, receiver):
    endpoint = subscribe(workspace, receiver)
    old_secret = endpoint.secret
    new_secret = rotate_secret(endpoint)
    person = create_record(workspace, "person", PERSON, actor)

    deliver(delivery_of(person).id)

    request = receiver.received()[0]
    assert len(request.header("webhook-signature").split(" ")) == 2
    Webhook(new_secret).verify(request.body, request.headers)
    Webhook(old_secret).verify(request.body, request.headers)
    endpoint.refresh_from_db()
    assert endpoint.signing_secrets(timezone.now() + timedelta(hours=25)) == [new_secret]


def test_a_delivery_is_sent_with_a_handful_of_queries(workspace, actor, receiver):
    subscribe(workspace, receiver)
    person = create_record(workspace, "person", PERSON, actor)
    delivery = delivery_of(person)

    with CaptureQueriesContext(connection) as queries:
        attempt_delivery(delivery.id)

    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # Load; (lock the endpoint row on PostgreSQL,) count in flight, claim, open the attempt;
    # close it, settle the delivery; stamp the endpoint.
    assert len(statements) <= (8 if connection.vendor == "postgresql" else 7), statements
    assert delivery_of(person).status == "succeeded"
