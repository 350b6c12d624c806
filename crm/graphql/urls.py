from django.urls import URLPattern, URLResolver, path

from crm.graphql import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("graphql", views.core_graphql_view, name="graphql"),
    path("metadata", views.metadata_graphql_view, name="graphql-metadata"),
]
