"""/rest/webhooks/{id}/deliveries and the actions on them: test, resend, recover."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from crm.query.serialize import format_datetime
from webhooks.models import Delivery
from webhooks.rest.common import WebhookApiView, parse_uuid
from webhooks.rest.shapes import attempt_shape, body_shape, delivery_shape
from webhooks.services.deliveries import (
    UnknownStatusError,
    list_deliveries,
    recover_failed,
    resend_delivery,
    send_test_event,
)

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def encode_cursor(delivery: Delivery) -> str:
    raw = f"{delivery.created_at.isoformat()}|{delivery.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def in_utc(when: datetime) -> datetime | None:
    """The instant in UTC, None when that falls outside years 1 to 9999. Queries get UTC:
    PostgreSQL refuses offsets beyond 15:59, which ISO-8601 allows (up to 23:59)."""
    try:
        return when.astimezone(UTC)
    except OverflowError:
        return None


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, _, delivery_id = raw.partition("|")
        when = parse_datetime(created)
        parse_uuid(delivery_id, "delivery")
    except (binascii.Error, UnicodeDecodeError, ValueError, exceptions.NotFound):
        when = None
    if when is not None and when.tzinfo is not None:
        when = in_utc(when)
    if when is None or when.tzinfo is None:
        raise exceptions.ValidationError(f"Invalid cursor '{cursor[:60]}'.")
    return when, delivery_id


def parse_limit(raw: str | None) -> int:
    if raw in (None, ""):
        return DEFAULT_LIMIT
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if not raw.strip().isdecimal() or not 1 <= int(raw) <= MAX_LIMIT:
        raise exceptions.ValidationError(f"limit must be a whole number from 1 to {MAX_LIMIT}, not '{raw[:20]}'.")
    return int(raw)


def parse_instant(raw: object, name: str) -> datetime:
    if not isinstance(raw, str) or not raw.strip():
        raise exceptions.ValidationError(f"{name}: Expected an ISO-8601 date and time, e.g. 2026-01-31T09:00:00Z.")
    try:
        when = parse_datetime(raw.strip())
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise exceptions.ValidationError(
            f"{name}: '{raw[:40]}' is not an ISO-8601 date and time with a time zone, e.g. 2026-01-31T09:00:00Z."
        )
    utc = in_utc(when)
    if utc is None:
        raise exceptions.ValidationError(f"{name}: '{raw[:40]}' is out of range.")
    return utc


class DeliveryListView(WebhookApiView):
    """GET /rest/webhooks/{id}/deliveries: newest first, each with its attempts.

    Filters: ``status`` (pending, delivering, succeeded, failed) and ``event``
    ("person.created", "person.*", "*.deleted"). Pages: ``limit`` (default 20, at most
    100) and ``starting_after`` (the previous page's endCursor).
    """

    def get(self, request: Request, webhook_id: str) -> Response:
        endpoint = self.get_endpoint(webhook_id)
        params = request.query_params
        limit = parse_limit(params.get("limit"))
        if "\x00" in params.get("event", ""):  # PostgreSQL refuses NUL in a query parameter
            raise exceptions.ValidationError("event must not contain NUL characters.")
        try:
            deliveries: QuerySet[Delivery] = list_deliveries(
                endpoint, status=params.get("status") or None, event=params.get("event") or None
            )
        except UnknownStatusError as error:
            raise exceptions.ValidationError(str(error)) from None
        total = deliveries.count()
        after = params.get("starting_after")
        if after:
            created, delivery_id = decode_cursor(after)
            deliveries = deliveries.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=delivery_id))
        page = list(deliveries[: limit + 1])
        has_next = len(page) > limit
        page = page[:limit]
        return Response(
            {
                "data": {"deliveries": [delivery_shape(d, endpoint=endpoint) for d in page]},
                "pageInfo": {
                    "hasNextPage": has_next,
                    "hasPreviousPage": bool(after),
                    "startCursor": encode_cursor(page[0]) if page else None,
                    "endCursor": encode_cursor(page[-1]) if page else None,
                },
                "totalCount": total,
            }
        )


class WebhookTestView(WebhookApiView):
    """POST /rest/webhooks/{id}/test: send a webhook.test event now and answer with the outcome."""

    def post(self, request: Request, webhook_id: str) -> Response:
        endpoint = self.get_endpoint(webhook_id)
        attempt = send_test_event(endpoint, actor=self.actor)
        outcome = {"deliveryId": str(attempt.delivery_id), **attempt_shape(attempt)}
        outcome["body"] = body_shape(attempt.delivery, endpoint)
        return Response({"data": {"testWebhook": outcome}})


class DeliveryResendView(WebhookApiView):
    """POST /rest/webhooks/{id}/deliveries/{deliveryId}/resend: a fresh round of
    attempts, same webhook-id."""

    def post(self, request: Request, webhook_id: str, delivery_id: str) -> Response:
        endpoint = self.get_endpoint(webhook_id)
        pk = parse_uuid(delivery_id, "delivery")
        delivery = Delivery.objects.select_related("event", "endpoint").filter(id=pk, endpoint=endpoint).first()
        if delivery is None:
            raise exceptions.NotFound(f"No delivery with id '{pk}' for this webhook.")
        resend_delivery(delivery)
        return Response({"data": {"resendDelivery": delivery_shape(delivery, attempts=False)}}, status=202)


class WebhookRecoverView(WebhookApiView):
    """POST /rest/webhooks/{id}/recover with {"since": ISO-8601}: resend every failed
    delivery created since then."""

    def post(self, request: Request, webhook_id: str) -> Response:
        endpoint = self.get_endpoint(webhook_id)
        body = self.json_body(request)
        if not isinstance(body, dict):
            raise exceptions.ValidationError('Expected a JSON object like {"since": "2026-01-31T09:00:00Z"}.')
        since = parse_instant(body.get("since"), "since")
        count = recover_failed(endpoint, since)
        return Response(
            {"data": {"recoverWebhookDeliveries": {"count": count, "since": format_datetime(since)}}}, status=202
        )
