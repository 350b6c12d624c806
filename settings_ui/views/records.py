"""Record pages: a sortable, paginated table per object and a read-only page per record."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.metadata.schema import CompiledObject
from crm.query.record_queries import RecordNotFoundError, UnknownObjectError, get_object
from settings_ui.decorators import workspace_required
from settings_ui.services.record_pages import OBJECT_ICONS, RECORD_PAGES, record_detail, record_list


def _object(request: HttpRequest, object_plural: str) -> CompiledObject:
    if object_plural not in RECORD_PAGES:
        raise Http404("No such list")
    try:
        return get_object(request.workspace, object_plural)
    except UnknownObjectError:
        raise Http404("No such list") from None


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
    return render(request, "records/list.html", {"obj": obj, "icon": OBJECT_ICONS[object_plural], "listing": listing})


@require_GET
@workspace_required
def record_detail_page(request: HttpRequest, object_plural: str, record_id: str) -> HttpResponse:
    obj = _object(request, object_plural)
    try:
        detail = record_detail(request.workspace, obj, record_id)
    except RecordNotFoundError:
        raise Http404(f"No {obj.label_singular.lower()} with this id") from None
    return render(request, "records/detail.html", {"obj": obj, "icon": OBJECT_ICONS[object_plural], "record": detail})
