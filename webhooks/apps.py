from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"

    def ready(self) -> None:
        from crm.services import object_changes, record_changes
        from webhooks import tasks  # noqa: F401 - registers the tasks, which services send by name
        from webhooks.services.events import write_change_events, write_change_events_along
        from webhooks.services.object_subscriptions import follow_object_change

        # Every record change is written with its events and deliveries (see record_changes).
        record_changes.listen(write_change_events, sharing=write_change_events_along)

        from crm.graphql.metadata_extensions import extend_metadata_schema
        from webhooks.graphql.schema import WebhookMutations, WebhookQueries

        extend_metadata_schema(query=WebhookQueries, mutation=WebhookMutations)

        from crm.rest.openapi.extensions import extend_core_document
        from webhooks.rest.openapi import core_addition

        extend_core_document(core_addition)

        # Subscriptions follow renamed and deleted objects (see object_changes).
        object_changes.listen(follow_object_change)
