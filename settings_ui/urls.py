from django.urls import include, path, re_path
from django.views.generic import RedirectView

from settings_ui.views import api_keys, playground, records, shell, webhooks

records_patterns = (
    [
        path("<slug:object_plural>/", records.record_list_page, name="list"),
        path("<slug:object_plural>/<uuid:record_id>/", records.record_detail_page, name="detail"),
    ],
    "records",
)
settings_patterns = (
    [
        path("apis", api_keys.apis, name="apis"),
        path("apis/keys/new", api_keys.api_key_new, name="api_key_new"),
        path("apis/keys/<uuid:key_id>", api_keys.api_key, name="api_key"),
        path("apis/keys/<uuid:key_id>/rename", api_keys.api_key_rename, name="api_key_rename"),
        path("apis/keys/<uuid:key_id>/regenerate", api_keys.api_key_regenerate, name="api_key_regenerate"),
        path("apis/keys/<uuid:key_id>/revoke", api_keys.api_key_revoke, name="api_key_revoke"),
        path("apis/keys/<uuid:key_id>/delete", api_keys.api_key_delete, name="api_key_delete"),
        path("apis/playground/graphql", playground.graphql_frame, name="playground_graphql"),
        path("apis/playground/rest", playground.rest_frame, name="playground_rest"),
        path("webhooks", webhooks.webhooks, name="webhooks"),
        path("webhooks/new", webhooks.webhook_new, name="webhook_new"),
        path("webhooks/<uuid:endpoint_id>", webhooks.webhook, name="webhook"),
        path("webhooks/<uuid:endpoint_id>/edit", webhooks.webhook_edit, name="webhook_edit"),
        path("webhooks/<uuid:endpoint_id>/enable", webhooks.webhook_enable, name="webhook_enable"),
        path("webhooks/<uuid:endpoint_id>/disable", webhooks.webhook_disable, name="webhook_disable"),
        path("webhooks/<uuid:endpoint_id>/delete", webhooks.webhook_delete, name="webhook_delete"),
        path("webhooks/<uuid:endpoint_id>/rotate-secret", webhooks.webhook_rotate_secret, name="webhook_rotate_secret"),
        path("webhooks/<uuid:endpoint_id>/test", webhooks.webhook_test, name="webhook_test"),
        path("webhooks/<uuid:endpoint_id>/recover", webhooks.webhook_recover, name="webhook_recover"),
        path(
            "webhooks/<uuid:endpoint_id>/deliveries/<uuid:delivery_id>/resend",
            webhooks.webhook_resend,
            name="webhook_resend",
        ),
        # The developer settings were split into APIs and Webhooks; old links keep working.
        re_path(
            r"^developers/?$", RedirectView.as_view(pattern_name="settings_ui:apis", permanent=True), name="developers"
        ),
    ],
    "settings_ui",
)

urlpatterns = [
    path("", shell.home, name="home"),
    path("objects/", include(records_patterns)),
    path("settings/", include(settings_patterns)),
]
