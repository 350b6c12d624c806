"""Webhooks over the /metadata GraphQL API, as Twenty's clients manage them: listed,
read, created (with a generated or a chosen secret), changed and deleted through the
same endpoint service as REST and the settings pages, only with a full-access key and
only in the key's workspace."""

from __future__ import annotations

import uuid

import pytest
from metadata_client import data_of, meta

from webhooks.models import WebhookEndpoint
from webhooks.services.endpoints import create_endpoint

WEBHOOK_FIELDS = "id targetUrl operations description secret workspaceId createdAt updatedAt deletedAt"


@pytest.fixture(autouse=True)
def _public_targets_only(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False


def error_of(response):
    return response.json()["errors"][0]


def test_zapier_subscribes_and_unsubscribes_with_its_own_documents(client, api_token, workspace):
    # The documents Twenty's Zapier app sends, as its query builder writes them.
    subscribed = data_of(
        meta(
            client,
            api_token,
            'mutation createWebhook {createWebhook(input:{targetUrl: "https://hooks.zapier.com/hooks/standard/1/abc",'
            ' operations: ["person.created"], secret: ""}) {id}}',
        )
    )["createWebhook"]
    endpoint = WebhookEndpoint.objects.get(id=subscribed["id"])
    assert endpoint.workspace == workspace and endpoint.operations == ["person.created"]
    assert endpoint.secret.startswith("whsec_")  # an empty secret means a generated one

    unsubscribed = data_of(
        meta(client, api_token, f'mutation deleteWebhook {{deleteWebhook(id: "{subscribed["id"]}") {{id}}}}')
    )

    assert unsubscribed == {"deleteWebhook": {"id": subscribed["id"]}}
    assert not WebhookEndpoint.objects.filter(id=subscribed["id"]).exists()


@pytest.mark.parametrize(
    "document",
    [
        # Twenty's Zapier app, its newest release, and Twenty's front end: nothing selected, true read back.
        'mutation deleteWebhook {{deleteWebhook(input: {{id: "{id}"}})}}',
        'mutation {{ gone: deleteWebhook(id: "{id}") }}',
    ],
)
def test_a_delete_that_selects_nothing_is_answered_true_as_twentys_earlier_api_did(
    client, api_token, workspace, document
):
    endpoint = create_endpoint(workspace, target_url="https://example.com/hooks")

    answer = data_of(meta(client, api_token, document.format(id=endpoint.id)))

    assert list(answer.values()) == [True]
    assert not WebhookEndpoint.objects.exists()
    variables = {"input": {"id": str(uuid.uuid4())}}
    missing = meta(
        client, api_token, "mutation($input: DeleteWebhookInput) { deleteWebhook(input: $input) }", variables
    )
    assert missing.json()["data"] is None and error_of(missing)["extensions"]["code"] == "NOT_FOUND"


def test_delete_webhook_answers_the_webhook_it_deleted_and_takes_an_input_too(client, api_token, workspace):
    endpoint = create_endpoint(workspace, target_url="https://example.com/hooks", description="Billing")

    deleted = data_of(
        meta(
            client,
            api_token,
            f'mutation {{ deleteWebhook(input: {{id: "{endpoint.id}"}}) {{ id targetUrl description }} }}',
        )
    )["deleteWebhook"]

    assert deleted == {"id": str(endpoint.id), "targetUrl": "https://example.com/hooks", "description": "Billing"}
    assert not WebhookEndpoint.objects.exists()
    nothing = meta(client, api_token, "mutation { deleteWebhook { id } }")
    assert error_of(nothing)["message"] == "Give the webhook's id: deleteWebhook(id: ...)."


def test_create_webhook_answers_twenty_fields_and_keeps_a_chosen_secret(client, api_token, workspace):
    created = data_of(
        meta(
            client,
            api_token,
            f"mutation($input: CreateWebhookInput!) {{ createWebhook(input: $input) {{ {WEBHOOK_FIELDS} }} }}",
            {
                "input": {
                    "targetUrl": "https://example.com/hooks/crm",
                    "operations": ["person.*", "company.created"],
                    "description": "Sync to billing",
                    "secret": "my-own-signing-secret",
                }
            },
        )
    )["createWebhook"]

    assert created == {
        "id": created["id"],
        "targetUrl": "https://example.com/hooks/crm",
        "operations": ["person.*", "company.created"],
        "description": "Sync to billing",
        "secret": "my-own-signing-secret",
        "workspaceId": str(workspace.id),
        "createdAt": created["createdAt"],
        "updatedAt": created["updatedAt"],
        "deletedAt": None,
    }
    assert WebhookEndpoint.objects.get(id=created["id"]).secret == "my-own-signing-secret"


def test_operations_default_to_every_event(client, api_token):
    document = 'mutation { createWebhook(input: {targetUrl: "https://example.com/h"}) { operations } }'
    created = data_of(meta(client, api_token, document))
    assert created["createWebhook"]["operations"] == ["*.*"]


def test_webhooks_and_webhook_read_the_workspace_webhooks(client, api_token, workspace, other_workspace):
    mine = create_endpoint(workspace, target_url="https://example.com/a", operations=["person.*"])
    theirs = create_endpoint(other_workspace, target_url="https://example.com/b")

    listed = data_of(meta(client, api_token, "{ webhooks { id targetUrl secret } }"))["webhooks"]
    by_id = data_of(meta(client, api_token, f'{{ webhook(id: "{mine.id}") {{ id operations }} }}'))["webhook"]
    by_input = data_of(meta(client, api_token, f'{{ webhook(input: {{id: "{mine.id}"}}) {{ id }} }}'))["webhook"]
    other = data_of(meta(client, api_token, f'{{ webhook(id: "{theirs.id}") {{ id }} }}'))["webhook"]

    assert listed == [{"id": str(mine.id), "targetUrl": "https://example.com/a", "secret": mine.secret}]
    assert by_id == {"id": str(mine.id), "operations": ["person.*"]}
    assert by_input == {"id": str(mine.id)}
    assert other is None


def test_update_webhook_takes_twenty_nested_and_flat_inputs(client, api_token, workspace):
    endpoint = create_endpoint(workspace, target_url="https://example.com/a")
    old_secret = endpoint.secret

    nested = data_of(
        meta(
            client,
            api_token,
            f'mutation {{ updateWebhook(input: {{id: "{endpoint.id}", update: {{operations: ["company.*"],'
            f' secret: "rotated-by-hand"}}}}) {{ operations secret }} }}',
        )
    )["updateWebhook"]
    flat = data_of(
        meta(
            client,
            api_token,
            f'mutation {{ updateWebhook(input: {{id: "{endpoint.id}", description: "Billing"}}) {{ description }} }}',
        )
    )["updateWebhook"]

    assert nested == {"operations": ["company.*"], "secret": "rotated-by-hand"}
    assert flat == {"description": "Billing"}
    endpoint.refresh_from_db()
    # A replaced secret keeps signing next to the new one for a while, as a rotation does.
    assert endpoint.signing_secrets() == ["rotated-by-hand", old_secret]


def test_invalid_input_is_a_bad_user_input_error_naming_the_field(client, api_token):
    response = meta(
        client,
        api_token,
        'mutation { createWebhook(input: {targetUrl: "http://127.0.0.1:8000/hook", operations: ["person.sang"]}) '
        "{ id } }",
    )

    error = error_of(response)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(error["extensions"]["fieldErrors"]) == {"targetUrl", "operations"}
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url", ["http://2852039166/", "http://0xa9fea9fe/", "http://0251.0376.0251.0376/", "http://10.1/"]
)
def test_numeric_spellings_of_a_refused_address_are_refused_as_the_dotted_form_is(client, api_token, url):
    response = meta(client, api_token, f'mutation {{ createWebhook(input: {{targetUrl: "{url}"}}) {{ id }} }}')

    error = error_of(response)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "refused address" in " ".join(error["extensions"]["fieldErrors"]["targetUrl"])
    assert not WebhookEndpoint.objects.exists()


