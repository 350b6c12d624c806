"""The JSON shapes of webhooks, deliveries and attempts in the REST API."""

from __future__ import annotations

from typing import Any

from crm.query.serialize import format_datetime
from webhooks.models import Attempt, Delivery, WebhookEndpoint
from webhooks.services.payload import build_payload


def webhook_shape(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """An endpoint as Twenty's webhook controller returns it (id, targetUrl, operations,
    description, secret, createdAt, updatedAt, deletedAt), with its state beside.

    The secret is in every read, as in Twenty and on the settings page: only full-access
    keys read webhooks, and they could replace the secret anyway.
    """
    shape: dict[str, Any] = {
        "id": str(endpoint.id),
        "targetUrl": endpoint.target_url,
        "operations": list(endpoint.operations or []),
        "description": endpoint.description,
        "secret": endpoint.secret,
        "previousSecretExpiresAt": format_datetime(endpoint.previous_secret_expires_at),
        "isActive": endpoint.is_active,
        "disabledAt": format_datetime(endpoint.disabled_at),
        "disabledReason": endpoint.disabled_reason or None,
        "consecutiveFailures": endpoint.consecutive_failures,
        "failingSince": format_datetime(endpoint.first_failure_at),
        "lastSuccessAt": format_datetime(endpoint.last_success_at),
        "createdAt": format_datetime(endpoint.created_at),
        "updatedAt": format_datetime(endpoint.updated_at),
        "deletedAt": None,
    }
    failed = getattr(endpoint, "failed_delivery_count", None)
    if failed is not None:
        shape["failedDeliveryCount"] = failed
    return shape


def attempt_shape(attempt: Attempt) -> dict[str, Any]:
    return {
        "id": str(attempt.id),
        "number": attempt.number,
        "startedAt": format_datetime(attempt.started_at),
        "finishedAt": format_datetime(attempt.finished_at),
        "durationMs": attempt.duration_ms,
        "succeeded": attempt.succeeded,
        "statusCode": attempt.status_code,
        "error": attempt.error or None,
        "requestHeaders": attempt.request_headers,
        "responseHeaders": attempt.response_headers,
        "responseBody": attempt.response_body,
    }


def delivery_shape(
    delivery: Delivery, *, attempts: bool = True, endpoint: WebhookEndpoint | None = None
) -> dict[str, Any]:
    """A delivery; with its endpoint given, also the body every attempt of it sent."""
    shape: dict[str, Any] = {
        "id": str(delivery.id),
        "webhookId": str(delivery.endpoint_id),
        "eventId": str(delivery.event_id),
        "event": delivery.event.name,
        "recordId": str(delivery.event.record_id) if delivery.event.record_id else None,
        "status": delivery.status,
        "attemptCount": delivery.attempt_count,
        "nextAttemptAt": format_datetime(delivery.next_attempt_at),
        "lastStatusCode": delivery.last_status_code,
        "lastError": delivery.last_error or None,
        "createdAt": format_datetime(delivery.created_at),
        "deliveredAt": format_datetime(delivery.delivered_at),
    }
    if endpoint is not None:
        shape["body"] = body_shape(delivery, endpoint)
    if attempts:
        shape["attempts"] = [attempt_shape(a) for a in delivery.attempts.all()]
    return shape


def body_shape(delivery: Delivery, endpoint: WebhookEndpoint) -> dict[str, Any]:
    return build_payload(delivery.event, endpoint)
