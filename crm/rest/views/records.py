"""Core REST API: one set of views for every object, resolved from the workspace
metadata by the plural name in the URL (``/rest/people``, ``/rest/companies``, ...).

Views only parse the request and shape the envelope; reads go through
``crm.query.listing`` and every write through ``crm.services.records`` (one record)
or ``crm.services.bulk_writes`` (every record a filter matches).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from crm.metadata.schema import CompiledObject, get_workspace_schema
from crm.models import ApiKey, Workspace
from crm.query.ast import Node, QuerySyntaxError
from crm.query.listing import embed_relations, get_record_data, list_records, parse_limit
from crm.query.rest_parser import parse_filter, parse_order_by
from crm.rest import lean
from crm.rest.base import ApiView, read_json_body
from crm.services import records as record_service
from crm.services.actor import Actor, api_key_actor
from crm.services.bulk_targets import EmptyFilterError
from crm.services.bulk_writes import act_on_matching, update_matching

CANONICAL_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def object_metadata(workspace: Workspace, plural: str) -> CompiledObject:
    schema = get_workspace_schema(workspace)
    obj = schema.by_plural(plural)
    if obj is None:
        known = ", ".join(sorted(o.name_plural for o in schema.objects.values()))
        raise exceptions.NotFound(f"Unknown object '{plural[:60]}'. Objects are: {known}.")
    return obj


class RecordApiView(ApiView):
    def get_object_metadata(self, plural: str) -> CompiledObject:
        return object_metadata(self.workspace, plural)


def parse_record_id(raw: str) -> uuid.UUID:
    """A record id from the path; anything but a canonical UUID is a bad request (not a
    missing record), as Twenty answers it."""
    if not CANONICAL_UUID.match(raw):
        shown = raw if len(raw) <= 60 else f"{raw[:60]}…"
        raise exceptions.ValidationError(f"'{shown}' is not a valid UUID")
    return uuid.UUID(raw)


def parse_depth(params: QueryDict) -> int:
    raw = params.get("depth")
    if raw is None or raw == "":
        return 0
    if raw.strip() not in ("0", "1"):
        # Twenty's wording, which its clients may show or compare.
        raise exceptions.ValidationError(f"'depth={raw[:20]}' parameter invalid. Allowed values are 0, 1")
    return int(raw)


def parse_fields(obj: CompiledObject, params: QueryDict) -> frozenset[str] | None:
    """``?fields=name,emails``: the fields each record in the answer keeps (its id always);
    None when the parameter is absent. Repeated parameters add up."""
    values = params.getlist("fields")
    if not values:
        return None
    names = dict.fromkeys(name.strip() for value in values for name in value.split(",") if name.strip())
    if not names:
        raise exceptions.ValidationError("fields is empty: list field names separated by commas, e.g. fields=id,name.")
    unknown = [name for name in names if name not in obj.fields]
    if unknown:
        shown = ", ".join(name[:60] for name in unknown[:10])
        raise exceptions.ValidationError(f"fields: {obj.name_singular} has no field {shown}.")
    return frozenset(names) | {"id"}


@dataclass(frozen=True)
class ResponseShape:
    """What the records in an answer hold: related records (``depth``) and which fields."""

    depth: int
    fields: frozenset[str] | None

    def project(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.fields is None:
            return records
        return [{name: value for name, value in record.items() if name in self.fields} for record in records]

    def apply(self, workspace: Workspace, obj: CompiledObject, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Shape records a write returned (at depth 0)."""
        if self.depth:
            embed_relations(workspace, obj, records)
        return self.project(records)


def parse_shape(obj: CompiledObject, params: QueryDict) -> ResponseShape:
    # Parsed before any write, so a bad parameter changes nothing.
    return ResponseShape(parse_depth(params), parse_fields(obj, params))


def parse_filter_parameter(params: QueryDict) -> Node | None:
    filter_text = params.get("filter", "")
    if not filter_text.strip():
        return None
    try:
        return parse_filter(filter_text)
    except QuerySyntaxError as error:
        raise exceptions.ValidationError(f"Invalid filter: {error}") from None


