"""Core REST API: one set of views for every object, resolved from the workspace
metadata by the plural name in the URL (``/rest/people``, ``/rest/companies``, ...).

Views only parse the request and shape the envelope; reads go through
``crm.query.listing`` and every write through ``crm.services.records``.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import QueryDict
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from crm.metadata.schema import CompiledObject, get_workspace_schema
from crm.query.ast import QuerySyntaxError
from crm.query.listing import get_record_data, list_records, parse_limit
from crm.query.rest_parser import parse_filter, parse_order_by
from crm.rest.base import ApiView
from crm.services import records as record_service


class RecordApiView(ApiView):
    def get_object_metadata(self, plural: str) -> CompiledObject:
        schema = get_workspace_schema(self.workspace)
        obj = schema.by_plural(plural)
        if obj is None:
            known = ", ".join(sorted(o.name_plural for o in schema.objects.values()))
            raise exceptions.NotFound(f"Unknown object '{plural[:60]}'. Objects are: {known}.")
        return obj


def parse_record_id(obj: CompiledObject, raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise exceptions.NotFound(f"No {obj.name_singular} with id '{raw[:60]}'.") from None


def parse_depth(params: QueryDict) -> int:
    raw = params.get("depth")
    if raw is None or raw == "":
        return 0
    if raw.strip() not in ("0", "1"):
        raise exceptions.ValidationError(f"depth must be 0 or 1, not '{raw[:20]}'.")
    return int(raw)


def list_arguments(params: QueryDict) -> dict[str, Any]:
    """Translate REST query parameters into ``list_records`` keyword arguments."""
    arguments: dict[str, Any] = {"depth": parse_depth(params)}
    limit = parse_limit(params.get("limit"))
    filter_text = params.get("filter", "")
    if filter_text.strip():
        try:
            arguments["filter"] = parse_filter(filter_text)
        except QuerySyntaxError as error:
            raise exceptions.ValidationError(f"Invalid filter: {error}") from None
    order_text = params.get("order_by", "")
    try:
        arguments["order_by"] = parse_order_by(order_text)
    except QuerySyntaxError as error:
        raise exceptions.ValidationError(f"Invalid order_by: {error}") from None
    after, before = params.get("starting_after") or None, params.get("ending_before") or None
    if after and before:
        raise exceptions.ValidationError("Use either starting_after or ending_before, not both.")
    if before:
        arguments.update(last=limit, before=before)
    else:
        arguments.update(first=limit, after=after)
    return arguments


def parse_soft_delete(params: QueryDict) -> bool:
    raw = (params.get("soft_delete") or "true").strip().lower()
    if raw not in ("true", "false"):
        raise exceptions.ValidationError(f"soft_delete must be true or false, not '{raw[:20]}'.")
    return raw == "true"


class RecordListView(RecordApiView):
    """GET /rest/{plural} (list) and POST /rest/{plural} (create one)."""

    def get(self, request: Request, plural: str) -> Response:
        obj = self.get_object_metadata(plural)
        page = list_records(self.workspace, obj, **list_arguments(request.query_params))
        info = page.page_info
        return Response(
            {
                "data": {obj.name_plural: page.records},
                "pageInfo": {
                    "hasNextPage": info.has_next_page,
                    "hasPreviousPage": info.has_previous_page,
                    "startCursor": info.start_cursor,
                    "endCursor": info.end_cursor,
                },
                "totalCount": page.total_count,
            }
        )

    def post(self, request: Request, plural: str) -> Response:
        obj = self.get_object_metadata(plural)
        data = self.json_body(request)
        record = record_service.create_record(self.workspace, obj.name_singular, data, self.actor)
        return Response({"data": {f"create{obj.capitalized}": record}}, status=201)


class RecordDetailView(RecordApiView):
    """GET, PATCH and DELETE /rest/{plural}/{id}."""

    def get(self, request: Request, plural: str, record_id: str) -> Response:
        obj = self.get_object_metadata(plural)
        depth = parse_depth(request.query_params)
        record = get_record_data(self.workspace, obj, parse_record_id(obj, record_id), depth=depth)
        return Response({"data": {obj.name_singular: record}})

    def patch(self, request: Request, plural: str, record_id: str) -> Response:
        obj = self.get_object_metadata(plural)
        pk = parse_record_id(obj, record_id)
        data = self.json_body(request)
        record = record_service.update_record(self.workspace, obj.name_singular, pk, data, self.actor)
        return Response({"data": {f"update{obj.capitalized}": record}})

    def delete(self, request: Request, plural: str, record_id: str) -> Response:
        obj = self.get_object_metadata(plural)
        pk = parse_record_id(obj, record_id)
        # Soft by default, as Twenty does; ?soft_delete=false destroys for good.
        remove = (
            record_service.delete_record if parse_soft_delete(request.query_params) else record_service.destroy_record
        )
        record = remove(self.workspace, obj.name_singular, pk, self.actor)
        return Response({"data": {f"delete{obj.capitalized}": {"id": record["id"]}}})


class RecordBatchView(RecordApiView):
    """POST /rest/batch/{plural}: up to 60 records, all or nothing."""

    def post(self, request: Request, plural: str) -> Response:
        obj = self.get_object_metadata(plural)
        items = self.json_body(request)
        created = record_service.create_records(self.workspace, obj.name_singular, items, self.actor)
        return Response({"data": {f"create{obj.capitalized_plural}": created}}, status=201)


class RecordRestoreView(RecordApiView):
    """PATCH /rest/restore/{plural}/{id}: undo a soft delete."""

    def patch(self, request: Request, plural: str, record_id: str) -> Response:
        obj = self.get_object_metadata(plural)
        record = record_service.restore_record(
            self.workspace, obj.name_singular, parse_record_id(obj, record_id), self.actor
        )
        return Response({"data": {f"restore{obj.capitalized}": record}})
