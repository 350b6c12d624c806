"""Managing webhook endpoints: what the settings pages, REST and GraphQL call. Every
creation and change is validated by webhooks.inputs.WebhookInput."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.models import Workspace
from webhooks.inputs import webhook_data, webhook_values
from webhooks.models import Delivery, WebhookEndpoint
from webhooks.models.event import TEST_EVENT_NAME
from webhooks.signing import generate_secret

T = TypeVar("T")

# Long enough for a receiver to deploy the new secret without dropping messages.
PREVIOUS_SECRET_GRACE = timedelta(hours=24)
DISABLED_BY_ADMIN = "Disabled by an admin."


class UnchangedType:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = UnchangedType()


class EndpointDisabledError(ValueError):
    """The endpoint is disabled: deliveries cannot be resent until it is enabled again."""


def create_endpoint(workspace: Workspace, **attributes: Any) -> WebhookEndpoint:
    """A new endpoint from its attributes (``target_url``, ``operations``, ``description``,
    ``secret``, ``is_active``; None or left out for the default), signing with the given
    secret or a fresh one (readable on the returned object)."""
    given = {name: value for name, value in attributes.items() if value is not None}
    return create_endpoint_from_input(workspace, webhook_data(given))


def create_endpoint_from_input(workspace: Workspace, data: Any) -> WebhookEndpoint:
    """A new endpoint from a client's input by API names (see webhooks.inputs)."""
    values = webhook_values(workspace, data)
    is_active = values["is_active"]
    return WebhookEndpoint.objects.create(
        workspace=workspace,
        target_url=values["target_url"],
        operations=values["operations"],
        description=values["description"],
        secret=values.get("secret") or generate_secret(),
        is_active=is_active,
        disabled_at=None if is_active else timezone.now(),
        disabled_reason="" if is_active else DISABLED_BY_ADMIN,
    )


def update_endpoint(endpoint: WebhookEndpoint, **attributes: Any) -> WebhookEndpoint:
    """Change the given attributes (leave the others out, or UNCHANGED)."""
    given = {name: value for name, value in attributes.items() if value is not UNCHANGED}
    return update_endpoint_from_input(endpoint, webhook_data(given))


def update_endpoint_from_input(endpoint: WebhookEndpoint, data: Any) -> WebhookEndpoint:
    """Change the fields ``data`` gives (API names). Turning an endpoint off fails its
    pending deliveries; turning it on again starts a fresh failure count. A new secret
    (empty or null for a generated one) replaces the current one as a rotation does."""
    changes = webhook_values(endpoint.workspace, data, partial=True)
    is_active = changes.pop("is_active", None)
    with transaction.atomic():
        if "secret" in changes:
            new_secret = changes.pop("secret") or generate_secret()
            if new_secret != endpoint.secret:
                _replace_secret(endpoint, new_secret)
        if changes:
            for attr, value in changes.items():
                setattr(endpoint, attr, value)
            endpoint.save(update_fields=[*changes, "updated_at"])
        if is_active is True and not endpoint.is_active:
            enable_endpoint(endpoint)
        elif is_active is False and endpoint.is_active:
            disable_endpoint(endpoint)
    return endpoint


# How often a write is tried when an endpoint's delete and a worker's log of its
# attempts overlap and one refuses the other (delete_endpoint, outcomes.record).
OVERLAP_TRIES = 3


def tried_again_on_overlap(write: Callable[[], T], *, tries: int = OVERLAP_TRIES) -> T:
    """``write()``, tried again when a foreign key refused it, up to ``tries`` times in
    all. ``write`` must leave nothing behind when refused: a statement or a transaction
    of its own."""
    while True:
        try:
            return write()
        except IntegrityError:
            tries -= 1
            if not tries:
                raise


def delete_endpoint(endpoint: WebhookEndpoint) -> None:
    """Remove the endpoint with its delivery log.

    A worker may log an attempt of one of its deliveries (one it was sending as the
    delete began) after the delete removed the attempts it saw and before it removes
    the deliveries: that delivery is then still referenced, and the delete is refused
    when it commits. Tried again, the delete sees that attempt and removes it too."""
    # By query, not endpoint.delete(): that empties the instance's id even when the
    # commit then fails, and a second try would have nothing to delete.
    endpoints = WebhookEndpoint.objects.filter(pk=endpoint.pk)

    def delete() -> None:
        with transaction.atomic():
            endpoints.delete()

    tried_again_on_overlap(delete)


def rotate_secret(endpoint: WebhookEndpoint) -> str:
    """A new secret; the old one keeps signing alongside it for PREVIOUS_SECRET_GRACE."""
    _replace_secret(endpoint, generate_secret())
    return endpoint.secret


def _replace_secret(endpoint: WebhookEndpoint, secret: str) -> None:
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + PREVIOUS_SECRET_GRACE
    endpoint.secret = secret
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])


def disable_endpoint(endpoint: WebhookEndpoint, reason: str = DISABLED_BY_ADMIN) -> int:
    """Stop delivering to the endpoint; its waiting deliveries become failed (resendable
    after enabling). Returns how many deliveries were failed."""
    now = timezone.now()
    with transaction.atomic():
        updated = WebhookEndpoint.objects.filter(id=endpoint.id, is_active=True).update(
            is_active=False, disabled_at=now, disabled_reason=reason, updated_at=now
        )
        failed = Delivery.objects.filter(endpoint_id=endpoint.id, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.FAILED,
            next_attempt_at=None,
            queued_until=None,
            last_error=f"Not sent: the endpoint was disabled. {reason}",
        )
    if updated:
        endpoint.is_active, endpoint.disabled_at, endpoint.disabled_reason = False, now, reason
    return failed


def enable_endpoint(endpoint: WebhookEndpoint) -> int:
    """Deliver to the endpoint again. Returns how many failed deliveries could now be
    resent (see recover_failed)."""
    now = timezone.now()
    WebhookEndpoint.objects.filter(id=endpoint.id).update(
        is_active=True,
        disabled_at=None,
        disabled_reason="",
        consecutive_failures=0,
        first_failure_at=None,
        updated_at=now,
    )
    endpoint.is_active, endpoint.disabled_at, endpoint.disabled_reason = True, None, ""
    endpoint.consecutive_failures, endpoint.first_failure_at = 0, None
    return resendable_count(endpoint)


def resendable_count(endpoint: WebhookEndpoint) -> int:
    """Failed deliveries of the endpoint still in the log (test events aside)."""
    return (
        Delivery.objects.filter(endpoint_id=endpoint.id, status=Delivery.Status.FAILED)
        .exclude(event__name=TEST_EVENT_NAME)
        .count()
    )
