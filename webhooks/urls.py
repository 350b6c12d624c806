from django.urls import URLPattern, URLResolver, re_path

from webhooks.rest import deliveries, endpoints

_ID = r"(?P<webhook_id>[^/]{1,100})"

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^rest/webhooks/?$", endpoints.WebhookListView.as_view(), name="rest-webhooks"),
    re_path(rf"^rest/webhooks/{_ID}/?$", endpoints.WebhookDetailView.as_view(), name="rest-webhook"),
    # Where Twenty also serves them, with the metadata API's paging.
    re_path(
        r"^rest/metadata/webhooks/?$", endpoints.WebhookListView.as_view(paged=True), name="rest-metadata-webhooks"
    ),
    re_path(rf"^rest/metadata/webhooks/{_ID}/?$", endpoints.WebhookDetailView.as_view(), name="rest-metadata-webhook"),
    re_path(
        rf"^rest/webhooks/{_ID}/rotate-secret/?$",
        endpoints.WebhookRotateSecretView.as_view(),
        name="rest-webhook-rotate-secret",
    ),
    re_path(rf"^rest/webhooks/{_ID}/test/?$", deliveries.WebhookTestView.as_view(), name="rest-webhook-test"),
    re_path(rf"^rest/webhooks/{_ID}/recover/?$", deliveries.WebhookRecoverView.as_view(), name="rest-webhook-recover"),
    re_path(
        rf"^rest/webhooks/{_ID}/deliveries/?$", deliveries.DeliveryListView.as_view(), name="rest-webhook-deliveries"
    ),
    re_path(
        rf"^rest/webhooks/{_ID}/deliveries/(?P<delivery_id>[^/]{{1,100}})/resend/?$",
        deliveries.DeliveryResendView.as_view(),
        name="rest-webhook-delivery-resend",
    ),
]
