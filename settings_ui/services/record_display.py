"""Records as the record pages show them: which columns a list has, how each value reads.

Values arrive in the REST shape (``crm.query.serialize``), so custom fields and
composites look the same here as in the API; this module turns them into ``Cell``
objects that one template (records/_cell.html) renders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.safestring import SafeString

from crm.metadata.schema import CompiledField, CompiledObject
from settings_ui.services.rich_text import blocknote_text, render_markdown

# Which sub-field a composite column sorts by.
SORT_SUBFIELD = {
    "FULL_NAME": "firstName",
    "EMAILS": "primaryEmail",
    "PHONES": "primaryPhoneNumber",
    "LINKS": "primaryLinkUrl",
    "CURRENCY": "amountMicros",
    "ADDRESS": "addressCity",
    "ACTOR": "name",
}
UNSORTABLE_TYPES = frozenset({"RELATION", "MULTI_SELECT"})
# Shown on the record page but too long or too technical for a list column.
LIST_HIDDEN_FIELDS = frozenset({"avatarUrl", "position", "deletedAt", "updatedAt", "createdBy", "id"})
# Option colours (Twenty's palette) to badge tones.
OPTION_TONES = {
    "green": "success",
    "turquoise": "success",
    "red": "danger",
    "orange": "warning",
    "yellow": "warning",
    "blue": "accent",
    "sky": "accent",
    "purple": "accent",
}
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
DATETIME_FORMAT = "M j, Y, H:i"
# In list columns the day is enough; the record page shows the time.
LIST_DATETIME_FORMAT = "M j, Y"
SAFE_URL = re.compile(r"^https?://", re.IGNORECASE)
HAS_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
TITLE_FIELDS = ("name", "title")


@dataclass
class Cell:
    """One value ready to render: text, optionally a link or a badge; or a list of cells."""

    text: str = ""
    href: str | None = None
    external: bool = False
    tone: str | None = None  # a badge of this tone
    mono: bool = False
    items: list[Cell] = field(default_factory=list)
    # Rendered rich text, shown on record pages; lists show ``text`` instead.
    html: SafeString | None = None

    @property
    def is_empty(self) -> bool:
        return not self.text and not self.items


@dataclass(frozen=True)
class Column:
    field: CompiledField
    sort_key: str | None  # the ?sort= value; None when the column cannot be sorted

    @property
    def label(self) -> str:
        return self.field.label


def record_url(object_plural: str, record_id: Any) -> str:
    return reverse("records:detail", args=[object_plural, record_id])


def relation_id_fields(obj: CompiledObject) -> set[str]:
    """``companyId`` and the like: shown through their relation, not as columns of their own."""
    return {f.relation.join_field for f in obj.relations if f.relation and f.relation.join_field}


def list_columns(obj: CompiledObject) -> list[Column]:
    hidden = relation_id_fields(obj) | LIST_HIDDEN_FIELDS
    columns = []
    created_at = None
    for compiled in obj.fields.values():
        if compiled.name == "createdAt":
            created_at = compiled
            continue
        if compiled.name in hidden or (compiled.is_system and not compiled.is_custom):
            continue
        if compiled.relation is not None and compiled.relation.kind != "MANY_TO_ONE":
            continue
        columns.append(Column(compiled, sort_key(compiled)))
    if created_at is not None:
        columns.append(Column(created_at, sort_key(created_at)))
    return columns


def sort_key(compiled: CompiledField) -> str | None:
    if compiled.type in UNSORTABLE_TYPES:
        return None
    return compiled.name


def sort_path(obj: CompiledObject, key: str) -> tuple[str, ...] | None:
    """The query path a ?sort= value orders by (``name`` -> ``("name", "firstName")``), or None."""
    compiled = obj.fields.get(key)
    if compiled is None or sort_key(compiled) is None:
        return None
    if compiled.is_composite:
        sub = SORT_SUBFIELD.get(compiled.type)
        return (compiled.name, sub) if sub and compiled.subfield(sub) else None
    return (compiled.name,)


def record_title(obj: CompiledObject, data: dict[str, Any]) -> str:
    for name in TITLE_FIELDS:
        value = data.get(name)
        if isinstance(value, dict):
            text = full_name(value)
            if text:
                return text
        elif value:
            return str(value)
    return f"Untitled {obj.label_singular.lower()}"


def full_name(value: dict[str, Any]) -> str:
    return " ".join(part for part in (value.get("firstName"), value.get("lastName")) if part)


def related_cell(target_plural: str | None, data: dict[str, Any] | None, target: CompiledObject | None) -> Cell:
    if not data:
        return Cell()
    if target is None or target_plural is None:
        # Workspace members have no record page.
        name = data.get("name")
        return Cell(full_name(name) if isinstance(name, dict) else str(name or data.get("userEmail") or ""))
    return Cell(record_title(target, data), href=record_url(target_plural, data["id"]))


def display(compiled: CompiledField, value: Any, *, compact: bool = False) -> Cell:
    """How one field's value reads on a page; ``compact`` for a list column."""
    if value is None or value == "" or value == []:
        return Cell()
    kind = compiled.type
    if compact and kind == "DATE_TIME":
        return _datetime(compiled, value, LIST_DATETIME_FORMAT)
    formatter = FORMATTERS.get(kind)
    if formatter is not None:
        return formatter(compiled, value)
    if isinstance(value, dict | list):
        return Cell(str(value), mono=True)
    return Cell(str(value))


