"""Webhooks over REST: /rest/webhooks and its deliveries, test, resend and recover routes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from receiver import Reply
from rest_client import patch, post
from standardwebhooks import Webhook

from crm.services.records import create_record
from webhooks.models import Delivery, WebhookEndpoint
from webhooks.services.delivering import deliver
from webhooks.services.endpoints import create_endpoint, disable_endpoint

pytestmark = pytest.mark.usefixtures("private_networks_allowed")


@pytest.fixture
def api(api_token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")


@pytest.fixture
def read_only_api(read_only_token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {read_only_token}")


@pytest.fixture
def other_api(other_token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {other_token}")


def create_webhook(api: Client, **body: object) -> dict:
    response = post(api, "/rest/webhooks", {"targetUrl": "https://hooks.example.com/crm", **body})
    assert response.status_code == 201, response.content
    return response.json()


def test_webhooks_are_answered_in_twenty_shapes(api):
    webhook = create_webhook(api, operations=["person.*", "*.deleted"], description="Zapier")

    assert {"id", "targetUrl", "operations", "description", "secret", "createdAt", "updatedAt"} <= set(webhook)
    assert webhook["secret"].startswith("whsec_") and webhook["deletedAt"] is None
    assert webhook["operations"] == ["person.*", "*.deleted"]
    assert webhook["description"] == "Zapier" and webhook["isActive"] is True
    assert WebhookEndpoint.objects.get(id=webhook["id"]).secret == webhook["secret"]
    # Twenty's controller answers the webhook itself, and a plain list of them.
    assert api.get(f"/rest/webhooks/{webhook['id']}").json() == {**webhook, "failedDeliveryCount": 0}
    assert api.get("/rest/webhooks").json() == [{**webhook, "failedDeliveryCount": 0}]


def test_a_chosen_secret_is_kept_and_an_empty_one_is_generated(api):
    chosen = create_webhook(api, secret="my-own-signing-secret")
    empty = create_webhook(api, secret="")

    assert chosen["secret"] == "my-own-signing-secret"
    assert empty["secret"].startswith("whsec_")
    replaced = patch(api, f"/rest/webhooks/{chosen['id']}", {"secret": "another-secret"}).json()
    assert replaced["secret"] == "another-secret" and replaced["previousSecretExpiresAt"] is not None
    for bad in (" padded ", "x" * 101, 42, "line\nbreak"):
        response = post(api, "/rest/webhooks", {"targetUrl": "https://x.example.com", "secret": bad})
        assert response.status_code == 400 and any("secret" in m for m in response.json()["messages"])


def test_webhooks_are_also_served_under_the_metadata_api_with_its_paging(api):
    first, second, third = (create_webhook(api, description=name) for name in ("a", "b", "c"))

    page = api.get("/rest/metadata/webhooks?limit=2").json()
    after = api.get(f"/rest/metadata/webhooks?starting_after={second['id']}").json()
    before = api.get(f"/rest/metadata/webhooks?ending_before={third['id']}&limit=1").json()
    both = api.get(f"/rest/metadata/webhooks?starting_after={first['id']}&ending_before={third['id']}")

    assert [w["id"] for w in page["data"]] == [first["id"], second["id"]] and page["totalCount"] == 3
    assert page["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": first["id"],
        "endCursor": second["id"],
    }
    assert [w["id"] for w in after["data"]] == [third["id"]] and after["pageInfo"]["hasNextPage"] is False
    assert [w["id"] for w in before["data"]] == [second["id"]] and before["pageInfo"]["hasPreviousPage"] is True
    assert both.status_code == 400
    assert api.get(f"/rest/metadata/webhooks/{first['id']}").json()["description"] == "a"
    assert (
        api.patch(
            f"/rest/metadata/webhooks/{first['id']}", {"description": "z"}, content_type="application/json"
        ).json()["description"]
        == "z"
    )
    assert api.delete(f"/rest/metadata/webhooks/{first['id']}").json() is True


def test_invalid_webhooks_are_refused_with_the_error_envelope(api):
    response = post(api, "/rest/webhooks", {"targetUrl": "http://169.254.169.254/", "operations": ["ship.*"]})

    assert response.status_code == 400
    body = response.json()
    assert body["statusCode"] == 400 and body["error"] == "BadRequestException"
    assert any("targetUrl" in m and "link-local" in m for m in body["messages"])
    assert any("operations" in m and "ship" in m for m in body["messages"])
    assert post(api, "/rest/webhooks", {"operations": ["*.*"]}).status_code == 400
    assert post(api, "/rest/webhooks", {"targetUrl": "https://x.example.com", "owner": "me"}).status_code == 400
    assert post(api, "/rest/webhooks", ["not", "an", "object"]).status_code == 400


NUMERIC_METADATA_SPELLINGS = ["http://2852039166/", "http://0xa9fea9fe/", "http://0251.0376.0251.0376/"]


@pytest.mark.parametrize("url", NUMERIC_METADATA_SPELLINGS)
def test_numeric_spellings_of_a_refused_address_are_refused_on_create_and_change(api, url):
    created = post(api, "/rest/webhooks", {"targetUrl": url})
    webhook = create_webhook(api)
    changed = patch(api, f"/rest/webhooks/{webhook['id']}", {"targetUrl": url})

    for response in (created, changed):
        assert response.status_code == 400
        assert any("targetUrl" in m and "169.254.169.254" in m for m in response.json()["messages"])
    assert list(WebhookEndpoint.objects.values_list("target_url", flat=True)) == ["https://hooks.example.com/crm"]


def test_patch_updates_the_given_fields_and_disabling_shows_the_reason(api):
    webhook = create_webhook(api)

    response = patch(api, f"/rest/webhooks/{webhook['id']}", {"operations": ["company.created"], "isActive": False})

    assert response.status_code == 200
    updated = response.json()
    assert updated["operations"] == ["company.created"] and updated["targetUrl"] == webhook["targetUrl"]
    assert updated["isActive"] is False and updated["disabledReason"] == "Disabled by an admin."
    assert updated["secret"] == webhook["secret"]


def test_enabling_again_reports_how_many_failed_deliveries_can_be_resent(api, workspace, actor):
    webhook = create_webhook(api)
    create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)
    patch(api, f"/rest/webhooks/{webhook['id']}", {"isActive": False})

    response = patch(api, f"/rest/webhooks/{webhook['id']}", {"isActive": True})

    updated = response.json()
    assert updated["isActive"] is True and updated["failedDeliveryCount"] == 1


def test_delete_removes_the_webhook(api):
    webhook = create_webhook(api)

    response = api.delete(f"/rest/webhooks/{webhook['id']}")

    assert response.status_code == 200
    assert response.json() is True
    assert api.get(f"/rest/webhooks/{webhook['id']}").status_code == 404


def test_rotating_the_secret_returns_the_new_one_and_the_old_one_still_signs_for_a_day(api):
    webhook = create_webhook(api)

    response = post(api, f"/rest/webhooks/{webhook['id']}/rotate-secret")

    assert response.status_code == 200
    rotated = response.json()["data"]["rotateWebhookSecret"]
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != webhook["secret"]
    assert rotated["previousSecretExpiresAt"] is not None
    endpoint = WebhookEndpoint.objects.get(id=webhook["id"])
    assert endpoint.signing_secrets() == [rotated["secret"], webhook["secret"]]


def test_the_test_route_sends_a_signed_test_event_and_answers_with_the_outcome(api, receiver):
    webhook = create_webhook(api, targetUrl=receiver.url)

    response = post(api, f"/rest/webhooks/{webhook['id']}/test")

    assert response.status_code == 200
    outcome = response.json()["data"]["testWebhook"]
    assert outcome["succeeded"] is True and outcome["statusCode"] == 200 and outcome["durationMs"] >= 0
    (request,) = receiver.received()
    assert Webhook(webhook["secret"]).verify(request.body, request.headers)["eventName"] == "webhook.test"
    assert request.header("webhook-id") == outcome["deliveryId"]
    assert outcome["body"] == request.json()


def test_a_failing_test_event_reports_the_failure(api, receiver):
    webhook = create_webhook(api, targetUrl=receiver.url)
    receiver.respond = lambda request: Reply(500, body=b"database down")

    outcome = post(api, f"/rest/webhooks/{webhook['id']}/test").json()["data"]["testWebhook"]

    assert outcome["succeeded"] is False and outcome["statusCode"] == 500
    assert outcome["responseBody"] == "database down"


def test_deliveries_are_listed_newest_first_with_attempts_and_paginated(api, workspace, actor, receiver, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [timedelta(0)]
    webhook = create_webhook(api, targetUrl=receiver.url)
    receiver.respond = lambda request: Reply(503 if len(receiver.requests) == 1 else 200)
    names = [f"P{i}" for i in range(5)]
    for name in names:
        create_record(workspace, "person", {"name": {"firstName": name}}, actor)
    oldest = Delivery.objects.order_by("created_at").first()
    deliver(oldest.id)
    deliver(oldest.id)

    first = api.get(f"/rest/webhooks/{webhook['id']}/deliveries?limit=3").json()
    cursor = first["pageInfo"]["endCursor"]
    second = api.get(f"/rest/webhooks/{webhook['id']}/deliveries?limit=3&starting_after={cursor}").json()

    assert first["totalCount"] == 5 and first["pageInfo"]["hasNextPage"] is True
    assert second["pageInfo"]["hasNextPage"] is False
    deliveries = first["data"]["deliveries"] + second["data"]["deliveries"]
    assert [d["id"] for d in deliveries] == [
        str(i) for i in Delivery.objects.order_by("-created_at").values_list("id", flat=True)
    ]
    assert all(d["status"] == "succeeded" and d["event"] == "person.created" for d in deliveries)
    assert [a["statusCode"] for a in deliveries[-1]["attempts"]] == [503, 200]
    assert deliveries[-1]["attempts"][0]["requestHeaders"]["webhook-id"] == str(oldest.id)
    # The log shows the body the receiver got.
    sent = {r.header("webhook-id"): r.json() for r in receiver.received()}
    assert all(d["body"] == sent[d["id"]] for d in deliveries)


def test_deliveries_can_be_filtered_by_status_and_event(api, workspace, actor):
    webhook = create_webhook(api)
    person = create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)
    create_record(workspace, "company", {"name": "Northwind"}, actor)
    Delivery.objects.filter(event__record_id=person["id"]).update(status="failed")
    path = f"/rest/webhooks/{webhook['id']}/deliveries"

    failed = api.get(path + "?status=failed").json()["data"]["deliveries"]
    companies = api.get(path + "?event=company.*").json()["data"]["deliveries"]

    assert [d["event"] for d in failed] == ["person.created"]
    assert [d["event"] for d in companies] == ["company.created"]
    assert api.get(path + "?status=lost").status_code == 400
    assert api.get(path + "?limit=1000").status_code == 400
    assert api.get(path + "?starting_after=nonsense").status_code == 400


def test_resend_makes_the_delivery_due_again_under_the_same_id(api, workspace, actor, receiver):
    webhook = create_webhook(api, targetUrl=receiver.url)
    create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)
    delivery = Delivery.objects.get()
    deliver(delivery.id)

    response = post(api, f"/rest/webhooks/{webhook['id']}/deliveries/{delivery.id}/resend")

    assert response.status_code == 202
    assert response.json()["data"]["resendDelivery"]["status"] == "pending"
    deliver(delivery.id)
    assert [r.header("webhook-id") for r in receiver.received()] == [str(delivery.id)] * 2


def test_resend_and_recover_on_a_disabled_webhook_are_conflicts(api, workspace, actor):
    webhook = create_webhook(api)
    create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)
    disable_endpoint(WebhookEndpoint.objects.get(id=webhook["id"]))
    delivery = Delivery.objects.get()

    resend = post(api, f"/rest/webhooks/{webhook['id']}/deliveries/{delivery.id}/resend")
    recover = post(api, f"/rest/webhooks/{webhook['id']}/recover", {"since": "2020-01-01T00:00:00Z"})

    assert resend.status_code == recover.status_code == 409
    assert resend.json()["error"] == "ConflictException"


def test_recover_resends_the_failed_deliveries_since_the_given_time(api, workspace, actor):
    webhook = create_webhook(api)
    for name in ("Old", "New"):
        create_record(workspace, "person", {"name": {"firstName": name}}, actor)
    Delivery.objects.update(status="failed")
    Delivery.objects.filter(event__record__name__firstName="Old").update(created_at=timezone.now() - timedelta(days=2))
    since = (timezone.now() - timedelta(days=1)).isoformat()

    response = post(api, f"/rest/webhooks/{webhook['id']}/recover", {"since": since})

    assert response.status_code == 202
    assert response.json()["data"]["recoverWebhookDeliveries"]["count"] == 1
    assert sorted(Delivery.objects.values_list("status", flat=True)) == ["failed", "pending"]
    assert post(api, f"/rest/webhooks/{webhook['id']}/recover", {"since": "yesterday"}).status_code == 400
    assert post(api, f"/rest/webhooks/{webhook['id']}/recover", {"since": "2026-01-01T00:00:00"}).status_code == 400
    assert post(api, f"/rest/webhooks/{webhook['id']}/recover", {}).status_code == 400


def test_read_only_keys_are_refused_on_every_webhook_route_reads_included(api, read_only_api, workspace, actor):
    webhook = create_webhook(api)
    create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)
    delivery = Delivery.objects.get()
    base = f"/rest/webhooks/{webhook['id']}"

    refused = [
        read_only_api.get("/rest/webhooks"),
        read_only_api.get(base),
        read_only_api.get(base + "/deliveries"),
        post(read_only_api, "/rest/webhooks", {"targetUrl": "https://x.example.com"}),
        patch(read_only_api, base, {"description": "mine"}),
        read_only_api.delete(base),
        post(read_only_api, base + "/rotate-secret"),
        post(read_only_api, base + "/test"),
        post(read_only_api, base + f"/deliveries/{delivery.id}/resend"),
        post(read_only_api, base + "/recover", {"since": "2020-01-01T00:00:00Z"}),
    ]

    assert [r.status_code for r in refused] == [403] * len(refused)
    assert {r.json()["error"] for r in refused} == {"ForbiddenException"}
    assert all("full-access" in r.json()["messages"][0] for r in refused)
    assert not any(b"hooks.example.com" in r.content or b"whsec_" in r.content for r in refused)
    assert WebhookEndpoint.objects.get().description == ""
    assert api.get(base + "/deliveries").status_code == 200


def test_another_workspaces_webhooks_are_not_found(api, other_api, workspace, actor):
    webhook = create_webhook(api)
    create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)
    delivery = Delivery.objects.get()
    base = f"/rest/webhooks/{webhook['id']}"

    responses = [
        other_api.get(base),
        patch(other_api, base, {"description": "mine"}),
        other_api.delete(base),
        other_api.get(base + "/deliveries"),
        post(other_api, base + "/rotate-secret"),
        post(other_api, base + "/test"),
        post(other_api, base + f"/deliveries/{delivery.id}/resend"),
        post(other_api, base + "/recover", {"since": "2020-01-01T00:00:00Z"}),
    ]

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert responses[0].json()["error"] == "NotFoundException"
    assert other_api.get("/rest/webhooks").json() == []


def test_a_delivery_of_another_webhook_is_not_found(api, workspace, actor):
    first = create_webhook(api)
    second = create_webhook(api, operations=["company.*"])
    create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)
    delivery = Delivery.objects.get(endpoint_id=first["id"])

    assert post(api, f"/rest/webhooks/{second['id']}/deliveries/{delivery.id}/resend").status_code == 404
    assert post(api, f"/rest/webhooks/{second['id']}/deliveries/{uuid.uuid4()}/resend").status_code == 404
    assert api.get("/rest/webhooks/not-a-uuid").status_code == 404


def test_webhook_routes_need_an_api_key():
    response = Client().get("/rest/webhooks")

    assert response.status_code == 401
    assert response.json()["statusCode"] == 401


def test_webhooks_created_over_rest_receive_record_changes(api, workspace, actor):
    webhook = create_webhook(api, operations=["person.created"])
    create_endpoint(workspace, target_url="https://other.example.com", operations=["company.*"])

    create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)

    assert list(Delivery.objects.values_list("endpoint_id", flat=True)) == [uuid.UUID(webhook["id"])]


def test_odd_inputs_are_refused_with_400_not_a_crash(api):
    webhook = create_webhook(api)
    base = f"/rest/webhooks/{webhook['id']}"
    out_of_range = "MDAwMS0wMS0wMVQwMDowMDowMCswNTowMHw2ZjFjMmQzZS00YjVhLTQ5NzgtOGE2Yi01YzRkM2UyZjFhMGI"

    responses = [
        post(api, "/rest/webhooks", {"targetUrl": "https://x.example.com", "operations": 7}),
        post(api, "/rest/webhooks", {"targetUrl": "https://x.example.com", "description": "a\x00b"}),
        patch(api, base, {"description": "a\x00b"}),
        api.get(base + "/deliveries?limit=%C2%B2"),
        api.get(base + "/deliveries?event=person.%00"),
        api.get(base + f"/deliveries?starting_after={out_of_range}"),
        post(api, base + "/recover", {"since": "0001-01-01T00:00:00+05:00"}),
        post(api, base + "/recover", {"since": "9999-12-31T23:59:59-05:00"}),
    ]
    # ISO-8601 allows offsets PostgreSQL does not: the instant is what counts.
    recovered = post(api, base + "/recover", {"since": "2026-01-31T09:00:00+23:30"})

    assert [r.status_code for r in responses] == [400] * len(responses)
    assert recovered.status_code == 202
    assert recovered.json()["data"]["recoverWebhookDeliveries"]["since"] == "2026-01-30T09:30:00.000Z"
