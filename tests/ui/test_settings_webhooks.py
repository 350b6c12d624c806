"""The Webhooks settings pages: endpoints, their secret and state, test events, the delivery log."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from receiver import Receiver, Reply

from crm.services.records import create_record
from settings_ui.forms.webhooks import EVENT_OBJECTS, compact_operations, expand_operations
from webhooks.models import Attempt, Delivery, WebhookEndpoint
from webhooks.services.delivering import attempt_delivery
from webhooks.services.endpoints import create_endpoint, disable_endpoint

pytestmark = pytest.mark.django_db

VALID = {
    "target_url": "https://hooks.example.com/crm",
    "description": "Billing sync",
    "events": ["person.created", "person.updated", "company.*"],
}


@pytest.fixture
def admin_client(client: Client, admin_user) -> Client:
    client.force_login(admin_user)
    return client


@pytest.fixture
def member_client(client: Client, member_user) -> Client:
    client.force_login(member_user)
    return client


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    server = Receiver(lambda request: Reply(200, {"Content-Type": "application/json"}, b'{"received": true}')).start()
    yield server
    server.stop()


@pytest.fixture
def endpoint(workspace) -> WebhookEndpoint:
    return create_endpoint(workspace, target_url="https://hooks.example.com/a", operations=["*.*"])


@pytest.fixture
def other_endpoint(other_workspace) -> WebhookEndpoint:
    return create_endpoint(other_workspace, target_url="https://hooks.example.com/theirs", operations=["*.*"])


@pytest.fixture
def failed_delivery(workspace, endpoint, actor, settings) -> Delivery:
    """A person.created delivery whose only attempt got a 500 (no retries left)."""
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOK_RETRY_SCHEDULE = []
    failing = Receiver(lambda request: Reply(500, body=b"boom")).start()
    try:
        WebhookEndpoint.objects.filter(id=endpoint.id).update(target_url=failing.url)
        create_record(workspace, "person", {"name": {"firstName": "Ada", "lastName": "Lovelace"}}, actor)
        delivery = Delivery.objects.get(endpoint=endpoint)
        attempt_delivery(delivery.id)
    finally:
        failing.stop()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    return delivery


def endpoint_urls(endpoint: WebhookEndpoint, delivery_id: str = "00000000-0000-0000-0000-000000000000"):
    return [
        ("get", reverse("settings_ui:webhook", args=[endpoint.id])),
        ("get", reverse("settings_ui:webhook_edit", args=[endpoint.id])),
        ("post", reverse("settings_ui:webhook_edit", args=[endpoint.id])),
        ("post", reverse("settings_ui:webhook_enable", args=[endpoint.id])),
        ("post", reverse("settings_ui:webhook_disable", args=[endpoint.id])),
        ("post", reverse("settings_ui:webhook_delete", args=[endpoint.id])),
        ("post", reverse("settings_ui:webhook_rotate_secret", args=[endpoint.id])),
        ("post", reverse("settings_ui:webhook_test", args=[endpoint.id])),
        ("post", reverse("settings_ui:webhook_recover", args=[endpoint.id])),
        ("post", reverse("settings_ui:webhook_resend", args=[endpoint.id, delivery_id])),
    ]


def all_urls(endpoint: WebhookEndpoint):
    return [
        ("get", reverse("settings_ui:webhooks")),
        ("get", reverse("settings_ui:webhook_new")),
        ("post", reverse("settings_ui:webhook_new")),
        *endpoint_urls(endpoint),
    ]


# ---- Access ------------------------------------------------------------------------


def test_every_page_redirects_anonymous_visitors_to_login(client, endpoint):
    for method, url in all_urls(endpoint):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next="), url


def test_members_who_are_not_admins_get_403_everywhere(member_client, endpoint):
    for method, url in all_urls(endpoint):
        assert getattr(member_client, method)(url, VALID).status_code == 403, url
    assert WebhookEndpoint.objects.filter(id=endpoint.id, is_active=True).exists()


def test_another_workspaces_endpoint_is_404_for_an_admin(admin_client, other_endpoint):
    for method, url in endpoint_urls(other_endpoint):
        assert getattr(admin_client, method)(url, VALID).status_code == 404, url
    other_endpoint.refresh_from_db()
    assert other_endpoint.is_active and other_endpoint.target_url.endswith("/theirs")


def test_another_endpoints_delivery_cannot_be_resent_through_this_one(
    admin_client, endpoint, failed_delivery, workspace
):
    second = create_endpoint(workspace, target_url="https://hooks.example.com/b", operations=["*.*"])
    url = reverse("settings_ui:webhook_resend", args=[second.id, failed_delivery.id])
    assert admin_client.post(url).status_code == 404


def test_forms_are_csrf_protected(admin_user, endpoint):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(reverse("settings_ui:webhook_delete", args=[endpoint.id])).status_code == 403
    assert client.post(reverse("settings_ui:webhook_test", args=[endpoint.id])).status_code == 403
    assert WebhookEndpoint.objects.filter(id=endpoint.id).exists()


def test_actions_refuse_get(admin_client, endpoint):
    for name in ("webhook_enable", "webhook_disable", "webhook_delete", "webhook_rotate_secret", "webhook_test"):
        assert admin_client.get(reverse(f"settings_ui:{name}", args=[endpoint.id])).status_code == 405


# ---- List and create ----------------------------------------------------------------


def test_webhooks_page_shows_an_empty_state(admin_client):
    page = admin_client.get(reverse("settings_ui:webhooks")).content.decode()
    assert "No webhooks yet" in page and reverse("settings_ui:webhook_new") in page


def test_webhooks_page_lists_endpoints_with_status_and_last_delivery(
    admin_client, workspace, endpoint, failed_delivery, other_endpoint
):
    disabled = create_endpoint(workspace, target_url="https://hooks.example.com/off", operations=["person.*"])
    disable_endpoint(disabled, "The receiver answered 410 Gone.")
    WebhookEndpoint.objects.filter(id=endpoint.id).update(consecutive_failures=3)
    response = admin_client.get(reverse("settings_ui:webhooks"))
    page = response.content.decode()
    assert "hooks.example.com/off" in page and "/theirs" not in page
    assert "Failing" in page and "Disabled" in page
    assert "All events" in page and "person.*" in page
    assert "Failed" in page  # the last delivery's status
    statuses = {e.target_url.rsplit("/", 1)[-1]: e.status for e in response.context["endpoints"]}
    assert statuses["off"] == "disabled"
    assert statuses["hook"] == "failing"


def test_creating_a_webhook(admin_client, workspace):
    response = admin_client.post(reverse("settings_ui:webhook_new"), VALID)
    endpoint = WebhookEndpoint.objects.get(workspace=workspace)
    assert response.status_code == 302
    assert response["Location"] == reverse("settings_ui:webhook", args=[endpoint.id])
    assert endpoint.target_url == VALID["target_url"]
    assert endpoint.description == "Billing sync"
    assert endpoint.operations == ["person.created", "person.updated", "company.*"]
    assert endpoint.secret.startswith("whsec_")
    page = admin_client.get(response["Location"]).content.decode()
    assert endpoint.secret in page  # behind the reveal button
    assert "Webhook created" in page


def test_all_events_is_stored_as_star_dot_star(admin_client, workspace):
    admin_client.post(reverse("settings_ui:webhook_new"), {**VALID, "all_events": "on", "events": ["person.created"]})
    assert WebhookEndpoint.objects.get(workspace=workspace).operations == ["*.*"]


def test_ticking_every_action_of_every_object_is_all_events(admin_client, workspace):
    events = [f"{name}.*" for name, _label in EVENT_OBJECTS]
    admin_client.post(reverse("settings_ui:webhook_new"), {**VALID, "events": events})
    assert WebhookEndpoint.objects.get(workspace=workspace).operations == ["*.*"]


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"target_url": "ftp://hooks.example.com/x"}, "target_url", "http:// or https://"),
        ({"target_url": "hooks.example.com/x"}, "target_url", "http:// or https://"),
        ({"target_url": ""}, "target_url", "required"),
        ({"target_url": "http://169.254.169.254/latest"}, "target_url", ""),
        ({"events": []}, "events", "Choose at least one event"),
        ({"events": ["person.exploded"]}, "events", ""),
    ],
)
def test_bad_input_re_renders_with_errors_and_creates_nothing(admin_client, workspace, changes, field, message):
    response = admin_client.post(reverse("settings_ui:webhook_new"), {**VALID, **changes})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert "has-error" in response.content.decode()
    assert not WebhookEndpoint.objects.filter(workspace=workspace).exists()


def test_private_addresses_are_refused_unless_allowed(admin_client, workspace, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    response = admin_client.post(reverse("settings_ui:webhook_new"), {**VALID, "target_url": "http://127.0.0.1:9/x"})
    assert response.status_code == 200 and "target_url" in response.context["form"].errors
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("url", ["http://2130706433:9/x", "http://0x7f.1:9/x", "http://10.1/x", "http://167772161/x"])
def test_numeric_spellings_of_private_addresses_are_refused_like_the_dotted_form(admin_client, settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    response = admin_client.post(reverse("settings_ui:webhook_new"), {**VALID, "target_url": url})
    assert response.status_code == 200
    assert "refused address" in " ".join(response.context["form"].errors["target_url"])
    assert not WebhookEndpoint.objects.exists()


# ---- Edit, enable, disable, delete, rotate --------------------------------------------


def test_edit_form_shows_the_current_events(admin_client, workspace):
    endpoint = create_endpoint(workspace, target_url="https://h.example.com", operations=["person.*", "*.deleted"])
    form = admin_client.get(reverse("settings_ui:webhook_edit", args=[endpoint.id])).context["form"]
    selected = set(form["events"].value())
    assert {"person.*", "person.created", "company.deleted", "task.deleted"} <= selected
    assert "company.created" not in selected
    assert form["target_url"].value() == "https://h.example.com"


def test_editing_a_webhook(admin_client, endpoint):
    response = admin_client.post(
        reverse("settings_ui:webhook_edit", args=[endpoint.id]),
        {"target_url": "https://new.example.com/hook", "description": "", "events": ["note.created"]},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.target_url == "https://new.example.com/hook"
    assert endpoint.operations == ["note.created"]


def test_bad_edit_changes_nothing(admin_client, endpoint):
    response = admin_client.post(
        reverse("settings_ui:webhook_edit", args=[endpoint.id]), {"target_url": "nope", "events": ["note.created"]}
    )
    assert response.status_code == 200 and "target_url" in response.context["form"].errors
    endpoint.refresh_from_db()
    assert endpoint.target_url == "https://hooks.example.com/a" and endpoint.operations == ["*.*"]


def test_disabling_and_enabling(admin_client, endpoint):
    admin_client.post(reverse("settings_ui:webhook_disable", args=[endpoint.id]))
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    page = admin_client.get(reverse("settings_ui:webhook", args=[endpoint.id])).content.decode()
    assert "This webhook is disabled" in page and "Disabled by an admin." in page
    admin_client.post(reverse("settings_ui:webhook_enable", args=[endpoint.id]))
    endpoint.refresh_from_db()
    assert endpoint.is_active


def test_a_disabled_endpoint_says_why_and_offers_to_resend_what_failed(admin_client, endpoint, failed_delivery):
    disable_endpoint(endpoint, "The receiver answered 410 Gone on 2026-01-01 10:00 UTC.")
    page = admin_client.get(reverse("settings_ui:webhook", args=[endpoint.id])).content.decode()
    assert "410 Gone" in page
    assert "Enable and resend 1 failed delivery" in page
    response = admin_client.post(reverse("settings_ui:webhook_enable", args=[endpoint.id]), {"resend_failed": "1"})
    assert response.status_code == 302
    failed_delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert failed_delivery.status == Delivery.Status.PENDING


def test_deleting_a_webhook(admin_client, endpoint):
    response = admin_client.post(reverse("settings_ui:webhook_delete", args=[endpoint.id]))
    assert response["Location"] == reverse("settings_ui:webhooks")
    assert not WebhookEndpoint.objects.filter(id=endpoint.id).exists()


def test_endpoint_page_has_confirmation_dialogs(admin_client, endpoint):
    page = admin_client.get(reverse("settings_ui:webhook", args=[endpoint.id])).content.decode()
    for dialog in ("delete-webhook", "disable-webhook", "rotate-secret"):
        assert f'id="{dialog}"' in page


def test_rotating_the_secret_keeps_the_old_one_for_a_while(admin_client, endpoint):
    old = endpoint.secret
    admin_client.post(reverse("settings_ui:webhook_rotate_secret", args=[endpoint.id]))
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert endpoint.previous_secret_expires_at > timezone.now()


# ---- Test events and the delivery log ---------------------------------------------------


def test_sending_a_test_event_answers_json_for_the_page_script(admin_client, workspace, receiver):
    endpoint = create_endpoint(workspace, target_url=receiver.url, operations=["*.*"])
    response = admin_client.post(
        reverse("settings_ui:webhook_test", args=[endpoint.id]), HTTP_ACCEPT="application/json"
    )
    result = response.json()
    assert result["succeeded"] is True and result["statusCode"] == 200
    assert '"received": true' in result["responseBody"]
    assert receiver.received()[0].json()["eventName"] == "webhook.test"
    assert Delivery.objects.get(endpoint=endpoint).status == Delivery.Status.SUCCEEDED


def test_sending_a_test_event_without_javascript_redirects_with_a_message(admin_client, workspace, receiver):
    endpoint = create_endpoint(workspace, target_url=receiver.url, operations=["*.*"])
    response = admin_client.post(reverse("settings_ui:webhook_test", args=[endpoint.id]), follow=True)
    assert "Test event sent" in response.content.decode()


def test_a_failed_test_event_says_what_the_receiver_answered(admin_client, workspace, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    failing = Receiver(lambda request: Reply(503, body=b"maintenance")).start()
    try:
        endpoint = create_endpoint(workspace, target_url=failing.url, operations=["*.*"])
        result = admin_client.post(
            reverse("settings_ui:webhook_test", args=[endpoint.id]), HTTP_ACCEPT="application/json"
        ).json()
    finally:
        failing.stop()
    assert result["succeeded"] is False and result["statusCode"] == 503
    assert "503" in result["summary"] and result["responseBody"] == "maintenance"


def test_delivery_log_shows_attempts_request_and_response(admin_client, endpoint, failed_delivery):
    page = admin_client.get(reverse("settings_ui:webhook", args=[endpoint.id])).content.decode()
    assert "person.created" in page
    assert "500" in page and "boom" in page
    assert "webhook-signature" in page  # request headers of the attempt
    assert "&quot;eventName&quot;: &quot;person.created&quot;" in page  # the request body
    assert "Lovelace" in page
    assert reverse("settings_ui:webhook_resend", args=[endpoint.id, failed_delivery.id]) in page


def test_delivery_log_shows_the_body_the_receiver_got(admin_client, workspace, actor, receiver, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    endpoint = create_endpoint(workspace, target_url=receiver.url, operations=["*.*"])
    create_record(workspace, "person", {"name": {"firstName": "Ada", "lastName": "Lovelace"}}, actor)
    attempt_delivery(Delivery.objects.get(endpoint=endpoint).id)

    page = admin_client.get(reverse("settings_ui:webhook", args=[endpoint.id])).content.decode()

    sent = json.dumps(receiver.received()[0].json(), indent=2, ensure_ascii=False)
    assert escape(sent) in page


def test_delivery_log_filters_by_status_and_event(admin_client, endpoint, failed_delivery, receiver):
    WebhookEndpoint.objects.filter(id=endpoint.id).update(target_url=receiver.url)
    admin_client.post(reverse("settings_ui:webhook_test", args=[endpoint.id]), HTTP_ACCEPT="application/json")
    url = reverse("settings_ui:webhook", args=[endpoint.id])

    def events(query: dict) -> list[str]:
        return [row.delivery.event.name for row in admin_client.get(url, query).context["rows"]]

    assert events({}) == ["webhook.test", "person.created"]
    assert events({"status": "failed"}) == ["person.created"]
    assert events({"status": "succeeded"}) == ["webhook.test"]
    assert events({"event": "person.*"}) == ["person.created"]
    assert events({"event": "*.created"}) == ["person.created"]
    assert events({"event": "webhook.test"}) == ["webhook.test"]
    assert events({"status": "bogus"}) == ["webhook.test", "person.created"]
    page = admin_client.get(url, {"status": "pending"}).content.decode()
    assert "No deliveries match" in page


def test_delivery_log_is_paginated(admin_client, workspace, receiver):
    endpoint = create_endpoint(workspace, target_url=receiver.url, operations=["*.*"])
    for _ in range(23):
        admin_client.post(reverse("settings_ui:webhook_test", args=[endpoint.id]), HTTP_ACCEPT="application/json")
    url = reverse("settings_ui:webhook", args=[endpoint.id])
    assert len(admin_client.get(url).context["rows"]) == 20
    assert len(admin_client.get(url, {"page": 2}).context["rows"]) == 3
    assert "1–20 of 23 deliveries" in admin_client.get(url).content.decode()


def test_resending_a_delivery(admin_client, endpoint, failed_delivery):
    response = admin_client.post(reverse("settings_ui:webhook_resend", args=[endpoint.id, failed_delivery.id]))
    assert response.status_code == 302
    failed_delivery.refresh_from_db()
    assert failed_delivery.status == Delivery.Status.PENDING


def test_a_disabled_endpoints_delivery_cannot_be_resent(admin_client, endpoint, failed_delivery):
    disable_endpoint(endpoint)
    response = admin_client.post(
        reverse("settings_ui:webhook_resend", args=[endpoint.id, failed_delivery.id]), follow=True
    )
    assert "Enable the endpoint" in response.content.decode()
    failed_delivery.refresh_from_db()
    assert failed_delivery.status == Delivery.Status.FAILED


def test_resending_every_failed_delivery(admin_client, endpoint, failed_delivery):
    page = admin_client.get(reverse("settings_ui:webhook", args=[endpoint.id])).content.decode()
    assert "Resend 1 failed delivery" in page
    admin_client.post(reverse("settings_ui:webhook_recover", args=[endpoint.id]))
    failed_delivery.refresh_from_db()
    assert failed_delivery.status == Delivery.Status.PENDING
    assert Attempt.objects.filter(delivery=failed_delivery).count() == 1


# ---- Operations on the grid ----------------------------------------------------------------


def test_operations_round_trip_through_the_grid():
    assert compact_operations(expand_operations(["*.*"])) == ["*.*"]
    assert compact_operations(expand_operations(["person.*", "company.created"])) == ["person.*", "company.created"]
    assert compact_operations(expand_operations(["*.deleted"])) == [f"{name}.deleted" for name, _label in EVENT_OBJECTS]
