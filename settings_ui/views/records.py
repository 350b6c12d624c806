"""Record pages: a sortable, paginated table per object and a read-only page per record."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.metadata.schema import CompiledObject
from crm.query.record_queries import RecordNotFoundError, UnknownObjectError, get_object
from settings_ui.decorators import workspace_required
from settings_ui.services.record_menu import has_record_pages, page_icon
from settings_ui.services.record_pages import record_detail, record_list


def _object(request: HttpRequest, object_plural: str) -> CompiledObject:
    try:
        obj = get_object(request.workspace, object_plural)
    except UnknownObjectError:
        raise Http404("No such list") from None
    if obj.name_plural != object_plural or not has_record_pages(obj):
        raise Http404("No such list")
    return obj


@require_GET
@workspace_required
def record_list_page(request: HttpRequest, object_plural: str) -> HttpResponse:
    obj = _object(request, object_plural)
    listing = record_list(
        request.workspace,
        obj,
        sort=request.GET.get("sort") or None,
        descending=request.GET.get("dir") == "desc",
        page_number=request.GET.get("page", 1),
    )
    return render(request, "records/list.html", {"obj": obj, "icon": page_icon(obj), "listing": listing})


@require_GET
@workspace_required
def record_detail_page(request: HttpRequest, object_plural: str, record_id: str) -> HttpResponse:
    obj = _object(request, object_plural)
    try:
        detail = record_detail(request.workspace, obj, record_id)
    except RecordNotFoundError:
        raise Http404(f"No {obj.label_singular.lower()} with this id") from None
    return render(request, "records/detail.html", {"obj": obj, "icon": page_icon(obj), "record": detail})
