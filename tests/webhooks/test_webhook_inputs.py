"""One rule per row: the same bad webhook input sent through REST, GraphQL on /metadata
and the settings form is refused by each in the same words, and nothing is written.

The form has no box for every field (the secret and the state are set elsewhere, and
its events are a grid of known ones): those rows go through the APIs only."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from django.test import Client
from django.urls import reverse
from metadata_client import meta

from webhooks.models import WebhookEndpoint

GOOD_URL = "https://hooks.example.com/crm"
CREATE = "mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { id } }"


class Rule(NamedTuple):
    field: str  # the API name
    value: Any
    message: str  # the whole refusal, or a part of it where the rest is the address's
    form: dict[str, Any] | None  # the same input typed into the settings form


URL_SHAPE = "Enter a full http:// or https:// URL, such as https://example.com/webhooks (invalid URL: "
RULES = {
    "a URL is required": Rule(
        "targetUrl", "", "Enter the URL that should receive the events; it is required.", {"target_url": ""}
    ),
    "only http and https": Rule(
        "targetUrl",
        "ftp://hooks.example.com/x",
        URL_SHAPE + "only http and https are allowed).",
        {"target_url": "ftp://hooks.example.com/x"},
    ),
    "a URL needs a host": Rule(
        "targetUrl", "https:///hook", URL_SHAPE + "the host is missing).", {"target_url": "https:///hook"}
    ),
    "no spaces inside a URL": Rule(
        "targetUrl",
        "https://hooks.example.com/a b",
        URL_SHAPE + "it contains spaces or control characters).",
        {"target_url": "https://hooks.example.com/a b"},
    ),
    "no cloud metadata address": Rule(
        "targetUrl",
        "http://169.254.169.254/latest",
        "refused address 169.254.169.254",
        {"target_url": "http://169.254.169.254/latest"},
    ),
    "no private address": Rule(
        "targetUrl", "http://10.1/x", "refused address 10.0.0.1", {"target_url": "http://10.1/x"}
    ),
    "a URL fits its column": Rule(
        "targetUrl",
        GOOD_URL + "/" + "a" * 2100,
        "Use at most 2048 characters.",
        {"target_url": GOOD_URL + "/" + "a" * 2100},
    ),
    "a description fits its column": Rule(
        "description", "x" * 2001, "Use at most 2000 characters.", {"description": "x" * 2001}
    ),
    "no NUL in a description": Rule(
        "description", "a\x00b", "Must not contain NUL characters.", {"description": "a\x00b"}
    ),
    "at least one event": Rule(
        "operations", [], 'Choose at least one event, such as "*.*" for every event.', {"events": []}
    ),
    "operations name the workspace's objects": Rule(
        "operations", ["spaceship.*"], '"spaceship.*": unknown object "spaceship".', None
    ),
    "operations name known actions": Rule(
        "operations", ["person.exploded"], '"person.exploded": unknown action "exploded"', None
    ),
    "a secret is not padded": Rule("secret", " padded ", "Must not start or end with spaces or line breaks.", None),
    "a secret has no control characters": Rule("secret", "line\nbreak", "Must not contain control characters.", None),
    "a secret fits its column": Rule("secret", "s" * 101, "Use at most 100 characters.", None),
}


@pytest.fixture(autouse=True)
def _public_targets_only(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False


def refused_by_rest(client: Client, token: str, rule: Rule) -> list[str]:
    response = client.post(
        "/rest/webhooks",
        {"targetUrl": GOOD_URL, rule.field: rule.value},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 400, response.content
    prefix = f"{rule.field}: "
    return [m.removeprefix(prefix) for m in response.json()["messages"] if m.startswith(prefix)]


def refused_by_graphql(client: Client, token: str, rule: Rule) -> list[str]:
    response = meta(client, token, CREATE, {"input": {"targetUrl": GOOD_URL, rule.field: rule.value}})
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    return error["extensions"]["fieldErrors"][rule.field]


def refused_by_the_form(client: Client, admin_user, rule: Rule) -> list[str]:
    client.force_login(admin_user)
    form_data = {"target_url": GOOD_URL, "description": "", "all_events": "", "events": ["person.created"]}
    response = client.post(reverse("settings_ui:webhook_new"), {**form_data, **rule.form})
    assert response.status_code == 200
    form_field = {"targetUrl": "target_url", "operations": "events"}.get(rule.field, rule.field)
    return list(response.context["form"].errors[form_field])


@pytest.mark.parametrize("rule", RULES.values(), ids=RULES.keys())
def test_every_door_refuses_bad_webhook_input_in_the_same_words(client, api_token, admin_user, rule):
    refusals = [refused_by_rest(client, api_token, rule), refused_by_graphql(client, api_token, rule)]
    if rule.form is not None:
        refusals.append(refused_by_the_form(client, admin_user, rule))

    assert all(refusal == refusals[0] for refusal in refusals), refusals
    assert len(refusals[0]) == 1 and rule.message in refusals[0][0]
    assert not WebhookEndpoint.objects.exists()
