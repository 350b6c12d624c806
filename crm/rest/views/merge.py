"""PATCH /rest/{plural}/merge: merge duplicates into one record, as Twenty does.
Body ``{"ids": [...], "conflictPriorityIndex": 0, "dryRun": false}``; the answer is
``{"data": {"mergePerson": {...}}}``, the kept record (with ``?depth=1``, its relations)."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from crm.rest.views.records import RecordApiView, parse_shape
from crm.services.merge import merge_records


class MergeView(RecordApiView):
    def patch(self, request: Request, plural: str) -> Response:
        obj = self.get_object_metadata(plural)
        shape = parse_shape(obj, request.query_params)
        body = self.json_body(request)
        if not isinstance(body, dict):
            raise exceptions.ValidationError('Expected a JSON object: {"ids": [...], "conflictPriorityIndex": 0}.')
        dry_run = body.get("dryRun", False)
        if not isinstance(dry_run, bool):
            raise exceptions.ValidationError("dryRun must be true or false.")
        merged = merge_records(
            self.workspace,
            obj.name_singular,
            body.get("ids"),
            body.get("conflictPriorityIndex"),
            self.actor,
            dry_run=dry_run,
        )
        return Response({"data": {f"merge{obj.capitalized}": shape.apply(self.workspace, obj, [merged])[0]}})