def list_arguments(params: QueryDict) -> dict[str, Any]:
    """Translate REST query parameters into ``list_records`` keyword arguments."""
    arguments: dict[str, Any] = {"depth": parse_depth(params)}
    limit = parse_limit(params.get("limit"), cap=True)
    node = parse_filter_parameter(params)
    if node is not None:
        arguments["filter"] = node
    order_text = params.get("order_by", "")
    try:
        arguments["order_by"] = parse_order_by(order_text)
    except QuerySyntaxError as error:
        ours = f"Invalid order_by: {error}"
        raise exceptions.ValidationError([error.twenty_message, ours] if error.twenty_message else ours) from None
    after, before = params.get("starting_after") or None, params.get("ending_before") or None
    if after and before:
        raise exceptions.ValidationError("Use either starting_after or ending_before, not both.")
    if before:
        arguments.update(last=limit, before=before)
    else:
        arguments.update(first=limit, after=after)
    return arguments


def parse_flag(params: QueryDict, name: str, *, default: bool) -> bool:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise exceptions.ValidationError(f"{name} must be true or false, not '{raw[:20]}'.")
    return value == "true"


def parse_soft_delete(params: QueryDict) -> bool:
    # As Twenty's REST API: a DELETE removes for good unless ?soft_delete=true, which
    # keeps the record restorable (GraphQL's deleteX is the soft one, destroyX the other).
    return parse_flag(params, "soft_delete", default=False)


def parse_upsert(params: QueryDict) -> bool:
    # ?upsert=true: update the record an item matches (same id or unique value) instead.
    return parse_flag(params, "upsert", default=False)


def one_record(workspace: Workspace, plural: str, record_id: str, params: QueryDict) -> dict[str, Any]:
    """The answer to GET /rest/{plural}/{id}."""
    obj = object_metadata(workspace, plural)
    shape = parse_shape(obj, params)
    # Without ?fields= the record goes out as the database wrote it.
    found = get_record_data(
        workspace, obj, parse_record_id(record_id), depth=shape.depth, passthrough=shape.fields is None
    )
    (record,) = shape.project([found])
    return {"data": {obj.name_singular: record}}


def create_one(workspace: Workspace, actor: Actor, plural: str, request: HttpRequest) -> dict[str, Any]:
    """The answer to POST /rest/{plural}; the body is read once the parameters are known good."""
    obj = object_metadata(workspace, plural)
    shape = parse_shape(obj, request.GET)
    upsert = parse_upsert(request.GET)
    data = read_json_body(request)
    record = record_service.create_record(workspace, obj.name_singular, data, actor, upsert=upsert)
    (record,) = shape.apply(workspace, obj, [record])
    return {"data": {f"create{obj.capitalized}": record}}


