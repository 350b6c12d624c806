"""What the webhook pages read: endpoints with their health, and the delivery log as
people read it (bodies pretty-printed, the latest attempt up front)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from crm.models import Workspace
from webhooks.models import Attempt, Delivery, WebhookEndpoint
from webhooks.services.payload import build_payload

STATUS_TONES = {
    Delivery.Status.SUCCEEDED: "success",
    Delivery.Status.FAILED: "danger",
    Delivery.Status.PENDING: "warning",
    Delivery.Status.DELIVERING: "accent",
}


def endpoint_status(endpoint: WebhookEndpoint) -> str:
    """active, failing (its latest deliveries fail but it is still tried) or disabled."""
    if not endpoint.is_active:
        return "disabled"
    if endpoint.consecutive_failures:
        return "failing"
    return "active"


def workspace_endpoints(workspace: Workspace) -> QuerySet[WebhookEndpoint]:
    """The workspace's endpoints, each with its latest delivery's time and status (one query)."""
    latest = Delivery.objects.filter(endpoint=OuterRef("pk")).order_by("-created_at", "-id")
    return WebhookEndpoint.objects.filter(workspace=workspace).annotate(
        last_delivery_at=Subquery(latest.values("created_at")[:1]),
        last_delivery_status=Subquery(latest.values("status")[:1]),
        last_delivery_code=Subquery(latest.values("last_status_code")[:1]),
    )


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def pretty_body(text: str) -> str:
    """A response excerpt, indented when it is JSON."""
    try:
        return pretty_json(json.loads(text))
    except ValueError:
        return text


@dataclass
class DeliveryRow:
    delivery: Delivery
    attempts: list[Attempt]
    last_attempt: Attempt | None
    request_body: str
    request_headers: str
    response_headers: str
    response_body: str

    @property
    def tone(self) -> str:
        return STATUS_TONES.get(self.delivery.status, "neutral")

    @property
    def is_test(self) -> bool:
        return self.delivery.event.name == "webhook.test"


def delivery_rows(endpoint: WebhookEndpoint, deliveries: list[Delivery]) -> list[DeliveryRow]:
    rows = []
    for delivery in deliveries:
        attempts = list(delivery.attempts.all())
        last = attempts[-1] if attempts else None
        rows.append(
            DeliveryRow(
                delivery=delivery,
                attempts=attempts,
                last_attempt=last,
                request_body=pretty_json(build_payload(delivery.event, endpoint)),
                request_headers=_headers(last.request_headers if last else {}),
                response_headers=_headers(last.response_headers if last else {}),
                response_body=pretty_body(last.response_body) if last else "",
            )
        )
    return rows


def _headers(headers: dict[str, str]) -> str:
    return "\n".join(f"{name}: {value}" for name, value in headers.items())


def test_result(attempt: Attempt) -> dict[str, Any]:
    """A test attempt as the endpoint page's script shows it."""
    code = attempt.status_code
    if attempt.succeeded:
        summary = f"The receiver answered {code}."
    elif code is not None:
        summary = attempt.error or f"The receiver answered {code}."
    else:
        summary = attempt.error or "The request failed."
    return {
        "succeeded": attempt.succeeded,
        "summary": summary,
        "statusCode": code,
        "durationMs": attempt.duration_ms,
        "error": attempt.error,
        "responseBody": pretty_body(attempt.response_body),
        "deliveryId": str(attempt.delivery_id),
        "attemptedAt": attempt.started_at.isoformat(),
    }
