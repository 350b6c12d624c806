"""One error shape for every failure of the REST API:
``{"statusCode": 404, "error": "NotFoundException", "messages": ["..."]}``.

DRF views route exceptions through ``api_exception_handler``; failures that happen
before a view runs (no matching route, a crash) go through ``handler404`` /
``handler500`` in the root URLconf, which answer in the same shape for API paths.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import orjson
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response

from crm.query.ast import QuerySyntaxError
from crm.query.compile import QueryValueError
from crm.query.record_queries import RecordNotFoundError, UnknownObjectError
from crm.services.fields import FieldNotFoundError
from crm.services.input_errors import InvalidInput

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024

ERROR_NAMES = {
    400: "BadRequestException",
    401: "UNAUTHENTICATED",
    403: "ForbiddenException",
    404: "NotFoundException",
    405: "MethodNotAllowedException",
    406: "NotAcceptableException",
    409: "ConflictException",
    413: "PayloadTooLargeException",
    415: "UnsupportedMediaTypeException",
    429: "TooManyRequestsException",
    500: "InternalServerErrorException",
}


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = f"The request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB."
    default_code = "payload_too_large"


class RateLimited(exceptions.APIException):
    status_code = 429
    default_detail = "Rate limit exceeded."
    default_code = "rate_limited"


def error_body(status: int, messages: Iterable[str]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "error": ERROR_NAMES.get(status, "HttpException"),
        "messages": [str(m) for m in messages] or ["Error"],
    }


def json_error(status: int, messages: Iterable[str]) -> HttpResponse:
    """An error response for code outside DRF (URL resolution, middleware, crashes)."""
    return HttpResponse(orjson.dumps(error_body(status, messages)), status=status, content_type="application/json")


def _flatten(detail: Any, prefix: str = "") -> list[str]:
    if isinstance(detail, dict):
        return [m for key, value in detail.items() for m in _flatten(value, f"{prefix}{key}: ")]
    if isinstance(detail, list):
        return [m for item in detail for m in _flatten(item, prefix)]
    return [f"{prefix}{detail}"]


def status_and_messages(exc: Exception) -> tuple[int, list[str]] | None:
    """Map an exception to (status, messages); None for a genuine bug."""
    if isinstance(exc, InvalidInput):
        return 400, exc.messages or [str(exc)]
    if isinstance(exc, QuerySyntaxError | QueryValueError):
        return 400, [str(exc)]
    if isinstance(exc, RecordNotFoundError):
        # Twenty's words first, for clients that compare them; then which record.
        return 404, [exc.twenty_message, str(exc)]
    if isinstance(exc, UnknownObjectError | FieldNotFoundError):
        return 404, [str(exc)]
    if isinstance(exc, RequestDataTooBig):
        return 413, [PayloadTooLarge.default_detail]
    if isinstance(exc, Http404):
        return 404, ["Not found."]
    if isinstance(exc, DjangoPermissionDenied):
        return 403, [str(exc) or "You do not have permission to perform this action."]
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return 415, [f"{exc.detail} Send JSON with 'Content-Type: application/json'."]
    if isinstance(exc, exceptions.APIException):
        return exc.status_code, _flatten(exc.detail)
    return None


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    mapped = status_and_messages(exc)
    if mapped is None:
        # Never answer an API client with an HTML page; the traceback goes to the log.
        logger.exception("Unhandled error in %s", context.get("view").__class__.__name__)
        mapped = (500, ["Internal server error."])
    status, messages = mapped
    headers: dict[str, str] = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    if status == 405:
        view = context.get("view")
        if view is not None:
            headers["Allow"] = ", ".join(view.allowed_methods)
    return Response(error_body(status, messages), status=status, headers=headers)


def is_api_path(path: str) -> bool:
    return path == "/rest" or path.startswith("/rest/")


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_path(request.path):
        if isinstance(exception, RequestDataTooBig):
            return json_error(413, [PayloadTooLarge.default_detail])
        return json_error(400, ["Bad request."])
    return defaults.bad_request(request, exception)


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_path(request.path):
        return json_error(404, [f"No API route matches {request.method} {request.path[:200]}."])
    return defaults.page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if is_api_path(request.path):
        return json_error(500, ["Internal server error."])
    return defaults.server_error(request)
