"""Delivery operations behind the settings pages and the REST API: the log, test
events, resending."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone

from crm.services.actor import Actor
from webhooks.models import Attempt, Delivery, Event, WebhookEndpoint
from webhooks.models.event import TEST_EVENT_NAME
from webhooks.services import publisher
from webhooks.services.delivering import attempt_delivery
from webhooks.services.endpoints import EndpointDisabledError


class UnknownStatusError(ValueError):
    pass


def list_deliveries(
    endpoint: WebhookEndpoint, status: str | None = None, event: str | None = None
) -> QuerySet[Delivery]:
    """The endpoint's deliveries, newest first, each with its event and its attempts
    (oldest first) loaded in two further queries however many there are.

    ``event`` is an event name ("person.created") or a pattern like the operations
    ("person.*", "*.deleted", or just "person").
    """
    deliveries = Delivery.objects.filter(endpoint=endpoint)
    if status:
        if status not in Delivery.Status.values:
            raise UnknownStatusError(f"Unknown status '{status}': use one of {', '.join(Delivery.Status.values)}.")
        deliveries = deliveries.filter(status=status)
    if event:
        object_name, _, action = event.partition(".")
        if object_name not in ("", "*"):
            deliveries = deliveries.filter(event__object_name=object_name)
        if action not in ("", "*"):
            deliveries = deliveries.filter(event__action=action)
    return (
        deliveries.select_related("event")
        .prefetch_related(Prefetch("attempts", queryset=Attempt.objects.order_by("started_at", "number")))
        .order_by("-created_at", "-id")
    )


def send_test_event(endpoint: WebhookEndpoint, actor: Actor | None = None) -> Attempt:
    """POST a "webhook.test" event to the endpoint now, through the same signing, HTTP
    and logging path as real deliveries, and return the attempt so the page can show
    the outcome at once. Works on a disabled endpoint too (to check it before enabling);
    a test is never retried and does not count toward the endpoint's health."""
    with transaction.atomic():
        event = Event.objects.create(
            workspace=endpoint.workspace,
            name=TEST_EVENT_NAME,
            object_name="webhook",
            action="test",
            record={
                "message": "This is a test event. Your endpoint is reachable and can verify our signature.",
                "webhookId": str(endpoint.id),
            },
            actor=actor.as_dict() if actor else {"source": "SYSTEM", "name": "System"},
        )
        # Not due for anyone else (no next_attempt_at): only this call sends it.
        delivery = Delivery.objects.create(event=event, endpoint=endpoint, status=Delivery.Status.PENDING)
    attempt = attempt_delivery(delivery.id, ignore_endpoint_limit=True)
    if attempt is None:  # only if something deleted the delivery meanwhile
        raise RuntimeError("the test delivery could not be sent")
    return attempt


def resend_delivery(delivery: Delivery) -> Delivery:
    """Send the delivery again with a fresh round of retries. The webhook-id stays the
    same, so a receiver that did get it before can tell. A delivery already waiting
    or being sent is left as it is."""
    if not delivery.endpoint.is_active:
        raise EndpointDisabledError("Enable the endpoint before resending its deliveries.")
    now = timezone.now()
    restarted = Delivery.objects.filter(
        id=delivery.id, status__in=[Delivery.Status.SUCCEEDED, Delivery.Status.FAILED]
    ).update(
        status=Delivery.Status.PENDING,
        round_start=F("attempt_count"),
        next_attempt_at=now,
    )
    delivery.refresh_from_db()
    if restarted:
        endpoint_id = delivery.endpoint_id
        transaction.on_commit(lambda: publisher.publish([endpoint_id]))
    return delivery


def recover_failed(endpoint: WebhookEndpoint, since: datetime) -> int:
    """Resend every failed delivery of the endpoint created at or after ``since``
    (after an outage, once the receiver is fixed). Returns how many."""
    if not endpoint.is_active:
        raise EndpointDisabledError("Enable the endpoint before recovering its failed deliveries.")
    now = timezone.now()
    count = (
        Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.FAILED, created_at__gte=since)
        .exclude(event__name=TEST_EVENT_NAME)
        .update(
            status=Delivery.Status.PENDING,
            round_start=F("attempt_count"),
            next_attempt_at=now,
        )
    )
    if count:
        # One message for the endpoint: the worker that gets it sends them in batches.
        endpoint_id = endpoint.id
        transaction.on_commit(lambda: publisher.publish([endpoint_id]))
    return count
