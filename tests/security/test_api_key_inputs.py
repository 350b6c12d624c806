"""API key input is judged by one declaration (crm/services/api_key_input.py): the
settings form, the create_api_key command and the service refuse the same input in the
same words, and write nothing. One rule per row."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from crm.models import ApiKey
from crm.services.api_key_input import ApiKeyValidationError
from crm.services.api_keys import create_api_key

RULES = {
    "a name is required": ("   ", None, "Give the key a name."),
    "a name fits its column": ("x" * 101, None, "Use at most 100 characters."),
    "a name holds no NUL": ("Za\x00pier", None, "Null characters are not allowed."),
    "a lifetime is positive": ("Zapier", 0, "The lifetime must be a positive number of days."),
}


@pytest.mark.parametrize(("name", "days", "message"), RULES.values(), ids=RULES.keys())
def test_the_service_and_the_command_refuse_in_the_same_words(workspace, name, days, message):
    with pytest.raises(ApiKeyValidationError) as refused:
        create_api_key(workspace, name, lifetime_days=days)
    with pytest.raises(CommandError) as command:
        call_command("create_api_key", workspace=workspace.slug, name=name, expires_in_days=days)

    assert message in refused.value.messages[0]
    assert message in str(command.value)
    assert not ApiKey.objects.filter(workspace=workspace).exists()


@pytest.mark.parametrize(("name", "message"), [(n, m) for n, d, m in RULES.values() if d is None])
def test_the_settings_form_shows_the_same_message_on_the_name(admin_client, workspace, admin_user, name, message):
    response = admin_client.post(
        reverse("settings_ui:api_key_new"), {"name": name, "expiration": "90", "access": "full"}
    )

    errors = response.context["form"].errors["name"]
    assert any(message in error for error in errors)
    assert not ApiKey.objects.filter(workspace=workspace).exists()
