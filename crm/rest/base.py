"""Building blocks for every view under ``/rest/`` (core records, metadata, webhooks).

Subclass ``ApiView`` and you get: API-key authentication resolving the workspace,
per-key rate limiting with its headers, read-only keys refused on writes, orjson
in and out, and errors in the ``{"statusCode", "error", "messages"}`` shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson
from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.mediatypes import media_type_matches
from rest_framework.views import APIView

from crm.models import ApiKey, Workspace
from crm.rest.errors import MAX_BODY_BYTES, PayloadTooLarge, RateLimited, api_exception_handler
from crm.services.actor import Actor, api_key_actor
from crm.services.api_access import (
    FULL_ACCESS_NEEDED,
    authenticate_header_and_count,
    may_see_sensitive,
)
from crm.services.api_keys import ApiKeyError


@dataclass(frozen=True)
class ApiKeyUser:
    """``request.user`` for key-authenticated requests: the key acts, not a person."""

    api_key: ApiKey
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_active: bool = True
    is_staff: bool = False
    pk: None = None

    def __str__(self) -> str:
        return f"API key {self.api_key.name}"


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Bearer <key>``; ``request.auth`` is the ``ApiKey``. The request is
    counted against the key's rate limit on the way (``request.rate_limit_status``)."""

    def authenticate(self, request: Request) -> tuple[ApiKeyUser, ApiKey]:
        try:
            key, request.rate_limit_status = authenticate_header_and_count(request.META.get("HTTP_AUTHORIZATION"))
        except ApiKeyError as error:
            raise exceptions.AuthenticationFailed(error.messages) from None
        return ApiKeyUser(key), key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class HasApiKey(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, ApiKey):
            raise exceptions.NotAuthenticated("Missing API key: send it as 'Authorization: Bearer <key>'.")
        return True


def key_allows(key: ApiKey, method: str) -> bool:
    """Read-only keys may use safe methods only."""
    return method in SAFE_METHODS or not key.read_only


class WritesNeedFullAccess(BasePermission):
    """Read-only keys may use safe methods only (``key_allows``)."""

    message = "This API key is read-only: it can read records but not create, change or delete them."

    def has_permission(self, request: Request, view: Any) -> bool:
        return key_allows(request.auth, request.method)


class FullAccessOnly(BasePermission):
    """For endpoints whose reads are sensitive too (webhooks, deliveries) or that only write."""

    message = FULL_ACCESS_NEEDED

    def has_permission(self, request: Request, view: Any) -> bool:
        return may_see_sensitive(request.auth)


def render_json(data: Any) -> bytes:
    """An answer's body, as every API view writes it."""
    try:
        return orjson.dumps(data, default=str)
    except orjson.JSONEncodeError:
        # orjson stops at 64-bit integers; the standard library has no such limit.
        return json.dumps(data, default=str, ensure_ascii=False, separators=(",", ":")).encode()


class OrjsonRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return b"" if data is None else render_json(data)


class OrjsonParser(BaseParser):
    """JSON bodies up to 1 MiB, whatever Content-Length claimed."""

    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLarge()
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise exceptions.ParseError(f"Malformed JSON body: {error}") from None


class JsonOnlyNegotiation(DefaultContentNegotiation):
    """Always answer JSON, whatever ``Accept`` says, rather than a 406."""

    def select_renderer(self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None) -> Any:
        renderer = renderers[0]
        return renderer, renderer.media_type


class ApiView(APIView):
    """Base class of every API-key view. ``self.workspace`` is the key's workspace;
    ``self.actor`` is what record writes should be attributed to."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey, WritesNeedFullAccess]
    renderer_classes = [OrjsonRenderer]
    parser_classes = [OrjsonParser]
    content_negotiation_class = JsonOnlyNegotiation
    throttle_classes: list[Any] = []
    metadata_class = None

    @property
    def allowed_methods(self) -> list[str]:
        # OPTIONS is answered 405 (no metadata class), so it is not advertised.
        return [m for m in super().allowed_methods if m != "OPTIONS"]

    def get_exception_handler(self) -> Any:
        return api_exception_handler

    @property
    def api_key(self) -> ApiKey:
        return self.request.auth

    @property
    def workspace(self) -> Workspace:
        return self.request.auth.workspace

    @property
    def actor(self) -> Actor:
        return api_key_actor(self.api_key)

    def perform_authentication(self, request: Request) -> None:
        # Counted with authentication, before anything else, so refused writes count too.
        request.user  # noqa: B018 - evaluating it authenticates (and counts)
        status = getattr(request, "rate_limit_status", None)
        if status is not None and not status.allowed:
            raise RateLimited(status.message)

    def finalize_response(self, request: HttpRequest, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        status = getattr(request, "rate_limit_status", None)
        if status is not None:
            for name, value in status.headers().items():
                response[name] = value
        return response

    def json_body(self, request: Request) -> Any:
        """The parsed JSON body (see read_json_body)."""
        return read_json_body(request._request)


def read_json_body(request: HttpRequest) -> Any:
    """The parsed JSON body of a request to the API: 413 when too big, 415 when it is not
    JSON, as DRF's parsing would answer. No body at all reads as ``{}``, as Twenty's
    server reads it: a create without one makes an empty record, an update changes
    nothing."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise exceptions.ParseError("Invalid Content-Length header.") from None
    if length > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    if length <= 0:
        return {}
    # The header as sent, parameters and all, as DRF reads and names it.
    content_type = request.META.get("CONTENT_TYPE", request.META.get("HTTP_CONTENT_TYPE", ""))
    if not content_type:
        raise exceptions.UnsupportedMediaType("(none)")
    if not media_type_matches(OrjsonParser.media_type, content_type):
        raise exceptions.UnsupportedMediaType(content_type)
    return OrjsonParser().parse(request)
