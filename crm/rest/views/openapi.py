"""OpenAPI documents of the caller's workspace, built from its metadata.

A document is rebuilt only when the workspace's metadata version (or the origin it
is served from) changes; in between the rendered bytes are reused.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import orjson
from django.http import HttpResponse
from rest_framework.request import Request

from crm.metadata.schema import WorkspaceSchema, get_workspace_schema
from crm.rest.base import ApiView
from crm.rest.openapi.core import build_core_document
from crm.rest.openapi.metadata import build_metadata_document

MAX_CACHED = 64
_cache: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
_lock = threading.Lock()


def rendered_document(key: tuple[Any, ...], build: Callable[[], dict[str, Any]]) -> bytes:
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    content = orjson.dumps(build())
    with _lock:
        _cache[key] = content
        while len(_cache) > MAX_CACHED:
            _cache.popitem(last=False)
    return content


class OpenApiView(ApiView):
    kind = ""
    server_path = "/rest"
    builder: Callable[[WorkspaceSchema, str, str], dict[str, Any]]

    def get(self, request: Request) -> HttpResponse:
        workspace = self.workspace
        server_url = request.build_absolute_uri(self.server_path)
        key = (self.kind, str(workspace.id), workspace.metadata_version, workspace.name, server_url)
        content = rendered_document(
            key, lambda: type(self).builder(get_workspace_schema(workspace), server_url, workspace.name)
        )
        return HttpResponse(content, content_type="application/json")


class CoreOpenApiView(OpenApiView):
    kind = "core"
    server_path = "/rest"
    builder = staticmethod(build_core_document)


class MetadataOpenApiView(OpenApiView):
    kind = "metadata"
    server_path = "/rest/metadata"
    builder = staticmethod(build_metadata_document)
