"""The Webhooks settings pages: endpoints, their secret and state, test events and the delivery log."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from crm.services.actor import Actor
from settings_ui.decorators import workspace_admin_required
from settings_ui.forms.webhooks import DeliveryFilterForm, WebhookForm, event_objects
from settings_ui.services.webhook_pages import delivery_rows, endpoint_status, test_result, workspace_endpoints
from webhooks.inputs import WebhookValidationError
from webhooks.models import Delivery, WebhookEndpoint
from webhooks.services.deliveries import list_deliveries, recover_failed, resend_delivery, send_test_event
from webhooks.services.endpoints import (
    EndpointDisabledError,
    create_endpoint,
    delete_endpoint,
    disable_endpoint,
    enable_endpoint,
    resendable_count,
    rotate_secret,
    update_endpoint,
)

DELIVERIES_PER_PAGE = 20
# recover_failed's "since" when every failed delivery still in the log should go again.
BEGINNING = datetime(2000, 1, 1, tzinfo=UTC)


def _endpoint(request: HttpRequest, endpoint_id: UUID) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint, workspace=request.workspace, id=endpoint_id)


def _actor(request: HttpRequest) -> Actor:
    membership = request.membership
    return Actor(source="MANUAL", name=membership.display_name, workspace_member_id=str(membership.id))


def _deliveries_label(count: int, adjective: str = "") -> str:
    return f"{count} {adjective}deliver{'y' if count == 1 else 'ies'}"


def _back_to(request: HttpRequest, endpoint: WebhookEndpoint) -> HttpResponse:
    return redirect("settings_ui:webhook", endpoint_id=endpoint.id)


@require_GET
@workspace_admin_required
def webhooks(request: HttpRequest) -> HttpResponse:
    endpoints = list(workspace_endpoints(request.workspace))
    for endpoint in endpoints:
        endpoint.status = endpoint_status(endpoint)
    return render(request, "settings/webhooks.html", {"endpoints": endpoints})


@workspace_admin_required
def webhook_new(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(
        request.POST if request.method == "POST" else None,
        initial={"all_events": True},
        objects=event_objects(request.workspace),
    )
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = create_endpoint(
                request.workspace,
                target_url=form.cleaned_data["target_url"],
                operations=form.operations,
                description=form.cleaned_data["description"],
            )
        except WebhookValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "Webhook created. Use its signing secret to check that deliveries come from us.")
            return _back_to(request, endpoint)
    return render(request, "settings/webhook_form.html", {"form": form, "endpoint": None})


@require_GET
@never_cache
@workspace_admin_required
def webhook(request: HttpRequest, endpoint_id: UUID) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    filters = DeliveryFilterForm(request.GET, objects=event_objects(request.workspace))
    deliveries = list_deliveries(endpoint, status=filters.value("status"), event=filters.value("event"))
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    resendable = resendable_count(endpoint)
    context = {
        "endpoint": endpoint,
        "status": endpoint_status(endpoint),
        "filters": filters,
        "filtered": bool(filters.value("status") or filters.value("event")),
        "page": page,
        "rows": delivery_rows(endpoint, list(page.object_list)),
        "resendable": resendable,
        "resendable_label": _deliveries_label(resendable, "failed "),
    }
    return render(request, "settings/webhook.html", context)


@workspace_admin_required
def webhook_edit(request: HttpRequest, endpoint_id: UUID) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    if request.method == "POST":
        form = WebhookForm(request.POST, objects=event_objects(request.workspace))
        if form.is_valid():
            try:
                update_endpoint(
                    endpoint,
                    target_url=form.cleaned_data["target_url"],
                    operations=form.operations,
                    description=form.cleaned_data["description"],
                )
            except WebhookValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "Webhook saved.")
                return _back_to(request, endpoint)
    else:
        form = WebhookForm.for_endpoint(endpoint.operations, event_objects(request.workspace))
        form.initial.update({"target_url": endpoint.target_url, "description": endpoint.description})
    return render(request, "settings/webhook_form.html", {"form": form, "endpoint": endpoint})


@require_POST
@workspace_admin_required
def webhook_enable(request: HttpRequest, endpoint_id: UUID) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    enable_endpoint(endpoint)
    if request.POST.get("resend_failed"):
        count = recover_failed(endpoint, BEGINNING)
        messages.success(request, f"Webhook enabled. {_deliveries_label(count, 'failed ')} will be sent again.")
    else:
        messages.success(request, "Webhook enabled. New events will be delivered.")
    return _back_to(request, endpoint)


@require_POST
@workspace_admin_required
def webhook_disable(request: HttpRequest, endpoint_id: UUID) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    disable_endpoint(endpoint)
    messages.success(request, "Webhook disabled. Events are no longer delivered to it.")
    return _back_to(request, endpoint)


@require_POST
@workspace_admin_required
def webhook_delete(request: HttpRequest, endpoint_id: UUID) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    url = endpoint.target_url
    delete_endpoint(endpoint)
    messages.success(request, f"Webhook {url} deleted.")
    return redirect("settings_ui:webhooks")


@require_POST
@workspace_admin_required
def webhook_rotate_secret(request: HttpRequest, endpoint_id: UUID) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    rotate_secret(endpoint)
    messages.success(
        request,
        "New signing secret created. Deliveries are signed with both secrets for 24 hours, then only the new one.",
    )
    return _back_to(request, endpoint)


@require_POST
@workspace_admin_required
def webhook_test(request: HttpRequest, endpoint_id: UUID) -> HttpResponse:
    """Send a test event now. Answers JSON to the page's script, or redirects with a message without it."""
    endpoint = _endpoint(request, endpoint_id)
    result = test_result(send_test_event(endpoint, _actor(request)))
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(result)
    if result["succeeded"]:
        messages.success(request, f"Test event sent. {result['summary']}")
    else:
        messages.error(request, f"Test event failed. {result['summary']}")
    return _back_to(request, endpoint)


@require_POST
@workspace_admin_required
def webhook_resend(request: HttpRequest, endpoint_id: UUID, delivery_id: UUID) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    delivery = get_object_or_404(Delivery.objects.select_related("endpoint"), endpoint=endpoint, id=delivery_id)
    try:
        delivery = resend_delivery(delivery)
    except EndpointDisabledError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{delivery.event.name} queued to be sent again.")
    return _back_to(request, endpoint)


@require_POST
@workspace_admin_required
def webhook_recover(request: HttpRequest, endpoint_id: UUID) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    try:
        count = recover_failed(endpoint, BEGINNING)
    except EndpointDisabledError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{_deliveries_label(count, 'failed ')} will be sent again.")
    return _back_to(request, endpoint)
