"""A sync round trip, played as an integration written for Twenty plays it (its Zapier app
does these steps), against the real stack: the app over HTTP, the configured broker, a
``celery -A config worker -B`` subprocess and a receiver on 127.0.0.1.

Connect with ``currentWorkspace``, read the schema, subscribe through ``/metadata``,
create, update and delete a person over REST, get the three deliveries with Twenty's
body, a valid Twenty signature and a valid Standard Webhooks signature, unsubscribe.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import pytest
import requests
from receiver import ReceivedRequest
from standardwebhooks import Webhook

from crm.models import Workspace
from crm.services.api_keys import create_api_key
from webhooks.models import Delivery, WebhookEndpoint

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_worker", "private_networks_allowed"),
]

# The documents Twenty's Zapier app sends, as its query builder writes them.
AUTHENTICATION_TEST = "query currentWorkspace {currentWorkspace {id displayName}}"
SCHEMA_QUERY = """query GetObjects {
    objects(paging: {first: 1000}, filter: {isActive: {is:true}}) {
      edges { node { nameSingular namePlural labelSingular
          fields(paging: {first: 1000}, filter: {isActive: {is:true}}) {
            edges { node { type name label description isNullable defaultValue } } } } } } }"""
SUBSCRIBE = (
    'mutation createWebhook {createWebhook(input:{targetUrl: "%s", operations: ["person.*"], secret: ""}) {id secret}}'
)
UNSUBSCRIBE = 'mutation deleteWebhook {deleteWebhook(id: "%s") {id}}'


class TwentyClient:
    """What an integration for Twenty holds: the server's URL and an API key."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {api_key}"

    def graphql(self, query: str, endpoint: str = "graphql") -> dict[str, Any]:
        response = self.session.post(f"{self.base_url}/{endpoint}", json={"query": query}, timeout=30)
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        return body["data"]

    def rest(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.session.request(method, f"{self.base_url}/rest/{path}", json=body, timeout=30)
        assert response.ok, response.text
        return response.json()["data"]


def twenty_signature_is_valid(request: ReceivedRequest, secret: str) -> bool:
    """As a receiver written for Twenty checks it."""
    timestamp = request.header("X-Twenty-Webhook-Timestamp") or ""
    expected = hmac.new(secret.encode(), f"{timestamp}:".encode() + request.body, hashlib.sha256).hexdigest()
    fresh = abs(int(timestamp) / 1000 - time.time()) < 300
    return fresh and hmac.compare_digest(request.header("X-Twenty-Webhook-Signature") or "", expected)


def test_an_integration_written_for_twenty_syncs_people_end_to_end(live_server, receiver, workspace: Workspace):
    twenty = TwentyClient(live_server.url, create_api_key(workspace, "Zapier")[1])

    # Connect: the authentication test, on both endpoints Twenty's clients have used.
    connected = twenty.graphql(AUTHENTICATION_TEST, "metadata")["currentWorkspace"]
    assert connected == {"id": str(workspace.id), "displayName": workspace.name}
    assert twenty.graphql(AUTHENTICATION_TEST)["currentWorkspace"] == connected

    # Read the schema, to find the plural name behind "person".
    objects = twenty.graphql(SCHEMA_QUERY, "metadata")["objects"]["edges"]
    person_object = next(edge["node"] for edge in objects if edge["node"]["nameSingular"] == "person")
    plural = person_object["namePlural"]
    assert "jobTitle" in {edge["node"]["name"] for edge in person_object["fields"]["edges"]}

    # Subscribe.
    webhook = twenty.graphql(SUBSCRIBE % receiver.url, "metadata")["createWebhook"]

    # Create, update and delete a person over REST (a DELETE removes it for good, as in Twenty).
    person = twenty.rest("POST", plural, {"name": {"firstName": "Grace", "lastName": "Hopper"}})["createPerson"]
    updated = twenty.rest("PATCH", f"{plural}/{person['id']}", {"jobTitle": "Rear Admiral"})["updatePerson"]
    twenty.rest("DELETE", f"{plural}/{person['id']}")

    # Deliveries may arrive in any order; each says which event it carries.
    events = ["person.created", "person.updated", "person.destroyed"]
    delivered = {request.json()["eventName"]: request for request in receiver.wait_for(3, timeout=30)}
    assert sorted(delivered) == sorted(events)
    bodies = [delivered[name].json() for name in events]
    for request, body in zip((delivered[name] for name in events), bodies, strict=True):
        assert twenty_signature_is_valid(request, webhook["secret"])
        assert Webhook(webhook["secret"]).verify(request.body, request.headers) == body
        assert body["targetUrl"] == receiver.url and body["webhookId"] == webhook["id"]
        assert body["workspaceId"] == str(workspace.id)
        assert body["objectMetadata"]["nameSingular"] == "person" and body["objectMetadata"]["id"]
        assert body["eventDate"].endswith("Z") and body["id"]
        assert body["record"]["id"] == person["id"]
    created, changed, destroyed = bodies
    assert created["record"] == person and "updatedFields" not in created
    assert changed["record"] == updated and changed["updatedFields"] == ["jobTitle"]
    assert destroyed["record"] == updated and "updatedFields" not in destroyed

    # Unsubscribe: nothing more is owed to the receiver.
    assert twenty.graphql(UNSUBSCRIBE % webhook["id"], "metadata") == {"deleteWebhook": {"id": webhook["id"]}}
    assert not WebhookEndpoint.objects.filter(id=webhook["id"]).exists()
    twenty.rest("POST", plural, {"name": {"firstName": "Ada", "lastName": "Lovelace"}})
    assert not Delivery.objects.exists()
    time.sleep(1.0)
    assert len(receiver.received()) == 3
