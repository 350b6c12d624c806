"""Webhooks of a custom object: endpoints subscribe to its operations as soon as it
exists, its record changes are delivered signed to a real receiver with its metadata,
and subscriptions are refused for an object another workspace has."""

from __future__ import annotations

import pytest
from custom_object_setup import make_projects
from django.test import Client
from standardwebhooks import Webhook

from crm.services.records import create_record, update_record
from webhooks.inputs import WebhookValidationError
from webhooks.models import Delivery, Event
from webhooks.services.delivering import deliver
from webhooks.services.endpoints import create_endpoint

pytestmark = pytest.mark.usefixtures("webhook_broker", "private_networks_allowed")


def test_a_custom_object_change_is_delivered_to_a_subscribed_receiver(workspace, actor, receiver):
    project_object = make_projects(workspace)
    endpoint = create_endpoint(workspace, target_url=receiver.url, operations=["project.created", "project.updated"])
    project = create_record(workspace, "project", {"name": "Apollo", "priority": 1}, actor)
    update_record(workspace, "project", project["id"], {"priority": 2}, actor)
    create_record(workspace, "milestone", {"name": "Launch"}, actor)

    assert sorted(Event.objects.values_list("name", flat=True)) == [
        "milestone.created",
        "project.created",
        "project.updated",
    ]
    deliveries = Delivery.objects.filter(endpoint=endpoint).order_by("created_at")
    assert [d.event.name for d in deliveries] == ["project.created", "project.updated"]
    deliver(deliveries[0].id)
    request = receiver.received()[0]
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["eventName"] == "project.created"
    assert payload["record"]["name"] == "Apollo" and payload["record"]["id"] == project["id"]
    assert payload["objectMetadata"] == {"id": str(project_object.id), "nameSingular": "project"}


def test_operations_name_custom_objects_only_in_their_workspace(workspace, other_workspace, api_token, settings):
    make_projects(workspace)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")
    response = api.post(
        "/rest/webhooks",
        {"targetUrl": "https://example.com/hook", "operations": ["project.*", "milestone.deleted"]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    with pytest.raises(WebhookValidationError, match='unknown object "project"'):
        create_endpoint(other_workspace, target_url="https://example.com/hook", operations=["project.*"])
