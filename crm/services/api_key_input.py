"""What an API key accepts, declared once: its name, lifetime and access.

``ApiKeyInput`` states the fields and their rules; the API keys service validates every
creation and rename through it, so the settings form, the ``create_api_key`` command and
Python callers refuse the same things in the same words. Errors come out as
``ApiKeyValidationError``, messages per field.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import ProhibitNullCharactersValidator
from rest_framework import serializers
from rest_framework.settings import api_settings

from crm.services.input_errors import InvalidInput

MAX_NAME_LENGTH = 100  # the column's size
NAME_REQUIRED = "Give the key a name."


class ApiKeyValidationError(InvalidInput):
    """Invalid API key input, by field: name, lifetimeDays, readOnly."""


class ApiKeyInput(serializers.Serializer):
    name = serializers.CharField(
        max_length=MAX_NAME_LENGTH,
        trim_whitespace=True,
        validators=[ProhibitNullCharactersValidator()],
        error_messages={
            "blank": NAME_REQUIRED,
            "required": NAME_REQUIRED,
            "null": NAME_REQUIRED,
            "max_length": "Use at most {max_length} characters.",
        },
    )
    lifetimeDays = serializers.IntegerField(  # noqa: N815 - the API name
        source="lifetime_days",
        min_value=1,
        allow_null=True,
        required=False,
        default=None,
        error_messages={"min_value": "The lifetime must be a positive number of days."},
    )
    readOnly = serializers.BooleanField(source="read_only", required=False, default=False)  # noqa: N815


def api_key_values(data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """The key attributes ``data`` (by API names) sets, validated; ApiKeyValidationError otherwise."""
    serializer = ApiKeyInput(data=data, partial=partial)
    if not serializer.is_valid():
        raise ApiKeyValidationError(
            {
                "" if name == api_settings.NON_FIELD_ERRORS_KEY else name: [str(message) for message in messages]
                for name, messages in serializer.errors.items()
            }
        )
    return dict(serializer.validated_data)
