"""Template helpers for the app shell and its components: `{% load ui %}`.

`{% icon "api" %}` inlines a Tabler outline icon, so icons take the text colour and
need no extra request. `path_within` tells whether a menu link is the current page.
"""

import re
from pathlib import Path

from django import template
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.paginator import Page
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

ICONS_STATIC_DIR = "vendor/tabler/outline"
ICON_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Every Tabler outline icon draws a transparent 24x24 square first; it only pads the
# bounding box in design tools.
BACKGROUND_PATH = re.compile(r'<path stroke="none" d="M0 0h24v24H0z" fill="none"\s*/>')

# Only found icons are cached: a miss in development is usually fixed by re-running
# scripts/copy_vendor.py, which should not need a server restart.
_icon_paths: dict[str, str] = {}


def icon_paths(name: str) -> str | None:
    """The drawing inside the <svg> element of the named icon, or None if it is not vendored."""
    if name in _icon_paths:
        return _icon_paths[name]
    if not ICON_NAME.match(name):
        return None
    found = finders.find(f"{ICONS_STATIC_DIR}/{name}.svg")
    if not found:
        return None
    if isinstance(found, list):
        found = found[0]
    svg = Path(found).read_text(encoding="utf-8")
    start = svg.index(">", svg.index("<svg")) + 1
    inner = BACKGROUND_PATH.sub("", svg[start : svg.rindex("</svg>")])
    _icon_paths[name] = " ".join(line.strip() for line in inner.splitlines() if line.strip())
    return _icon_paths[name]


@register.simple_tag
def icon(name: str, **attrs: str) -> SafeString:
    """`{% icon "api" %}`, `{% icon "trash" class="icon-sm" %}`, `{% icon "alert-circle" label="Error" %}`.

    Decorative by default (aria-hidden); with a label it is announced as an image.
    """
    paths = icon_paths(str(name))
    if paths is None:
        if settings.DEBUG:
            raise template.TemplateSyntaxError(
                f"Unknown icon {name!r}: there is no static/{ICONS_STATIC_DIR}/{name}.svg. Use a Tabler outline "
                "icon name, then run `.venv/bin/python scripts/copy_vendor.py`: it copies every icon named in a "
                "template, plus its BASE_ICONS list for icons chosen in Python or JavaScript."
            )
        return mark_safe("")  # noqa: S308 - a constant empty string
    css_class = " ".join(["icon", attrs.get("class", "")]).strip()
    label = attrs.get("label")
    a11y = format_html('role="img" aria-label="{}"', label) if label else mark_safe('aria-hidden="true"')  # noqa: S308
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="{}" width="20" height="20" viewBox="0 0 24 24" '
        'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" '
        'focusable="false" {}>{}</svg>',
        css_class,
        a11y,
        mark_safe(paths),  # noqa: S308 - read from the vendored Tabler files, never from user input
    )


@register.filter
def path_within(path: str, url: str) -> bool:
    """True when `path` is `url` or a page below it: `/objects/people/12/` is within `/objects/people/`."""
    if not url:
        return False
    if path == url:
        return True
    prefix = url if url.endswith("/") else url + "/"
    return url != "/" and path.startswith(prefix)


@register.filter
def page_numbers(page: Page) -> list[int | str]:
    """Page numbers around the current one, with Paginator.ELLIPSIS for the gaps."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))
