from django.urls import URLPattern, URLResolver, re_path

from crm.rest.views import duplicates, group_by, merge, metadata, objects, openapi, records

# Segments owned by other REST routes (metadata, OpenAPI, webhooks in their app),
# so the generic object routes never shadow them.
_RESERVED = "webhooks|metadata|batch|restore|open-api"
_PLURAL = rf"(?P<plural>(?!(?:{_RESERVED})(?:/|$))[A-Za-z][A-Za-z0-9]{{0,62}})"
# Any segment but the names of the routes on one record's object (groupBy, ...): the view
# answers one that is not a UUID with a 400 naming it.
_ID = r"(?P<record_id>(?!(?:groupBy|duplicates|merge|restore)/?$)[^/]+)"

# Reading, creating and changing records: the busiest routes, which lead the URLconf
# (config/urls.py) and are answered past the middleware chain (config/api_lane.py).
# Their paths take no name another route below has: _PLURAL leaves out the reserved
# segments, _ID the routes on an object.
record_patterns: list[URLPattern | URLResolver] = [
    re_path(rf"^rest/{_PLURAL}/?$", records.records_route, name="rest-records"),
    re_path(rf"^rest/{_PLURAL}/{_ID}/?$", records.record_route, name="rest-record"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    # Operations on a whole object.
    re_path(rf"^rest/{_PLURAL}/groupBy/?$", group_by.GroupByView.as_view(), name="rest-group-by"),
    re_path(rf"^rest/{_PLURAL}/duplicates/?$", duplicates.DuplicatesView.as_view(), name="rest-duplicates"),
    re_path(rf"^rest/{_PLURAL}/merge/?$", merge.MergeView.as_view(), name="rest-merge"),
    re_path(rf"^rest/{_PLURAL}/restore/?$", records.RecordBulkRestoreView.as_view(), name="rest-bulk-restore"),
    re_path(rf"^rest/{_PLURAL}/{_ID}/restore/?$", records.RecordRestoreView.as_view(), name="rest-record-restore"),
    re_path(r"^rest/open-api/core/?$", openapi.CoreOpenApiView.as_view(), name="rest-openapi-core"),
    re_path(r"^rest/open-api/metadata/?$", openapi.MetadataOpenApiView.as_view(), name="rest-openapi-metadata"),
    re_path(r"^rest/metadata/objects/?$", objects.ObjectListView.as_view(), name="rest-metadata-objects"),
    re_path(
        r"^rest/metadata/objects/(?P<ref>[^/]{1,100})/?$",
        objects.ObjectDetailView.as_view(),
        name="rest-metadata-object",
    ),
    re_path(r"^rest/metadata/fields/?$", metadata.FieldListView.as_view(), name="rest-metadata-fields"),
    re_path(
        r"^rest/metadata/fields/(?P<field_id>[^/]{1,100})/?$",
        metadata.FieldDetailView.as_view(),
        name="rest-metadata-field",
    ),
    re_path(r"^rest/metadata/picklists/?$", metadata.PicklistView.as_view(), name="rest-metadata-picklists"),
    re_path(rf"^rest/batch/{_PLURAL}/?$", records.RecordBatchView.as_view(), name="rest-batch"),
    re_path(rf"^rest/restore/{_PLURAL}/{_ID}/?$", records.RecordRestoreView.as_view(), name="rest-restore"),
    # Twenty's spelling of the filtered restore (PATCH /rest/{plural}/restore?filter=...).
    re_path(rf"^rest/restore/{_PLURAL}/?$", records.RecordBulkRestoreView.as_view(), name="rest-restore-many"),
]
