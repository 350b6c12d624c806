"""Metadata REST API for objects: the reads of crm.rest.views.metadata, plus creating,
changing, deactivating and deleting custom objects (crm.services.objects)."""

from __future__ import annotations

from django.http import QueryDict
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from crm.models import ObjectMetadata, Workspace
from crm.rest import metadata_shapes as shapes
from crm.rest.views import metadata
from crm.services import objects as object_service


def _describe(workspace: Workspace, obj: ObjectMetadata) -> dict:
    return shapes.describe_objects(workspace, [obj])[0]


def parse_force(params: QueryDict) -> bool:
    raw = (params.get("force") or "false").strip().lower()
    if raw not in ("true", "false"):
        raise exceptions.ValidationError(f"force must be true or false, not '{raw[:20]}'.")
    return raw == "true"


class ObjectListView(metadata.ObjectListView):
    """GET lists every object; POST creates a custom object."""

    def post(self, request: Request) -> Response:
        obj = object_service.create_object(self.workspace, self.json_body(request))
        return Response({"data": {"createOneObject": _describe(self.workspace, obj)}}, status=201)


class ObjectDetailView(metadata.ObjectDetailView):
    """GET, PATCH (or PUT) and DELETE /rest/metadata/objects/{id-or-name}."""

    def patch(self, request: Request, ref: str) -> Response:
        obj = object_service.update_object(self.workspace, ref, self.json_body(request))
        return Response({"data": {"updateOneObject": _describe(self.workspace, obj)}})

    put = patch

    def delete(self, request: Request, ref: str) -> Response:
        force = parse_force(request.query_params)
        obj = object_service.delete_object(self.workspace, ref, force=force)
        return Response({"data": {"deleteOneObject": {"id": str(obj.id)}}})
