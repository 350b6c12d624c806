"""Plain Django views for the busiest REST requests, without DRF's per-request machinery.

For each request DRF wraps a Request around Django's, makes its parsers, authenticators,
permissions and renderer anew, negotiates what to answer and renders through a template
response: about a tenth of the CPU of reading one record, and as much of creating one.
``answer`` gives a plain view the contract of ``crm.rest.base.ApiView``, to the byte:
the API key authenticated and the request counted against its rate limit, the limit's
headers on every answer, read-only keys refused on writes, errors in the REST shape.
So a route may answer its busiest method here and leave every other to its DRF view
(crm/rest/views/records.py); the tests of both paths are the same.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from rest_framework import exceptions
from rest_framework.views import APIView

from crm.models import ApiKey
from crm.rest.base import ApiKeyAuthentication, WritesNeedFullAccess, key_allows, render_json
from crm.rest.errors import RateLimited, error_body, status_and_messages
from crm.services.api_access import authenticate_header_and_count
from crm.services.api_keys import ApiKeyError

logger = logging.getLogger(__name__)

# The header DRF's views send with a refused key.
AUTHENTICATE = ApiKeyAuthentication().authenticate_header(None)  # type: ignore[arg-type]

# What a request does once its key is known: the answer's body and status.
Handler = Callable[[ApiKey], tuple[Any, int]]


def allowed_methods(view_class: type[APIView]) -> str:
    """The ``Allow`` header of a DRF view's answers: its methods, HEAD with GET as Django adds it."""
    view = view_class()
    if hasattr(view, "get") and not hasattr(view, "head"):
        view.head = view.get  # as View.setup does for every request
    return ", ".join(view.allowed_methods)


def answer(request: HttpRequest, handler: Handler, *, allow: str) -> HttpResponse:
    """Authenticate and count ``request``, then answer with ``handler``; ``allow`` is the
    route's methods, which DRF names on every answer."""
    headers = {"Allow": allow}
    try:
        key, limit = authenticate_header_and_count(request.META.get("HTTP_AUTHORIZATION"))
    except ApiKeyError as error:
        return _json(error_body(401, error.messages), 401, {**headers, "WWW-Authenticate": AUTHENTICATE})
    headers.update(limit.headers())
    try:
        if not limit.allowed:
            raise RateLimited(limit.message)
        if not key_allows(key, request.method):
            raise exceptions.PermissionDenied(WritesNeedFullAccess.message)
        body, status = handler(key)
    except Exception as error:  # every failure answers in the API's shape, as DRF's views do
        mapped = status_and_messages(error)
        if mapped is None:
            logger.exception("Unhandled error in %s %s", request.method, request.path)
            mapped = (500, ["Internal server error."])
        status, messages = mapped
        body = error_body(status, messages)
    return _json(body, status, headers)


def _json(body: Any, status: int, headers: dict[str, str]) -> HttpResponse:
    return HttpResponse(render_json(body), status=status, content_type="application/json", headers=headers)
