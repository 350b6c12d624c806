"""Temporary pages until the settings and record pages land."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def records_list(request: HttpRequest, object_plural: str) -> HttpResponse:
    return HttpResponse(object_plural)


@login_required
def apis(request: HttpRequest) -> HttpResponse:
    return HttpResponse("APIs")


@login_required
def webhooks(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Webhooks")
