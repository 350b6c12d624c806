"""/rest/webhooks (and /rest/metadata/webhooks): endpoints, so automations can
subscribe themselves, in the shapes Twenty's webhook controller answers: the webhook
itself (not wrapped in an envelope), a plain list of them (a page in Twenty's metadata
envelope under /rest/metadata), and ``true`` for a deletion."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from crm.rest.metadata_pages import paginate
from webhooks.rest.common import WebhookApiView, endpoints_with_counts
from webhooks.rest.shapes import webhook_shape
from webhooks.services import endpoints as endpoint_service

WRITABLE = {
    "targetUrl": "target_url",
    "operations": "operations",
    "description": "description",
    "secret": "secret",
    "isActive": "is_active",
}


def writable_fields(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise exceptions.ValidationError("Expected a JSON object.")
    unknown = sorted(set(data) - set(WRITABLE))
    if unknown:
        raise exceptions.ValidationError(
            f"Unknown field(s): {', '.join(unknown)}. Writable fields: {', '.join(WRITABLE)}."
        )
    return {WRITABLE[name]: value for name, value in data.items()}


class WebhookListView(WebhookApiView):
    """GET /rest/webhooks (list, oldest first) and POST /rest/webhooks (create)."""

    # Under /rest/metadata/webhooks the list is a page: limit, starting_after, ending_before.
    paged = False

    def get(self, request: Request) -> Response:
        endpoints = list(endpoints_with_counts(self.workspace).order_by("created_at", "id"))
        shapes = [webhook_shape(e) for e in endpoints]
        if not self.paged:
            return Response(shapes)
        page = paginate(shapes, request.query_params)
        return Response({"data": page.items, "pageInfo": page.page_info, "totalCount": page.total_count})

    def post(self, request: Request) -> Response:
        fields = writable_fields(self.json_body(request))
        if "target_url" not in fields:
            raise exceptions.ValidationError("targetUrl: Enter the URL that should receive the events.")
        if "is_active" in fields and not isinstance(fields["is_active"], bool):
            raise exceptions.ValidationError("isActive: Expected true or false.")
        operations = fields.get("operations")
        if operations is not None and not isinstance(operations, list | str):
            # create_endpoint makes a list of whatever it gets: a number or true would crash it.
            raise exceptions.ValidationError('operations: Expected a list of operations, such as ["*.*"].')
        endpoint = endpoint_service.create_endpoint(self.workspace, **fields)
        endpoint.failed_delivery_count = 0
        return Response(webhook_shape(endpoint), status=201)


class WebhookDetailView(WebhookApiView):
    """GET, PATCH and DELETE /rest/webhooks/{id}."""

    def get(self, request: Request, webhook_id: str) -> Response:
        return Response(webhook_shape(self.get_endpoint(webhook_id, with_counts=True)))

    def patch(self, request: Request, webhook_id: str) -> Response:
        endpoint = self.get_endpoint(webhook_id)
        fields = writable_fields(self.json_body(request))
        endpoint_service.update_endpoint(endpoint, **fields)
        # Re-read with the count of failed deliveries: after enabling, that is what can be resent.
        return Response(webhook_shape(self.get_endpoint(webhook_id, with_counts=True)))

    def delete(self, request: Request, webhook_id: str) -> Response:
        endpoint = self.get_endpoint(webhook_id)
        endpoint_service.delete_endpoint(endpoint)
        return Response(True)


class WebhookRotateSecretView(WebhookApiView):
    """POST /rest/webhooks/{id}/rotate-secret: a new secret, returned this once; the
    previous one keeps signing alongside it for 24 hours."""

    def post(self, request: Request, webhook_id: str) -> Response:
        endpoint = self.get_endpoint(webhook_id)
        endpoint_service.rotate_secret(endpoint)
        return Response({"data": {"rotateWebhookSecret": webhook_shape(endpoint)}})
