from django.urls import path, re_path

from docs_site import views

app_name = "docs"

urlpatterns = [
    path("", views.index, name="index"),
    path("_assets/code.css", views.code_css, name="code-css"),
    re_path(r"^(?P<name>[a-z0-9][a-z0-9-]*\.svg)$", views.asset, name="asset"),
    re_path(r"^(?P<slug>[A-Za-z0-9][A-Za-z0-9-]*(?:\.md)?)/?$", views.page, name="page"),
]
