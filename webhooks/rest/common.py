"""What the webhook REST views share: finding the endpoint in the key's workspace and
turning service errors into API errors."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Count, Q, QuerySet
from rest_framework import exceptions

from crm.models import Workspace
from crm.rest.base import ApiView, FullAccessOnly, HasApiKey
from webhooks.inputs import WebhookValidationError
from webhooks.models import WebhookEndpoint
from webhooks.models.event import TEST_EVENT_NAME
from webhooks.services.endpoints import EndpointDisabledError


class Conflict(exceptions.APIException):
    status_code = 409
    default_code = "conflict"


def endpoints_with_counts(workspace: Workspace) -> QuerySet[WebhookEndpoint]:
    """The workspace's endpoints, each with how many failed deliveries could be resent."""
    return WebhookEndpoint.objects.filter(workspace=workspace).annotate(
        failed_delivery_count=Count(
            "deliveries",
            filter=Q(deliveries__status="failed") & ~Q(deliveries__event__name=TEST_EVENT_NAME),
        )
    )


def parse_uuid(raw: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise exceptions.NotFound(f"No {what} with id '{raw[:60]}'.") from None


class WebhookApiView(ApiView):
    # Reads too: target URLs often carry tokens, deliveries hold payloads and answers.
    permission_classes = [HasApiKey, FullAccessOnly]

    def get_endpoint(self, webhook_id: str, *, with_counts: bool = False) -> WebhookEndpoint:
        """The endpoint, if it belongs to the key's workspace; 404 otherwise (another
        workspace's ids are indistinguishable from ids that do not exist)."""
        pk = parse_uuid(webhook_id, "webhook")
        queryset = (
            endpoints_with_counts(self.workspace)
            if with_counts
            else WebhookEndpoint.objects.filter(workspace=self.workspace)
        )
        endpoint = queryset.select_related("workspace").filter(id=pk).first()
        if endpoint is None:
            raise exceptions.NotFound(f"No webhook with id '{pk}'.")
        return endpoint

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, WebhookValidationError):
            exc = exceptions.ValidationError(exc.messages)
        elif isinstance(exc, EndpointDisabledError):
            exc = Conflict(str(exc))
        return super().handle_exception(exc)