class RecordListView(RecordApiView):
    """GET /rest/{plural} (list), POST (create one), PATCH or PUT (update every match of
    ``filter``) and DELETE (delete every match of ``filter``)."""

    def get(self, request: Request, plural: str) -> Response:
        obj = self.get_object_metadata(plural)
        fields = parse_fields(obj, request.query_params)
        # Without ?fields= the records go out as the database wrote them.
        page = list_records(self.workspace, obj, **list_arguments(request.query_params), passthrough=fields is None)
        info = page.page_info
        return Response(
            {
                "data": {obj.name_plural: ResponseShape(0, fields).project(page.records)},
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
        # Answered by records_route; here for the same answer through DRF.
        return Response(create_one(self.workspace, self.actor, plural, request._request), status=201)

    def patch(self, request: Request, plural: str) -> Response:
        obj = self.get_object_metadata(plural)
        node = parse_filter_parameter(request.query_params)
        shape = parse_shape(obj, request.query_params)
        data = self.json_body(request)
        updated = update_matching(self.workspace, obj.name_singular, node, data, self.actor)
        return Response({"data": {f"update{obj.capitalized_plural}": shape.apply(self.workspace, obj, updated)}})

    # PUT is PATCH, as Twenty's clients expect: only the fields sent change.
    put = patch

    def delete(self, request: Request, plural: str) -> Response:
        obj = self.get_object_metadata(plural)
        node = parse_filter_parameter(request.query_params)
        parse_shape(obj, request.query_params)
        action = "delete" if parse_soft_delete(request.query_params) else "destroy"
        try:
            removed = act_on_matching(self.workspace, obj.name_singular, action, node, self.actor)
        except EmptyFilterError:
            # Twenty's REST API words this refusal its own way, which its clients compare.
            raise exceptions.ValidationError(
                f"Filters are mandatory for bulk {action} operations. "
                "Please provide at least one filter to prevent accidental deletion of all records."
            ) from None
        return Response({"data": {f"delete{obj.capitalized_plural}": [{"id": r["id"]} for r in removed]}})


class RecordDetailView(RecordApiView):
    """GET, PATCH (or PUT) and DELETE /rest/{plural}/{id}."""

    def get(self, request: Request, plural: str, record_id: str) -> Response:
        # GET is answered by record_route, HEAD here.
        return Response(one_record(self.workspace, plural, record_id, request.query_params))

    def patch(self, request: Request, plural: str, record_id: str) -> Response:
        obj = self.get_object_metadata(plural)
        pk = parse_record_id(record_id)
        shape = parse_shape(obj, request.query_params)
        data = self.json_body(request)
        record = record_service.update_record(self.workspace, obj.name_singular, pk, data, self.actor)
        (record,) = shape.apply(self.workspace, obj, [record])
        return Response({"data": {f"update{obj.capitalized}": record}})

    # PUT is PATCH, as Twenty's clients expect: only the fields sent change.
    put = patch

    def delete(self, request: Request, plural: str, record_id: str) -> Response:
        obj = self.get_object_metadata(plural)
        pk = parse_record_id(record_id)
        parse_shape(obj, request.query_params)
        remove = (
            record_service.delete_record if parse_soft_delete(request.query_params) else record_service.destroy_record
        )
        record = remove(self.workspace, obj.name_singular, pk, self.actor)
        return Response({"data": {f"delete{obj.capitalized}": {"id": record["id"]}}})


class RecordBatchView(RecordApiView):
    """POST /rest/batch/{plural}: up to 60 records, all or nothing."""

    def post(self, request: Request, plural: str) -> Response:
        obj = self.get_object_metadata(plural)
        shape = parse_shape(obj, request.query_params)
        upsert = parse_upsert(request.query_params)
        items = self.json_body(request)
        created = record_service.create_records(self.workspace, obj.name_singular, items, self.actor, upsert=upsert)
        return Response(
            {"data": {f"create{obj.capitalized_plural}": shape.apply(self.workspace, obj, created)}}, status=201
        )


class RecordRestoreView(RecordApiView):
    """PATCH /rest/{plural}/{id}/restore (or /rest/restore/{plural}/{id}): undo a soft delete."""

    def patch(self, request: Request, plural: str, record_id: str) -> Response:
        obj = self.get_object_metadata(plural)
        pk = parse_record_id(record_id)
        shape = parse_shape(obj, request.query_params)
        record = record_service.restore_record(self.workspace, obj.name_singular, pk, self.actor)
        (record,) = shape.apply(self.workspace, obj, [record])
        return Response({"data": {f"restore{obj.capitalized}": record}})


class RecordBulkRestoreView(RecordApiView):
    """PATCH /rest/{plural}/restore?filter=...: undo the soft delete of every match."""

    def patch(self, request: Request, plural: str) -> Response:
        obj = self.get_object_metadata(plural)
        node = parse_filter_parameter(request.query_params)
        shape = parse_shape(obj, request.query_params)
        restored = act_on_matching(self.workspace, obj.name_singular, "restore", node, self.actor)
        return Response({"data": {f"restore{obj.capitalized_plural}": shape.apply(self.workspace, obj, restored)}})


# The two busiest requests, reading one record and creating one, are answered without
# DRF's per-request machinery (crm/rest/lean.py says why and what stays the same); every
# other method of their routes goes to the DRF view.
_list_view = RecordListView.as_view()
_detail_view = RecordDetailView.as_view()
_LIST_ALLOWS = lean.allowed_methods(RecordListView)
_DETAIL_ALLOWS = lean.allowed_methods(RecordDetailView)


@csrf_exempt
def records_route(request: HttpRequest, plural: str) -> HttpResponse:
    """/rest/{plural}: a create is answered here, every other method by RecordListView."""
    if request.method != "POST":
        return _list_view(request, plural=plural)

    def create(key: ApiKey) -> tuple[dict[str, Any], int]:
        return create_one(key.workspace, api_key_actor(key), plural, request), 201

    return lean.answer(request, create, allow=_LIST_ALLOWS)


@csrf_exempt
def record_route(request: HttpRequest, plural: str, record_id: str) -> HttpResponse:
    """/rest/{plural}/{id}: a read is answered here, every other method by RecordDetailView."""
    if request.method != "GET":
        return _detail_view(request, plural=plural, record_id=record_id)
    return lean.answer(
        request,
        lambda key: (one_record(key.workspace, plural, record_id, request.GET), 200),
        allow=_DETAIL_ALLOWS,
    )
