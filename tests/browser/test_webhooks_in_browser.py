"""Webhooks in a real browser: create an endpoint, send a test event to a local receiver,
see it in the delivery log, and resend it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from receiver import Receiver, Reply

from config.celery import app as celery_app
from crm.services.records import create_record
from webhooks.models import Delivery, WebhookEndpoint
from webhooks.services.delivering import attempt_delivery
from webhooks.services.endpoints import create_endpoint, disable_endpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    server = Receiver(lambda request: Reply(200, {"Content-Type": "application/json"}, b'{"ok": true}')).start()
    yield server
    server.stop()


@pytest.fixture
def deliveries_run_inline() -> Iterator[None]:
    """Queued deliveries run in the web request that queues them, standing in for a worker."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_create_a_webhook_send_a_test_event_and_resend_it(
    login_page, admin_user, workspace, receiver, deliveries_run_inline, screenshot
):
    page = login_page(admin_user)
    page.goto("/settings/webhooks")
    assert page.get_by_role("heading", name="No webhooks yet").is_visible()
    screenshot(page, "webhooks-empty")

    page.get_by_role("link", name="Create webhook").first.click()
    page.get_by_label("Endpoint URL").fill("not a url")
    page.get_by_role("button", name="Create webhook").click()
    assert page.get_by_text("Enter a full http:// or https:// URL").is_visible()
    assert not WebhookEndpoint.objects.exists()
    screenshot(page, "form-error")

    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_label("Description").fill("Local receiver")
    page.get_by_label("All events", exact=True).uncheck()
    page.get_by_label("All people events").check()
    assert page.get_by_label("People: updated").is_checked()  # the row box ticks its actions
    page.get_by_label("Companies: created").check()
    screenshot(page, "form-filled")
    page.get_by_role("button", name="Create webhook").click()

    page.get_by_role("heading", name="Send a test event").wait_for()
    endpoint = WebhookEndpoint.objects.get(workspace=workspace)
    assert endpoint.operations == ["person.*", "company.created"]
    assert not page.get_by_text(endpoint.secret).is_visible()
    page.get_by_role("button", name="Reveal").click()
    assert page.get_by_text(endpoint.secret).is_visible()
    screenshot(page, "endpoint-created")

    page.get_by_role("button", name="Send test event").click()
    result = page.locator(".test-result[data-state='succeeded']")
    result.wait_for()
    assert "Delivered" in result.inner_text() and "200" in result.inner_text()
    assert receiver.received()[0].json()["eventName"] == "webhook.test"
    screenshot(page, "test-event-result")

    # The log below refreshes itself with the test delivery.
    row = page.locator("details.delivery").first
    row.wait_for()
    assert row.get_attribute("data-status") == "succeeded"
    assert "webhook.test" in row.inner_text() and "1 attempt" in row.inner_text()
    row.locator("summary").click()
    assert row.get_by_text('"eventName": "webhook.test"').is_visible()
    assert row.get_by_text("webhook-signature").first.is_visible()
    screenshot(page, "delivery-log-open")

    row.get_by_role("button", name="Resend").click()
    page.get_by_text("queued to be sent again").wait_for()
    requests = receiver.wait_for(2)
    assert requests[0].header("webhook-id") == requests[1].header("webhook-id")
    row = page.locator("details.delivery").first
    assert "2 attempts" in row.inner_text()
    assert Delivery.objects.get(endpoint=endpoint).attempt_count == 2
    screenshot(page, "after-resend")
    assert not page.js_errors


def test_a_disabled_endpoint_shows_why_and_lists_what_failed(
    login_page, admin_user, workspace, actor, settings, screenshot
):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOK_RETRY_SCHEDULE = []
    failing = Receiver(lambda request: Reply(500, body=b'{"error": "database is down"}')).start()
    try:
        endpoint = create_endpoint(workspace, target_url=failing.url, operations=["*.*"], description="CRM mirror")
        for first, last in (("Ada", "Lovelace"), ("Grace", "Hopper")):
            create_record(workspace, "person", {"name": {"firstName": first, "lastName": last}}, actor)
        for delivery in Delivery.objects.filter(endpoint=endpoint):
            attempt_delivery(delivery.id)
    finally:
        failing.stop()
    disable_endpoint(endpoint, "Every delivery failed for 5 days (since 2026-11-20 09:00 UTC).")

    page = login_page(admin_user)
    page.goto("/settings/webhooks")
    assert page.get_by_text("Disabled", exact=True).is_visible()
    screenshot(page, "webhooks-list")

    page.get_by_role("link", name=failing.url).click()
    notice = page.locator("#disabled-notice")
    assert "failed for 5 days" in notice.inner_text()
    assert notice.get_by_role("button", name="Enable and resend 2 failed deliveries").is_visible()
    page.get_by_label("Status").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    assert page.locator("details.delivery").count() == 2
    page.locator("details.delivery summary").first.click()
    screenshot(page, "disabled-endpoint")

    notice.get_by_role("button", name="Enable and resend 2 failed deliveries").click()
    page.get_by_text("2 failed deliveries will be sent again").wait_for()
    assert Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING).count() == 2
    screenshot(page, "re-enabled")
