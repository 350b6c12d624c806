"""Refuse a request whose Content-Length is not a number, before anything reads its body.

Django converts the header to an int whenever a view, a form or the CSRF check first
reads the body, so a header such as ``Content-Length: abc`` would end as a server error
wherever that happens. The web server (granian) refuses such requests itself; other
servers and the test client pass them on, so the app answers 400 too, in each API's own
error shape.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from crm.graphql.errors import BAD_USER_INPUT, error_body
from crm.rest.errors import is_api_path, json_error

MESSAGE = "Invalid Content-Length header: it must be a whole number of bytes."
GRAPHQL_PATHS = frozenset({"/graphql", "/graphql/", "/metadata", "/metadata/"})


class MalformedContentLengthMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return refusal(request) or self.get_response(request)


def refusal(request: HttpRequest) -> HttpResponse | None:
    """The 400 answer to a request whose Content-Length is not a number; None for any other."""
    length = request.META.get("CONTENT_LENGTH")
    if length and not (length.isascii() and length.isdigit()):
        return _bad_request(request.path)
    return None


def _bad_request(path: str) -> HttpResponse:
    if is_api_path(path):
        return json_error(400, [MESSAGE])
    if path in GRAPHQL_PATHS:
        return HttpResponse(
            orjson.dumps(error_body(MESSAGE, BAD_USER_INPUT)), status=400, content_type="application/json"
        )
    return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
