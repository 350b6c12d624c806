"""Which record pages a workspace has, as the left menu lists them: the standard
objects in a fixed order, then the workspace's custom objects by label."""

from __future__ import annotations

import re
from dataclasses import dataclass

from crm.metadata.schema import CompiledObject, get_workspace_schema
from crm.models import Workspace
from settings_ui.templatetags.ui import icon_paths

# The standard record pages, in menu order, with their Tabler icons.
STANDARD_PAGES = {
    "people": "user",
    "companies": "building",
    "opportunities": "target-arrow",
    "tasks": "checkbox",
    "notes": "notes",
}
# Custom objects whose icon is not among the served ones (scripts/copy_vendor.py's palette).
CUSTOM_OBJECT_ICON = "box"
_TWENTY_ICON = re.compile(r"^Icon(?=[A-Z0-9])")
_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])")


@dataclass(frozen=True)
class MenuEntry:
    plural: str
    label: str
    icon: str


def page_icon(obj: CompiledObject) -> str:
    """The Tabler icon of an object's pages. Twenty names icons like ``IconBriefcase``;
    that is Tabler's ``briefcase``, shown when this server has it."""
    if obj.name_plural in STANDARD_PAGES and not obj.is_custom:
        return STANDARD_PAGES[obj.name_plural]
    name = _WORD_BOUNDARY.sub("-", _TWENTY_ICON.sub("", obj.icon or "")).lower()
    return name if name and icon_paths(name) is not None else CUSTOM_OBJECT_ICON


def has_record_pages(obj: CompiledObject) -> bool:
    return obj.is_custom or obj.name_plural in STANDARD_PAGES


def record_menu(workspace: Workspace | None) -> list[MenuEntry]:
    if workspace is None:
        return []
    objects = get_workspace_schema(workspace).objects.values()
    by_plural = {obj.name_plural: obj for obj in objects if not obj.is_custom}
    standard = [MenuEntry(p, by_plural[p].label_plural, icon) for p, icon in STANDARD_PAGES.items() if p in by_plural]
    custom = sorted((obj for obj in objects if obj.is_custom), key=lambda obj: obj.label_plural.lower())
    return standard + [MenuEntry(obj.name_plural, obj.label_plural, page_icon(obj)) for obj in custom]
