"""The operations behind the settings pages and the REST API: managing endpoints, test
events, resending, recovering and the delivery log."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone
from receiver import Reply
from standardwebhooks import Webhook

from crm.services.records import create_record, update_record
from webhooks.inputs import WebhookValidationError
from webhooks.models import Attempt, Delivery, Event, WebhookEndpoint
from webhooks.services.deliveries import (
    UnknownStatusError,
    list_deliveries,
    recover_failed,
    resend_delivery,
    send_test_event,
)
from webhooks.services.delivering import deliver
from webhooks.services.endpoints import (
    UNCHANGED,
    EndpointDisabledError,
    create_endpoint,
    delete_endpoint,
    disable_endpoint,
    enable_endpoint,
    rotate_secret,
    update_endpoint,
)

pytestmark = pytest.mark.usefixtures("private_networks_allowed")


def person(workspace, actor, name: str = "Ada") -> dict:
    return create_record(workspace, "person", {"name": {"firstName": name}}, actor)


def test_a_new_endpoint_has_a_whsec_secret_and_gets_every_event_by_default(workspace):
    endpoint = create_endpoint(workspace, target_url="https://hooks.example.com/crm", description=" Zapier ")

    assert endpoint.secret.startswith("whsec_")
    assert len(base64.b64decode(endpoint.secret.removeprefix("whsec_"))) == 32
    assert endpoint.operations == ["*.*"]
    assert endpoint.description == "Zapier"
    assert endpoint.is_active and endpoint.disabled_at is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the URL"),
        ("ftp://example.com/hook", "only http and https"),
        ("https:///no-host", "host is missing"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://[::ffff:169.254.169.254]/", "link-local"),
        ("http://224.0.0.1/", "multicast"),
        ("https://example.com/" + "a" * 2100, "at most 2048"),
    ],
)
def test_target_urls_that_cannot_be_called_are_refused(workspace, url, message):
    with pytest.raises(WebhookValidationError) as caught:
        create_endpoint(workspace, target_url=url)

    assert message in caught.value.errors["targetUrl"][0]
    assert WebhookEndpoint.objects.count() == 0


def test_private_addresses_are_refused_unless_private_networks_are_allowed(workspace, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    for url in ("http://127.0.0.1:8000/hook", "http://10.1.2.3/hook", "http://192.168.1.10/"):
        with pytest.raises(WebhookValidationError):
            create_endpoint(workspace, target_url=url)

    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    assert create_endpoint(workspace, target_url="http://127.0.0.1:8000/hook").target_url.startswith("http://127")
    with pytest.raises(WebhookValidationError):
        create_endpoint(workspace, target_url="http://169.254.169.254/")


def test_operations_are_checked_against_the_workspace_objects_and_deduplicated(workspace):
    endpoint = create_endpoint(
        workspace,
        target_url="https://hooks.example.com",
        operations=["person.*", "*.created", "person.*", "opportunity.updated"],
    )
    assert endpoint.operations == ["person.*", "*.created", "opportunity.updated"]

    with pytest.raises(WebhookValidationError) as caught:
        create_endpoint(
            workspace, target_url="https://hooks.example.com", operations=["spaceship.*", "person.exploded", "person"]
        )
    messages = caught.value.errors["operations"]
    assert len(messages) == 3
    assert 'unknown object "spaceship"' in messages[0]
    assert 'unknown action "exploded"' in messages[1]
    with pytest.raises(WebhookValidationError):
        create_endpoint(workspace, target_url="https://hooks.example.com", operations=[])


def test_update_changes_only_the_given_fields(workspace):
    endpoint = create_endpoint(workspace, target_url="https://a.example.com", description="first")
    secret = endpoint.secret

    update_endpoint(endpoint, operations=["company.*"], description=UNCHANGED)

    endpoint.refresh_from_db()
    assert endpoint.operations == ["company.*"]
    assert endpoint.description == "first" and endpoint.target_url == "https://a.example.com"
    assert endpoint.secret == secret
    with pytest.raises(WebhookValidationError) as caught:
        update_endpoint(endpoint, target_url="gopher://x", is_active="yes")
    assert set(caught.value.errors) == {"targetUrl", "isActive"}


def test_disabling_fails_waiting_deliveries_and_enabling_says_how_many_can_be_resent(workspace, actor):
    endpoint = create_endpoint(workspace, target_url="http://127.0.0.1:9/hook")
    person(workspace, actor, "Ada")
    person(workspace, actor, "Grace")

    update_endpoint(endpoint, is_active=False)

    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_reason == "Disabled by an admin."
    assert set(endpoint.deliveries.values_list("status", flat=True)) == {"failed"}
    WebhookEndpoint.objects.filter(id=endpoint.id).update(consecutive_failures=9, first_failure_at=timezone.now())
    endpoint.refresh_from_db()

    assert enable_endpoint(endpoint) == 2
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_reason == "" and endpoint.disabled_at is None
    assert endpoint.consecutive_failures == 0 and endpoint.first_failure_at is None


def test_rotating_the_secret_keeps_the_previous_one_for_24_hours(workspace):
    endpoint = create_endpoint(workspace, target_url="https://hooks.example.com")
    old = endpoint.secret

    new = rotate_secret(endpoint)

    endpoint.refresh_from_db()
    assert new != old and endpoint.secret == new and endpoint.previous_secret == old
    assert timedelta(hours=23, minutes=59) < endpoint.previous_secret_expires_at - timezone.now() <= timedelta(hours=24)
    assert endpoint.signing_secrets() == [new, old]


def test_deleting_an_endpoint_removes_its_delivery_log(workspace, actor, receiver):
    endpoint = create_endpoint(workspace, target_url=receiver.url)
    deliver(Delivery.objects.get(event__record_id=person(workspace, actor)["id"]).id)

    delete_endpoint(endpoint)

    assert Delivery.objects.count() == 0 and Attempt.objects.count() == 0
    assert Event.objects.count() == 1  # the record's history is not the endpoint's


def test_a_test_event_is_sent_at_once_and_its_attempt_returned(workspace, receiver):
    endpoint = create_endpoint(workspace, target_url=receiver.url, operations=["company.deleted"])

    attempt = send_test_event(endpoint)

    assert attempt.succeeded and attempt.status_code == 200 and attempt.finished_at is not None
    (request,) = receiver.received()
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["eventName"] == "webhook.test"
    assert payload["webhookId"] == str(endpoint.id)
    assert request.header("webhook-id") == str(attempt.delivery_id)


def test_a_failed_test_event_is_neither_retried_nor_held_against_the_endpoint(workspace, receiver):
    endpoint = create_endpoint(workspace, target_url=receiver.url)
    receiver.respond = lambda request: Reply(410, body=b"gone")

    attempt = send_test_event(endpoint)

    assert not attempt.succeeded and attempt.status_code == 410 and attempt.response_body == "gone"
    assert Delivery.objects.get().status == "failed"
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 0


def test_a_test_event_can_check_a_disabled_endpoint(workspace, receiver):
    endpoint = create_endpoint(workspace, target_url=receiver.url)
    disable_endpoint(endpoint)

    assert send_test_event(endpoint).succeeded


def test_resending_makes_new_attempts_under_the_same_webhook_id(
    workspace, actor, receiver, django_capture_on_commit_callbacks
):
    create_endpoint(workspace, target_url=receiver.url)
    delivery = Delivery.objects.get(event__record_id=person(workspace, actor)["id"])
    deliver(delivery.id)
    delivery.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        resent = resend_delivery(delivery)
    assert resent.status == "pending" and resent.round_start == 1
    deliver(delivery.id)

    first, second = receiver.received()
    assert first.header("webhook-id") == second.header("webhook-id") == str(delivery.id)
    assert first.body == second.body
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempt_count == 2
    assert list(delivery.attempts.order_by("number").values_list("number", flat=True)) == [1, 2]


def test_a_resend_gets_a_fresh_round_of_retries(workspace, actor, receiver, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [timedelta(0)]
    create_endpoint(workspace, target_url=receiver.url)
    receiver.respond = lambda request: Reply(500)
    delivery = Delivery.objects.get(event__record_id=person(workspace, actor)["id"])
    deliver(delivery.id)
    deliver(delivery.id)
    delivery.refresh_from_db()
    assert delivery.status == "failed"

    resend_delivery(delivery)
    deliver(delivery.id)

    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempt_count == 3


def test_resending_to_a_disabled_endpoint_is_refused(workspace, actor):
    endpoint = create_endpoint(workspace, target_url="http://127.0.0.1:9/hook")
    person(workspace, actor)
    disable_endpoint(endpoint)

    with pytest.raises(EndpointDisabledError):
        resend_delivery(Delivery.objects.get())
    with pytest.raises(EndpointDisabledError):
        recover_failed(endpoint, timezone.now() - timedelta(days=1))


def test_recovering_resends_the_failures_since_a_date(workspace, actor, receiver):
    endpoint = create_endpoint(workspace, target_url=receiver.url)
    old, recent, fine = (person(workspace, actor, name) for name in ("Old", "Recent", "Fine"))
    Delivery.objects.update(status="failed", next_attempt_at=None)
    Delivery.objects.filter(event__record_id=old["id"]).update(created_at=timezone.now() - timedelta(days=3))
    Delivery.objects.filter(event__record_id=fine["id"]).update(status="succeeded")
    send_test_event(endpoint)  # test events are never recovered

    assert recover_failed(endpoint, since=timezone.now() - timedelta(days=1)) == 1

    assert Delivery.objects.get(event__record_id=recent["id"]).status == "pending"
    assert Delivery.objects.get(event__record_id=old["id"]).status == "failed"


def test_the_delivery_log_is_newest_first_with_attempts_in_three_queries(
    workspace, actor, receiver, settings, django_assert_num_queries
):
    settings.WEBHOOK_RETRY_SCHEDULE = [timedelta(0)] * 3
    endpoint = create_endpoint(workspace, target_url=receiver.url)
    receiver.respond = lambda request: Reply(500 if len(receiver.requests) % 2 else 200)
    people = [person(workspace, actor, f"P{i}") for i in range(6)]
    for delivery in Delivery.objects.all():
        while deliver(delivery.id) and Delivery.objects.get(id=delivery.id).status == "pending":
            pass

    with django_assert_num_queries(2):
        deliveries = list(list_deliveries(endpoint))
        log = [(d.event.record_id, [a.status_code for a in d.attempts.all()]) for d in deliveries]

    assert [str(record_id) for record_id, _ in log] == [p["id"] for p in reversed(people)]
    assert all(codes and codes[-1] == 200 for _, codes in log)
    assert any(codes == [500, 200] for _, codes in log)


def test_the_delivery_log_filters_by_status_and_event(workspace, actor):
    endpoint = create_endpoint(workspace, target_url="http://127.0.0.1:9/hook")
    ada = person(workspace, actor)
    update_record(workspace, "person", ada["id"], {"jobTitle": "Analyst"}, actor)
    create_record(workspace, "company", {"name": "Northwind"}, actor)
    Delivery.objects.filter(event__object_name="company").update(status="failed")

    def names(**filters) -> list[str]:
        return sorted(d.event.name for d in list_deliveries(endpoint, **filters))

    assert names(status="failed") == ["company.created"]
    assert names(event="person.updated") == ["person.updated"]
    assert names(event="person.*") == ["person.created", "person.updated"]
    assert names(event="*.created") == ["company.created", "person.created"]
    assert names(status="pending", event="person") == ["person.created", "person.updated"]
    with pytest.raises(UnknownStatusError):
        list_deliveries(endpoint, status="lost")
