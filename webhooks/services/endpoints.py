"""Managing webhook endpoints: what the settings pages and the REST API call."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from crm.metadata.schema import get_workspace_schema
from crm.models import Workspace
from crm.services.input_errors import InvalidInput
from webhooks.models import Delivery, WebhookEndpoint
from webhooks.models.endpoint import ACTIONS
from webhooks.models.event import TEST_EVENT_NAME
from webhooks.safe_http import UnsafeTargetError, validate_target_url
from webhooks.signing import generate_secret

MAX_URL_LENGTH = 2048
MAX_DESCRIPTION_LENGTH = 2000
MAX_SECRET_LENGTH = 100  # the column's size
MAX_OPERATIONS = 50
# Long enough for a receiver to deploy the new secret without dropping messages.
PREVIOUS_SECRET_GRACE = timedelta(hours=24)
DISABLED_BY_ADMIN = "Disabled by an admin."


class UnchangedType:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = UnchangedType()


class WebhookValidationError(InvalidInput):
    """Invalid endpoint input, by field (API name)."""


class EndpointDisabledError(ValueError):
    """The endpoint is disabled: deliveries cannot be resent until it is enabled again."""


def clean_target_url(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise WebhookValidationError({"targetUrl": ["Enter the URL that should receive the events."]})
    url = value.strip()
    if len(url) > MAX_URL_LENGTH:
        raise WebhookValidationError({"targetUrl": [f"Use at most {MAX_URL_LENGTH} characters."]})
    try:
        validate_target_url(url)
    except UnsafeTargetError as exc:
        raise WebhookValidationError({"targetUrl": [str(exc)]}) from exc
    return url


def clean_operations(workspace: Workspace, value: Any) -> list[str]:
    """Operations as "object.action" with "*" allowed on either side, deduplicated in order."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not value:
        raise WebhookValidationError({"operations": ['Choose at least one operation, such as "*.*".']})
    if len(value) > MAX_OPERATIONS:
        raise WebhookValidationError({"operations": [f"Use at most {MAX_OPERATIONS} operations."]})
    objects = set(get_workspace_schema(workspace).objects)
    cleaned: list[str] = []
    errors: list[str] = []
    for item in value:
        if not isinstance(item, str) or item.count(".") != 1:
            errors.append(f'"{item}" is not an operation: use "object.action", for example "person.created".')
            continue
        object_name, action = item.strip().split(".")
        if object_name != "*" and object_name not in objects:
            errors.append(f'"{item}": unknown object "{object_name}".')
        elif action != "*" and action not in ACTIONS:
            errors.append(f'"{item}": unknown action "{action}" (use one of {", ".join(ACTIONS)} or *).')
        elif f"{object_name}.{action}" not in cleaned:
            cleaned.append(f"{object_name}.{action}")
    if errors:
        raise WebhookValidationError({"operations": errors})
    return cleaned


def clean_description(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise WebhookValidationError({"description": ["Expected text."]})
    if "\x00" in value:  # PostgreSQL text refuses it
        raise WebhookValidationError({"description": ["Must not contain NUL characters."]})
    if len(value) > MAX_DESCRIPTION_LENGTH:
        raise WebhookValidationError({"description": [f"Use at most {MAX_DESCRIPTION_LENGTH} characters."]})
    return value.strip()


def clean_secret(value: Any) -> str:
    """A signing secret chosen by the user, or a generated one when none (or "") is given.

    Any text is accepted, as Twenty does, so a receiver that already holds a secret can
    keep it; it is used exactly as given.
    """
    if value is None or value == "":
        return generate_secret()
    if not isinstance(value, str):
        raise WebhookValidationError({"secret": ["Expected text."]})
    if len(value) > MAX_SECRET_LENGTH:
        raise WebhookValidationError({"secret": [f"Use at most {MAX_SECRET_LENGTH} characters."]})
    if value != value.strip():
        # Almost always a copy-paste accident, which would make every signature differ.
        raise WebhookValidationError({"secret": ["Must not start or end with spaces or line breaks."]})
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise WebhookValidationError({"secret": ["Must not contain control characters."]})
    return value


def create_endpoint(
    workspace: Workspace,
    *,
    target_url: str,
    operations: Iterable[str] | None = None,
    description: str = "",
    is_active: bool = True,
    secret: str | None = None,
) -> WebhookEndpoint:
    """A new endpoint, signing with the given secret or a fresh one (readable on the
    returned object)."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for field, clean, raw in (
        ("targetUrl", clean_target_url, target_url),
        ("operations", lambda v: clean_operations(workspace, v), ["*.*"] if operations is None else list(operations)),
        ("description", clean_description, description),
        ("secret", clean_secret, secret),
    ):
        try:
            values[field] = clean(raw)
        except WebhookValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise WebhookValidationError(errors)
    now = timezone.now()
    return WebhookEndpoint.objects.create(
        workspace=workspace,
        target_url=values["targetUrl"],
        operations=values["operations"],
        description=values["description"],
        secret=values["secret"],
        is_active=bool(is_active),
        disabled_at=None if is_active else now,
        disabled_reason="" if is_active else DISABLED_BY_ADMIN,
    )


def update_endpoint(
    endpoint: WebhookEndpoint,
    *,
    target_url: Any = UNCHANGED,
    operations: Any = UNCHANGED,
    description: Any = UNCHANGED,
    is_active: Any = UNCHANGED,
    secret: Any = UNCHANGED,
) -> WebhookEndpoint:
    """Change the given fields (leave the others UNCHANGED). Turning an endpoint off
    fails its pending deliveries; turning it on again starts a fresh failure count. A
    new secret ("" for a generated one) replaces the current one as a rotation does."""
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    for attr, clean, raw in (
        ("target_url", clean_target_url, target_url),
        ("operations", lambda v: clean_operations(endpoint.workspace, v), operations),
        ("description", clean_description, description),
        ("secret", clean_secret, secret),
    ):
        if raw is UNCHANGED:
            continue
        try:
            changes[attr] = clean(raw)
        except WebhookValidationError as exc:
            errors.update(exc.errors)
    if is_active is not UNCHANGED and not isinstance(is_active, bool):
        errors["isActive"] = ["Expected true or false."]
    if errors:
        raise WebhookValidationError(errors)
    new_secret = changes.pop("secret", None)
    with transaction.atomic():
        if new_secret is not None and new_secret != endpoint.secret:
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


def delete_endpoint(endpoint: WebhookEndpoint) -> None:
    """Remove the endpoint with its delivery log."""
    endpoint.delete()


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
