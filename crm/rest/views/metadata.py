"""Metadata REST API: describe objects and fields, manage custom fields, list picklists.

Writes go through ``crm.services.fields`` (shared with GraphQL's metadata API) and
need a full-access key, like every other write.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from crm.models import FieldMetadata, Workspace
from crm.rest import metadata_shapes as shapes
from crm.rest.base import ApiView
from crm.rest.metadata_pages import paginate
from crm.rest.views.records import parse_record_id
from crm.services import fields as field_service


def list_envelope(key: str, items: list[dict[str, Any]], params: Any) -> dict[str, Any]:
    """The page the query asks for (limit, starting_after, ending_before) in Twenty's envelope."""
    page = paginate(items, params)
    return {"data": {key: page.items}, "pageInfo": page.page_info, "totalCount": page.total_count}


class ObjectListView(ApiView):
    def get(self, request: Request) -> Response:
        return Response(list_envelope("objects", shapes.describe_objects(self.workspace), request.query_params))


class ObjectDetailView(ApiView):
    def get(self, request: Request, ref: str) -> Response:
        obj = field_service.get_object_metadata(self.workspace, ref)
        return Response({"data": {"object": shapes.describe_objects(self.workspace, [obj])[0]}})


def _describe(workspace: Workspace, field: FieldMetadata) -> dict[str, Any]:
    return shapes.describe_field(field, field.object, shapes.object_refs(workspace))


class FieldListView(ApiView):
    def get(self, request: Request) -> Response:
        fields = [f for o in shapes.describe_objects(self.workspace) for f in o["fields"]]
        return Response(list_envelope("fields", fields, request.query_params))

    def post(self, request: Request) -> Response:
        field = field_service.create_custom_field(self.workspace, self.json_body(request))
        return Response({"data": {"createOneField": _describe(self.workspace, field)}}, status=201)


class FieldDetailView(ApiView):
    """/rest/metadata/fields/{id}. As Twenty answers: an id that is not a UUID is a bad
    request on every method, and so is changing a field that does not exist; reading or
    deleting one is a 404."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        parse_record_id(kwargs["field_id"])

    def get(self, request: Request, field_id: str) -> Response:
        return Response(
            {"data": {"field": _describe(self.workspace, field_service.get_field(self.workspace, field_id))}}
        )

    def patch(self, request: Request, field_id: str) -> Response:
        data = self.json_body(request)
        try:
            field = field_service.update_custom_field(self.workspace, field_id, data)
        except field_service.FieldNotFoundError as missing:
            raise exceptions.ValidationError(str(missing)) from None
        return Response({"data": {"updateOneField": _describe(self.workspace, field)}})

    # PUT is PATCH, as for objects and records: only the properties sent change.
    put = patch

    def delete(self, request: Request, field_id: str) -> Response:
        field = field_service.delete_custom_field(self.workspace, field_id)
        return Response({"data": {"deleteOneField": {"id": str(field.id)}}})


class PicklistView(ApiView):
    def get(self, request: Request) -> Response:
        return Response({"data": {"picklists": shapes.describe_picklists(self.workspace)}})
