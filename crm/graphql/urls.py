from django.urls import URLPattern, URLResolver, path

from crm.graphql import views

# The records' endpoint leads the URLconf (config/urls.py), the metadata one follows the
# REST record routes.
core_patterns: list[URLPattern | URLResolver] = [path("graphql", views.core_graphql_view, name="graphql")]
urlpatterns: list[URLPattern | URLResolver] = [path("metadata", views.metadata_graphql_view, name="graphql-metadata")]
