"""POST /rest/{people,companies}/duplicates: records that look like the same person or
company, for ``{"ids": [...]}`` (existing records) or ``{"data": [...]}`` (records about
to be created). One answer per input, in Twenty's shape:
``{"data": [{"personDuplicates": [...], "totalCount": N, "pageInfo": {...}}]}``."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from crm.rest.base import HasApiKey
from crm.rest.views.records import RecordApiView, parse_shape
from crm.services.duplicates import find_duplicates


class DuplicatesView(RecordApiView):
    # A search, though sent with POST: read-only keys may run it.
    permission_classes = [HasApiKey]

    def post(self, request: Request, plural: str) -> Response:
        obj = self.get_object_metadata(plural)
        shape = parse_shape(obj, request.query_params)
        body = self.json_body(request)
        if not isinstance(body, dict):
            raise exceptions.ValidationError('Expected a JSON object: {"ids": [...]} or {"data": [...]}.')
        found = find_duplicates(self.workspace, obj, ids=body.get("ids"), data=body.get("data"))
        answers = []
        for duplicates in found:
            ids = [record["id"] for record in duplicates.records]
            answers.append(
                {
                    f"{obj.name_singular}Duplicates": shape.apply(self.workspace, obj, duplicates.records),
                    "totalCount": duplicates.total_count,
                    "pageInfo": {
                        "hasNextPage": duplicates.total_count > len(ids),
                        "hasPreviousPage": False,
                        "startCursor": ids[0] if ids else None,
                        "endCursor": ids[-1] if ids else None,
                    },
                }
            )
        return Response({"data": answers})
