"""The webhook types of the /metadata GraphQL schema, with Twenty's names and fields.

Twenty's clients have used two generations of inputs: flat ones (``updateWebhook(input:
{id, targetUrl})``, ``webhook(input: {id})``) and nested ones (``updateWebhook(input:
{id, update: {targetUrl}})``, ``webhook(id)``). Both are accepted, so either works here.
"""

from __future__ import annotations

from typing import Any

import graphene

from crm.graphql.core_types import getter
from crm.graphql.scalars import UUID, DateTime
from crm.query.serialize import format_datetime
from webhooks.models import WebhookEndpoint


class Webhook(graphene.ObjectType):
    class Meta:
        name = "Webhook"
        description = "A webhook endpoint of the workspace"

    id = graphene.Field(graphene.NonNull(UUID), resolver=getter("id"))
    targetUrl = graphene.String(required=True, resolver=getter("targetUrl"))  # noqa: N815 - the API's name
    operations = graphene.NonNull(graphene.List(graphene.NonNull(graphene.String)), resolver=getter("operations"))
    description = graphene.String(resolver=getter("description"))
    secret = graphene.String(
        required=True,
        resolver=getter("secret"),
        description="Signs every delivery (Standard Webhooks and X-Twenty-Webhook-Signature)",
    )
    workspaceId = graphene.Field(graphene.NonNull(UUID), resolver=getter("workspaceId"))  # noqa: N815
    isActive = graphene.Boolean(required=True, resolver=getter("isActive"))  # noqa: N815
    disabledAt = graphene.Field(DateTime, resolver=getter("disabledAt"))  # noqa: N815
    disabledReason = graphene.String(resolver=getter("disabledReason"))  # noqa: N815
    lastSuccessAt = graphene.Field(DateTime, resolver=getter("lastSuccessAt"))  # noqa: N815
    createdAt = graphene.Field(graphene.NonNull(DateTime), resolver=getter("createdAt"))  # noqa: N815
    updatedAt = graphene.Field(graphene.NonNull(DateTime), resolver=getter("updatedAt"))  # noqa: N815
    deletedAt = graphene.Field(  # noqa: N815
        DateTime, resolver=getter("deletedAt"), description="Always null: a deleted webhook is gone"
    )


def webhook_node(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": str(endpoint.id),
        "targetUrl": endpoint.target_url,
        "operations": list(endpoint.operations or []),
        "description": endpoint.description or None,
        "secret": endpoint.secret,
        "workspaceId": str(endpoint.workspace_id),
        "isActive": endpoint.is_active,
        "disabledAt": format_datetime(endpoint.disabled_at),
        "disabledReason": endpoint.disabled_reason or None,
        "lastSuccessAt": format_datetime(endpoint.last_success_at),
        "createdAt": format_datetime(endpoint.created_at),
        "updatedAt": format_datetime(endpoint.updated_at),
        "deletedAt": None,
    }


class GetWebhookInput(graphene.InputObjectType):
    id = graphene.InputField(graphene.NonNull(UUID))


class CreateWebhookInput(graphene.InputObjectType):
    targetUrl = graphene.String(required=True)  # noqa: N815
    operations = graphene.List(
        graphene.NonNull(graphene.String), description='Default ["*.*"]: every change of every object'
    )
    description = graphene.String()
    secret = graphene.String(description="Leave out (or send an empty string) for a generated secret")


class UpdateWebhookInputUpdates(graphene.InputObjectType):
    targetUrl = graphene.String()  # noqa: N815
    operations = graphene.List(graphene.NonNull(graphene.String))
    description = graphene.String()
    secret = graphene.String(description="A new secret; an empty string for a generated one")
    isActive = graphene.Boolean(description="false disables the webhook, true enables it again")  # noqa: N815


class UpdateWebhookInput(graphene.InputObjectType):
    id = graphene.InputField(graphene.NonNull(UUID), description="The id of the webhook to update")
    update = graphene.InputField(UpdateWebhookInputUpdates, description="The fields to change")
    # The same fields directly on the input, as earlier Twenty clients send them.
    targetUrl = graphene.String()  # noqa: N815
    operations = graphene.List(graphene.NonNull(graphene.String))
    description = graphene.String()
    secret = graphene.String()
    isActive = graphene.Boolean()  # noqa: N815


class DeleteWebhookInput(graphene.InputObjectType):
    id = graphene.InputField(graphene.NonNull(UUID))
