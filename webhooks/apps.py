from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"

    def ready(self) -> None:
        from crm.graphql.metadata_extensions import extend_metadata_schema
        from webhooks.graphql.schema import WebhookMutations, WebhookQueries

        extend_metadata_schema(query=WebhookQueries, mutation=WebhookMutations)
