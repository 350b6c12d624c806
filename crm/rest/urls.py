from django.urls import URLPattern, URLResolver, re_path

from crm.rest.views import records

# Segments owned by other REST routes (metadata, OpenAPI, webhooks in their app),
# so the generic object routes never shadow them.
_RESERVED = "webhooks|metadata|batch|restore|open-api"
_PLURAL = rf"(?P<plural>(?!(?:{_RESERVED})/?$)[A-Za-z][A-Za-z0-9]{{0,62}})"
_ID = r"(?P<record_id>[^/]{1,100})"

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(rf"^rest/batch/{_PLURAL}/?$", records.RecordBatchView.as_view(), name="rest-batch"),
    re_path(rf"^rest/restore/{_PLURAL}/{_ID}/?$", records.RecordRestoreView.as_view(), name="rest-restore"),
    re_path(rf"^rest/{_PLURAL}/?$", records.RecordListView.as_view(), name="rest-records"),
    re_path(rf"^rest/{_PLURAL}/{_ID}/?$", records.RecordDetailView.as_view(), name="rest-record"),
]
