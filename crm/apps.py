from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CrmConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "crm"
    verbose_name = "CRM"

    def ready(self) -> None:
        from crm.models import ApiKey, Workspace
        from crm.services.api_key_cache import on_key_or_workspace_saved

        # Processes keep the keys they have seen with their workspace: any change to
        # either, through the app or the admin, makes them read keys afresh.
        for model in (ApiKey, Workspace):
            post_save.connect(
                on_key_or_workspace_saved, sender=model, dispatch_uid=f"api-key-cache-save-{model.__name__}"
            )
            post_delete.connect(
                on_key_or_workspace_saved, sender=model, dispatch_uid=f"api-key-cache-del-{model.__name__}"
            )
