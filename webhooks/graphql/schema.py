"""Webhooks on /metadata: ``webhooks``, ``webhook``, ``createWebhook``, ``updateWebhook``
and ``deleteWebhook``, as Twenty's clients (its Zapier app among them) call them.

Root fields added to the metadata schema (see crm.graphql.metadata_extensions). They
call the same endpoint service as REST and the settings pages, so one rule says what
an operation pattern matches and one check says which target URLs are allowed. Only
full-access keys get here: webhooks can send the workspace's data anywhere.
"""

from __future__ import annotations

import uuid
from typing import Any

import graphene
from graphql import GraphQLResolveInfo

from crm.graphql.context import RequestContext
from crm.graphql.errors import UserInputError
from crm.graphql.scalars import UUID
from crm.query.record_queries import RecordNotFoundError
from webhooks.graphql.types import (
    CreateWebhookInput,
    DeleteWebhookInput,
    GetWebhookInput,
    UpdateWebhookInput,
    Webhook,
    webhook_node,
)
from webhooks.inputs import WEBHOOK_FIELDS, WebhookValidationError
from webhooks.models import WebhookEndpoint
from webhooks.services import endpoints as endpoint_service


def _workspace(info: GraphQLResolveInfo) -> Any:
    context: RequestContext = info.context
    return context.require_full_access().workspace


def _endpoint(info: GraphQLResolveInfo, webhook_id: Any) -> WebhookEndpoint:
    """The webhook, if it belongs to the key's workspace (others' look like missing ones)."""
    endpoint = WebhookEndpoint.objects.filter(workspace=_workspace(info), id=uuid.UUID(str(webhook_id))).first()
    if endpoint is None:
        raise RecordNotFoundError(f"No webhook with id '{webhook_id}'")
    return endpoint


def _given(values: dict[str, Any] | None) -> dict[str, Any]:
    """The endpoint fields given (null means not given, as in Twenty's inputs); the GraphQL
    types have checked their types, WebhookInput checks the rest."""
    return {name: value for name, value in (values or {}).items() if name in WEBHOOK_FIELDS and value is not None}


def _webhook_id(args: dict[str, Any], field: str) -> Any:
    """The id as Twenty's current clients send it (``id``), or in an input object as
    earlier ones do (``input: {id}``)."""
    webhook_id = args.get("id") or (args.get("input") or {}).get("id")
    if webhook_id is None:
        raise UserInputError(f"Give the webhook's id: {field}(id: ...).")
    return webhook_id


def _invalid(error: WebhookValidationError) -> UserInputError:
    return UserInputError(str(error), errors=error.errors)


class WebhookQueries:
    webhooks = graphene.Field(
        graphene.NonNull(graphene.List(graphene.NonNull(Webhook))), description="The workspace's webhooks, oldest first"
    )
    webhook = graphene.Field(
        Webhook,
        id=graphene.Argument(UUID),
        input=graphene.Argument(GetWebhookInput, description="Or the id in an input object"),
        description="One webhook, null when the workspace has none with this id",
    )

    @staticmethod
    def resolve_webhooks(_root: Any, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
        endpoints = WebhookEndpoint.objects.filter(workspace=_workspace(info)).order_by("created_at", "id")
        return [webhook_node(endpoint) for endpoint in endpoints]

    @staticmethod
    def resolve_webhook(_root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any] | None:
        webhook_id = _webhook_id(args, "webhook")
        try:
            return webhook_node(_endpoint(info, webhook_id))
        except RecordNotFoundError:
            return None


class WebhookMutations:
    createWebhook = graphene.Field(  # noqa: N815 - the API's name
        graphene.NonNull(Webhook), input=graphene.Argument(graphene.NonNull(CreateWebhookInput))
    )
    updateWebhook = graphene.Field(  # noqa: N815
        graphene.NonNull(Webhook), input=graphene.Argument(graphene.NonNull(UpdateWebhookInput))
    )
    deleteWebhook = graphene.Field(  # noqa: N815
        graphene.NonNull(Webhook),
        id=graphene.Argument(UUID),
        input=graphene.Argument(DeleteWebhookInput, description="Or the id in an input object"),
        description="Delete a webhook and its delivery log; the webhook as it was",
    )

    @staticmethod
    def resolve_createWebhook(_root: Any, info: GraphQLResolveInfo, input: Any) -> dict[str, Any]:  # noqa: A002, N802
        workspace = _workspace(info)
        try:
            endpoint = endpoint_service.create_endpoint_from_input(workspace, _given(input))
        except WebhookValidationError as error:
            raise _invalid(error) from None
        return webhook_node(endpoint)

    @staticmethod
    def resolve_updateWebhook(_root: Any, info: GraphQLResolveInfo, input: Any) -> dict[str, Any]:  # noqa: A002, N802
        endpoint = _endpoint(info, input["id"])
        changes = {**_given(input), **_given(input.get("update"))}
        try:
            endpoint_service.update_endpoint_from_input(endpoint, changes)
        except WebhookValidationError as error:
            raise _invalid(error) from None
        endpoint.refresh_from_db()
        return webhook_node(endpoint)

    @staticmethod
    def resolve_deleteWebhook(_root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:  # noqa: N802
        endpoint = _endpoint(info, _webhook_id(args, "deleteWebhook"))
        deleted = webhook_node(endpoint)
        endpoint_service.delete_endpoint(endpoint)
        return deleted
