from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from crm.graphql import urls as graphql_urls
from crm.rest import urls as rest_urls
from crm.rest.views.not_found import ApiRouteNotFoundView
from webhooks import urls as webhooks_urls

urlpatterns = [
    # The APIs first, as URLs are matched in order on every request and these are the
    # busiest. First of all the routes answered past the middleware chain
    # (config/api_lane.py, which takes the leading patterns whose views it answers):
    # GraphQL's records endpoint, then REST's records. Their paths take no name of a
    # route below (crm/rest/urls.py), so the order does not change meaning. The API
    # patterns are listed here rather than include()d: an include is one more resolver
    # to walk, and one more match to build, on every request.
    *graphql_urls.core_patterns,
    *rest_urls.record_patterns,
    *graphql_urls.urlpatterns,
    *rest_urls.urlpatterns,
    *webhooks_urls.urlpatterns,
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("settings_ui.urls")),
    path("docs/", include("docs_site.urls")),
    # Last: any /rest path no route above took gets the API's JSON 404, DEBUG or not.
    re_path(r"^rest(?:/[\s\S]*)?$", ApiRouteNotFoundView.as_view(), name="rest-not-found"),
]

# API paths answer errors in JSON; other paths get Django's pages.
handler400 = "crm.rest.errors.handler400"
handler404 = "crm.rest.errors.handler404"
handler500 = "crm.rest.errors.handler500"
