from django.apps import AppConfig


class DocsSiteConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "docs_site"
    verbose_name = "Documentation"
