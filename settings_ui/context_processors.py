from typing import Any

from django.http import HttpRequest

from settings_ui.services.record_menu import record_menu


def records_menu(request: HttpRequest) -> dict[str, Any]:
    """The left menu's record pages, read only when a template shows the menu."""
    return {"record_menu": lambda: record_menu(getattr(request, "workspace", None))}
