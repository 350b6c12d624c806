"""Rich-text bodies (notes' and tasks' ``bodyV2``) as the record pages show them.

The Markdown comes from whoever can write records, API keys included, so it is
rendered as text that can format, never as markup that can run: raw HTML in it is
escaped rather than passed through, links keep only web and mail addresses, and
images become links (a page never loads a picture from an address a record chose).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - walks the tree Markdown built, parses nothing
from typing import Any

import markdown
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

SAFE_HREF = re.compile(r"^(https?://|mailto:|#)", re.IGNORECASE)


class _SafeLinks(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        for parent in root.iter():
            for index, element in enumerate(list(parent)):
                if element.tag == "img":
                    parent[index] = _image_as_link(element)
        for element in root.iter("a"):
            href = (element.get("href") or "").strip()
            if SAFE_HREF.match(href):
                element.set("rel", "noopener noreferrer nofollow")
                element.set("target", "_blank")
            else:
                element.attrib.pop("href", None)
                element.attrib.pop("title", None)


def _image_as_link(image: ET.Element) -> ET.Element:
    link = ET.Element("a", {"href": image.get("src") or ""})
    link.text = image.get("alt") or image.get("src") or "image"
    link.tail = image.tail
    return link


class _NoRawHtml(Extension):
    """Raw HTML blocks and inline tags stay text (and are escaped when written out)."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API name
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)


def render_markdown(text: str) -> SafeString:
    converter = markdown.Markdown(extensions=["fenced_code", "tables", "sane_lists", _NoRawHtml()])
    # Safe to mark: no raw HTML survives the converter, and every attribute it writes is escaped.
    return mark_safe(converter.convert(text))  # noqa: S308


def blocknote_text(document: str) -> str:
    """The words of a BlockNote document, one block per line (for a body sent without Markdown)."""
    try:
        blocks = json.loads(document)
    except ValueError:
        return ""
    lines: list[str] = []
    _collect(blocks, lines)
    return "\n".join(line for line in lines if line)


def _collect(blocks: Any, lines: list[str]) -> None:
    if not isinstance(blocks, list):
        return
    for block in blocks:
        if isinstance(block, dict):
            content = block.get("content")
            if isinstance(content, list):
                lines.append(_inline_text(content))
            _collect(block.get("children"), lines)


def _inline_text(items: list[Any]) -> str:
    """Text runs and links (whose own content is text runs) of one block."""
    parts = []
    for item in items:
        if isinstance(item, dict):
            nested = item.get("content")
            parts.append(str(item.get("text", "")) if "text" in item else _inline_text(nested or []))
    return "".join(parts)
