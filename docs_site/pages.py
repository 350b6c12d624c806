"""The documentation pages: which Markdown files exist, how they are grouped in the
navigation, and how one is rendered to HTML.

The Markdown in ``docs/`` is written to read well on its own (on a code host or in an
editor), so links between pages are relative ``.md`` links and diagrams are relative
``.svg`` paths; rendering rewrites both to the URLs the app serves them at.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - builds elements, parses nothing
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import markdown
from django.conf import settings
from django.urls import reverse
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

DOCS_DIR = Path(settings.BASE_DIR) / "docs"
PYGMENTS_STYLE = "friendly"
CODEHILITE_CLASS = "codehilite"
ASSET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.svg$")
_MD_LINK = re.compile(r"^(?P<file>[A-Za-z0-9][A-Za-z0-9-]*)\.md(?P<anchor>#[^\s]*)?$")


@dataclass(frozen=True)
class Page:
    slug: str  # "" for the index
    file: str
    nav_title: str

    @property
    def url(self) -> str:
        if not self.slug:
            return reverse("docs:index")
        return reverse("docs:page", args=[self.slug])

    @property
    def path(self) -> Path:
        return DOCS_DIR / self.file


@dataclass(frozen=True)
class Section:
    title: str
    pages: tuple[Page, ...]


# The navigation, in reading order. Each page is one Markdown file in docs/.
SECTIONS: tuple[Section, ...] = (
    Section(
        "Getting Started",
        (
            Page("", "README.md", "Introduction"),
            Page("quickstart", "quickstart.md", "Quickstart"),
            Page("api-and-webhooks", "api-and-webhooks.md", "API & Webhooks"),
        ),
    ),
    Section(
        "Self-hosting",
        (
            Page("self-hosting", "self-hosting.md", "Self-hosting"),
            Page("webhook-delivery", "webhook-delivery.md", "Webhook delivery"),
        ),
    ),
)
PAGES: dict[str, Page] = {page.slug: page for section in SECTIONS for page in section.pages}
_BY_FILE: dict[str, Page] = {page.file: page for page in PAGES.values()}


@dataclass(frozen=True)
class Heading:
    id: str
    title: str
    level: int
    children: tuple[Heading, ...] = ()


@dataclass(frozen=True)
class RenderedPage:
    page: Page
    title: str
    html: str
    headings: tuple[Heading, ...] = field(default=())


def page_url_for_file(name: str) -> str | None:
    page = _BY_FILE.get(name)
    return page.url if page else None


class _RewriteLinks(Treeprocessor):
    """Relative ``.md`` links and ``.svg`` images point at the served pages and assets."""

    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            if element.tag == "a":
                href = element.get("href", "")
                match = _MD_LINK.match(href)
                if match:
                    url = page_url_for_file(match["file"] + ".md")
                    if url:
                        element.set("href", url + (match["anchor"] or ""))
            elif element.tag == "img":
                src = element.get("src", "")
                if ASSET_NAME.match(src):
                    element.set("src", reverse("docs:asset", args=[src]))
                    element.set("loading", "lazy")
            elif element.tag == "table":
                # Wide tables scroll on their own instead of widening the page.
                element.set("class", "docs-table")


class _RewriteLinksExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API name
        md.treeprocessors.register(_RewriteLinks(md), "docs_links", 5)


def _converter() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=["toc", "fenced_code", "codehilite", "tables", "sane_lists", _RewriteLinksExtension()],
        extension_configs={
            "toc": {"permalink": "#", "permalink_title": "Link to this section", "toc_depth": "2-3"},
            "codehilite": {"css_class": CODEHILITE_CLASS, "guess_lang": False},
        },
        output_format="html",
    )


def _headings(tokens: list[dict[str, Any]]) -> tuple[Heading, ...]:
    return tuple(
        Heading(t["id"], t["name"], t["level"], _headings(t.get("children", []))) for t in tokens if t["level"] >= 2
    )


@lru_cache(maxsize=32)
def _render(page: Page, modified_ns: int) -> RenderedPage:
    converter = _converter()
    html = converter.convert(page.path.read_text(encoding="utf-8"))
    # toc_depth 2-3 drops the h1 from toc_tokens, so the title is read separately.
    title = _title(page.path) or page.nav_title
    return RenderedPage(page=page, title=title, html=html, headings=_headings(converter.toc_tokens))


def _title(path: Path) -> str | None:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return None


def render_page(page: Page) -> RenderedPage:
    """The page as HTML; re-rendered when its file changes, so edits show without a restart."""
    return _render(page, page.path.stat().st_mtime_ns)


def asset_path(name: str) -> Path | None:
    """A diagram in docs/, or None when the name is not one."""
    if not ASSET_NAME.match(name):
        return None
    path = DOCS_DIR / name
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def pygments_css() -> str:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style=PYGMENTS_STYLE).get_style_defs(f".{CODEHILITE_CLASS}")