def test_another_workspaces_webhook_cannot_be_changed_or_deleted(client, api_token, other_workspace):
    theirs = create_endpoint(other_workspace, target_url="https://example.com/b")

    updated = meta(
        client, api_token, f'mutation {{ updateWebhook(input: {{id: "{theirs.id}", description: "x"}}) {{ id }} }}'
    )
    deleted = meta(client, api_token, f'mutation {{ deleteWebhook(id: "{theirs.id}") {{ id }} }}')
    missing = meta(client, api_token, f'mutation {{ deleteWebhook(id: "{uuid.uuid4()}") {{ id }} }}')

    for response in (updated, deleted, missing):
        assert error_of(response)["extensions"]["code"] == "NOT_FOUND"
    theirs.refresh_from_db()
    assert theirs.description == ""


def test_read_only_keys_can_neither_read_nor_change_webhooks(client, read_only_token, workspace):
    endpoint = create_endpoint(workspace, target_url="https://example.com/a")

    listed = meta(client, read_only_token, "{ webhooks { id } }")
    one = meta(client, read_only_token, f'{{ webhook(id: "{endpoint.id}") {{ secret }} }}')
    created = meta(client, read_only_token, 'mutation { createWebhook(input: {targetUrl: "https://e.com"}) { id } }')

    assert error_of(listed)["extensions"]["code"] == "FORBIDDEN"
    assert error_of(one)["extensions"]["code"] == "FORBIDDEN"
    assert created.status_code == 403 and error_of(created)["extensions"]["code"] == "FORBIDDEN"
    assert WebhookEndpoint.objects.count() == 1
