"""/rest/webhooks (and /rest/metadata/webhooks): endpoints, so automations can
subscribe themselves, in the shapes Twenty's webhook controller answers: the webhook
itself (not wrapped in an envelope), a plain list of them (a page in Twenty's metadata
envelope under /rest/metadata), and ``true`` for a deletion. The body is read by
webhooks.inputs.WebhookInput through the endpoint service."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from crm.rest.metadata_pages import paginate
from webhooks.rest.common import WebhookApiView, endpoints_with_counts
from webhooks.rest.shapes import webhook_shape
from webhooks.services import endpoints as endpoint_service


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
        endpoint = endpoint_service.create_endpoint_from_input(self.workspace, self.json_body(request))
        endpoint.failed_delivery_count = 0
        return Response(webhook_shape(endpoint), status=201)


class WebhookDetailView(WebhookApiView):
    """GET, PATCH and DELETE /rest/webhooks/{id}."""

    def get(self, request: Request, webhook_id: str) -> Response:
        return Response(webhook_shape(self.get_endpoint(webhook_id, with_counts=True)))

    def patch(self, request: Request, webhook_id: str) -> Response:
        endpoint = self.get_endpoint(webhook_id)
        endpoint_service.update_endpoint_from_input(endpoint, self.json_body(request))
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
