from django.urls import include, path

from settings_ui.views import placeholder, shell

records_patterns = (
    [path("<slug:object_plural>/", placeholder.records_list, name="list")],
    "records",
)
settings_patterns = (
    [
        path("apis", placeholder.apis, name="apis"),
        path("webhooks", placeholder.webhooks, name="webhooks"),
    ],
    "settings_ui",
)

urlpatterns = [
    path("", shell.home, name="home"),
    path("objects/", include(records_patterns)),
    path("settings/", include(settings_patterns)),
]