def _text(compiled: CompiledField, value: Any) -> Cell:
    return Cell(str(value))


def _number(compiled: CompiledField, value: Any) -> Cell:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return Cell(f"{value:,}")
    return Cell(f"{value:,.2f}" if isinstance(value, float) else str(value))


def _boolean(compiled: CompiledField, value: Any) -> Cell:
    return Cell("Yes" if value else "No", tone="success" if value else "neutral")


def _datetime(compiled: CompiledField, value: Any, pattern: str = DATETIME_FORMAT) -> Cell:
    parsed = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(parsed, datetime):
        return Cell(str(value))
    if timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return Cell(format_date(parsed, pattern))


def _date(compiled: CompiledField, value: Any) -> Cell:
    parsed = parse_date(value) if isinstance(value, str) else value
    return Cell(format_date(parsed, "M j, Y") if parsed else str(value))


def _uuid(compiled: CompiledField, value: Any) -> Cell:
    return Cell(str(value), mono=True)


def _option(compiled: CompiledField, value: Any) -> Cell:
    option = next((o for o in compiled.options if o.get("value") == value), None)
    if option is None:
        return Cell(str(value), tone="neutral")
    return Cell(option.get("label") or str(value), tone=OPTION_TONES.get(option.get("color", ""), "neutral"))


def _multi_select(compiled: CompiledField, value: Any) -> Cell:
    values = value if isinstance(value, list) else [value]
    return Cell(items=[_option(compiled, v) for v in values])


def _link(url: str, label: str | None = None) -> Cell:
    url = url.strip()
    text = label or re.sub(r"^https?://(www\.)?", "", url, flags=re.IGNORECASE).rstrip("/")
    if SAFE_URL.match(url):
        return Cell(text, href=url, external=True)
    if not HAS_SCHEME.match(url):
        return Cell(text, href="https://" + url, external=True)
    return Cell(url)  # another scheme (javascript:, data:...): never a link


def _links(compiled: CompiledField, value: Any) -> Cell:
    items = []
    if value.get("primaryLinkUrl"):
        items.append(_link(value["primaryLinkUrl"], value.get("primaryLinkLabel")))
    for extra in value.get("secondaryLinks") or []:
        if isinstance(extra, dict) and extra.get("url"):
            items.append(_link(extra["url"], extra.get("label")))
    return _collapse(items)


def _emails(compiled: CompiledField, value: Any) -> Cell:
    addresses = [value.get("primaryEmail"), *(value.get("additionalEmails") or [])]
    return _collapse([Cell(str(a), href=f"mailto:{a}") for a in addresses if a])


def _phones(compiled: CompiledField, value: Any) -> Cell:
    items = []
    if value.get("primaryPhoneNumber"):
        code = value.get("primaryPhoneCallingCode") or ""
        items.append(Cell(f"{code} {value['primaryPhoneNumber']}".strip()))
    for extra in value.get("additionalPhones") or []:
        if isinstance(extra, dict) and extra.get("number"):
            items.append(Cell(f"{extra.get('callingCode') or ''} {extra['number']}".strip()))
        elif isinstance(extra, str):
            items.append(Cell(extra))
    return _collapse(items)


def _full_name(compiled: CompiledField, value: Any) -> Cell:
    return Cell(full_name(value))


def _currency(compiled: CompiledField, value: Any) -> Cell:
    micros = value.get("amountMicros")
    if micros is None:
        return Cell()
    code = value.get("currencyCode") or ""
    amount = Decimal(micros) / 1_000_000
    number = f"{amount:,.0f}" if amount == amount.to_integral() else f"{amount:,.2f}"
    symbol = CURRENCY_SYMBOLS.get(code)
    return Cell(f"{symbol}{number}" if symbol else f"{number} {code}".strip())


def _address(compiled: CompiledField, value: Any) -> Cell:
    parts = [
        value.get(name)
        for name in ("addressStreet1", "addressStreet2", "addressCity", "addressState", "addressPostcode")
    ]
    parts.append(value.get("addressCountry"))
    return Cell(", ".join(str(p) for p in parts if p))


def _actor(compiled: CompiledField, value: Any) -> Cell:
    source = (value.get("source") or "").replace("_", " ").lower()
    name = value.get("name") or ""
    if name and source:
        return Cell(f"{name} ({source})")
    return Cell(name or source)


def _rich_text(compiled: CompiledField, value: Any) -> Cell:
    """The Markdown, rendered; a body sent as an editor document only shows its words."""
    text = value.get("markdown") or ""
    if text.strip():
        return Cell(text, html=render_markdown(text))
    return Cell(blocknote_text(value.get("blocknote") or ""))


def _collapse(items: list[Cell]) -> Cell:
    if not items:
        return Cell()
    if len(items) == 1:
        return items[0]
    return Cell(items=items)


FORMATTERS = {
    "TEXT": _text,
    "NUMBER": _number,
    "NUMERIC": _number,
    "POSITION": _number,
    "BOOLEAN": _boolean,
    "DATE_TIME": _datetime,
    "DATE": _date,
    "UUID": _uuid,
    "SELECT": _option,
    "MULTI_SELECT": _multi_select,
    "LINKS": _links,
    "EMAILS": _emails,
    "PHONES": _phones,
    "FULL_NAME": _full_name,
    "CURRENCY": _currency,
    "ADDRESS": _address,
    "ACTOR": _actor,
    "RICH_TEXT_V2": _rich_text,
}
