from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"

    def ready(self) -> None:
        from crm.services import object_changes, record_changes
        from webhooks import tasks  # noqa: F401 - registers the tasks, which services send by name
        from webhooks.services.events import write_change_events
        from webhooks.services.object_subscriptions import follow_object_change

        # Every record change is written with its events and deliveries (see record_changes).
        record_changes.listen(write_change_events)
        # Subscriptions follow renamed and deleted objects (see object_changes).
        object_changes.listen(follow_object_change)
