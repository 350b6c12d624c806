"""What a webhook endpoint accepts, declared once.

``WebhookInput`` is the one statement of the fields a client may send (by their API
names), their types, limits and rules. The endpoint service validates every creation
and change through it, whichever door it came in by (REST, GraphQL on /metadata, the
settings pages, Python), and the OpenAPI document describes the request bodies from it,
so what is documented is what is checked.

Errors come out as ``WebhookValidationError``: messages per field by API name, which
REST answers as a 400 with ``messages`` and GraphQL as ``BAD_USER_INPUT`` with
``fieldErrors``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.validators import ProhibitNullCharactersValidator, RegexValidator
from rest_framework import serializers
from rest_framework.settings import api_settings

from crm.metadata.schema import get_workspace_schema
from crm.models import Workspace
from crm.services.input_errors import InvalidInput
from webhooks.operations import ACTIONS, ANY
from webhooks.safe_http import MalformedTargetError, UnsafeTargetError, validate_target_url

MAX_URL_LENGTH = 2048
MAX_DESCRIPTION_LENGTH = 2000
MAX_SECRET_LENGTH = 100  # the column's size
MAX_OPERATIONS = 50
ALL_OPERATIONS = f"{ANY}.{ANY}"
URL_REQUIRED = "Enter the URL that should receive the events; it is required."
EXPECTED_TEXT = "Expected text."
TOO_LONG = "Use at most {max_length} characters."
NO_OPERATIONS = 'Choose at least one event, such as "*.*" for every event.'


class WebhookValidationError(InvalidInput):
    """Invalid endpoint input, by field (API name)."""


class Text(serializers.CharField):
    """Text as sent: a number or a list is refused rather than turned into text."""

    default_error_messages = {
        "invalid": EXPECTED_TEXT,
        "null": EXPECTED_TEXT,
        "max_length": TOO_LONG,
        "nul_character": "Must not contain NUL characters.",  # PostgreSQL text refuses them
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        # Refused in to_internal_value with a message of our own, before the length.
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        if "\x00" in data:
            self.fail("nul_character")
        return data.strip() if self.trim_whitespace else data


class TargetUrl(Text):
    """An http(s) URL whose address may be called (see webhooks.safe_http)."""

    default_error_messages = {"required": URL_REQUIRED, "blank": URL_REQUIRED, "null": URL_REQUIRED}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(trim_whitespace=True, max_length=MAX_URL_LENGTH, **kwargs)

    def run_validators(self, value: str) -> None:
        super().run_validators(value)  # the length first: no point judging a URL that cannot be stored
        try:
            validate_target_url(value)
        except MalformedTargetError as error:
            raise serializers.ValidationError(
                f"Enter a full http:// or https:// URL, such as https://example.com/webhooks ({error})."
            ) from error
        except UnsafeTargetError as error:
            raise serializers.ValidationError(str(error)) from error


class Secret(Text):
    """A signing secret used exactly as given; any text is accepted, as Twenty does, so a
    receiver that already holds a secret can keep it. Empty or null: a generated one."""

    default_error_messages = {
        # Almost always a copy-paste accident, which would make every signature differ.
        "padded": "Must not start or end with spaces or line breaks.",
        "control": "Must not contain control characters.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=MAX_SECRET_LENGTH, allow_blank=True, allow_null=True, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        if data != data.strip():
            self.fail("padded")
        if any(ord(char) < 32 or ord(char) == 127 for char in data):
            self.fail("control")
        return data


class Operations(serializers.ListField):
    """Operations as "object.action" with "*" on either side, deduplicated in order; one
    operation alone may be sent as a string."""

    default_error_messages = {
        "not_a_list": 'Expected a list of operations, such as ["*.*"].',
        "empty": NO_OPERATIONS,
        "min_length": NO_OPERATIONS,
        "null": NO_OPERATIONS,
        "max_length": "Use at most {max_length} operations.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            child=serializers.CharField(), allow_empty=False, min_length=1, max_length=MAX_OPERATIONS, **kwargs
        )

    def describe_objects(self, objects: set[str]) -> None:
        """Let the document say which operations this workspace accepts (its objects)."""
        pattern = rf"^(\*|{'|'.join(sorted(objects))})\.(\*|{'|'.join(ACTIONS)})$"
        self.child.validators = [RegexValidator(pattern)]

    def to_internal_value(self, data: Any) -> list[str]:
        if isinstance(data, str):
            data = [data]
        if not isinstance(data, list):
            self.fail("not_a_list")
        if not data:
            self.fail("empty")
        if len(data) > MAX_OPERATIONS:  # before looking at each of a few thousand
            self.fail("max_length", max_length=MAX_OPERATIONS)
        objects = self.parent.objects
        cleaned: list[str] = []
        errors: list[str] = []
        for item in data:
            if not isinstance(item, str) or item.count(".") != 1:
                errors.append(f'"{item}" is not an operation: use "object.action", for example "person.created".')
                continue
            object_name, action = item.strip().split(".")
            if object_name != ANY and object_name not in objects:
                errors.append(f'"{item}": unknown object "{object_name}".')
            elif action != ANY and action not in ACTIONS:
                errors.append(f'"{item}": unknown action "{action}" (use one of {", ".join(ACTIONS)} or *).')
            elif f"{object_name}.{action}" not in cleaned:
                cleaned.append(f"{object_name}.{action}")
        if errors:
            raise serializers.ValidationError(errors)
        return cleaned


class StrictBoolean(serializers.BooleanField):
    """true or false, not "yes", 1 or "on"."""

    default_error_messages = {"invalid": "Expected true or false.", "null": "Expected true or false."}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class WebhookInput(serializers.Serializer):
    """A webhook endpoint as a client writes it. Validated values are keyed by the
    endpoint's attributes (``target_url``, ``is_active``, ...)."""

    default_error_messages = {"invalid": "Expected a JSON object."}

    targetUrl = TargetUrl(  # noqa: N815 - the API's name
        source="target_url",
        help_text="http or https URL. Loopback, private and link-local addresses are refused.",
    )
    operations = Operations(
        default=[ALL_OPERATIONS],
        help_text='Events to receive, as "object.action" with * for any: `*.*`, `person.*`, `*.created`.',
    )
    description = Text(
        max_length=MAX_DESCRIPTION_LENGTH,
        allow_blank=True,
        allow_null=True,
        default="",
        help_text="What receives these events.",
    )
    secret = Secret(
        required=False,
        help_text="A signing secret of your choice, used as given; leave out, null or empty for a generated one "
        "(`whsec_...`). On a change, a new secret replaces the old one as a rotation does.",
    )
    isActive = StrictBoolean(  # noqa: N815
        source="is_active",
        default=True,
        help_text="false disables the endpoint (its waiting deliveries fail); true enables it again.",
    )

    def __init__(self, *args: Any, objects: Iterable[str], **kwargs: Any) -> None:
        """``objects``: the names of the workspace's objects, which operations may name."""
        super().__init__(*args, **kwargs)
        self.objects = set(objects)
        self.fields["operations"].describe_objects(self.objects)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {
                        api_settings.NON_FIELD_ERRORS_KEY: [
                            f"Unknown field(s): {', '.join(unknown)}. Writable fields: {', '.join(self.fields)}."
                        ]
                    }
                )
        return super().to_internal_value(data)

    def validate_description(self, value: str | None) -> str:
        return (value or "").strip()


def webhook_values(workspace: Workspace, data: Any, *, partial: bool = False) -> dict[str, Any]:
    """The endpoint attributes ``data`` (a mapping by API names) sets, validated: all of
    them with their defaults, or (``partial``) only those given. Raises
    ``WebhookValidationError``."""
    serializer = WebhookInput(data=data, objects=get_workspace_schema(workspace).objects, partial=partial)
    if not serializer.is_valid():
        raise WebhookValidationError(
            {
                "" if name == api_settings.NON_FIELD_ERRORS_KEY else name: [str(message) for message in messages]
                for name, messages in serializer.errors.items()
            }
        )
    return dict(serializer.validated_data)


# The fields by API name, and the API name of each endpoint attribute they set.
WEBHOOK_FIELDS = tuple(WebhookInput._declared_fields)
API_NAMES = {field.source or name: name for name, field in WebhookInput._declared_fields.items()}


def webhook_data(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Endpoint attributes (``target_url=...``) as the input WebhookInput reads (``targetUrl``)."""
    unknown = set(attributes) - set(API_NAMES)
    if unknown:
        raise TypeError(f"Not endpoint input: {', '.join(sorted(unknown))}")
    return {API_NAMES[attribute]: value for attribute, value in attributes.items()}
