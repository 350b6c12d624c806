"""Pages of a metadata list over REST, as Twenty pages them.

Metadata lists are small and kept in a meaningful order (objects by name, fields by
position), so a page is cut from the whole ordered list: ``limit`` items (default and
at most 1000) after the item whose id is ``starting_after``, or before the one that is
``ending_before``. Both at once is a 400; a cursor that names no item gives an empty page.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rest_framework import exceptions

DEFAULT_LIMIT = 1000
MAX_LIMIT = 1000


@dataclass(frozen=True)
class MetadataPage:
    items: list[dict[str, Any]]
    page_info: dict[str, Any]
    total_count: int


def _cursor(params: Mapping[str, str], name: str) -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise exceptions.ValidationError(f"Invalid cursor '{raw[:60]}' in {name}: use an item's id.") from None


def _limit(params: Mapping[str, str]) -> int:
    raw = params.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if not raw.strip().isdecimal() or int(raw) > MAX_LIMIT:
        raise exceptions.ValidationError(f"limit must be a whole number from 0 to {MAX_LIMIT}, not '{raw[:20]}'.")
    return int(raw)


def paginate(items: Sequence[dict[str, Any]], params: Mapping[str, str]) -> MetadataPage:
    """The page of ``items`` (each with an ``id``) that the query parameters ask for."""
    after, before = _cursor(params, "starting_after"), _cursor(params, "ending_before")
    if after is not None and before is not None:
        raise exceptions.ValidationError("'starting_after' and 'ending_before' cannot be used together.")
    limit = _limit(params)
    ids = [str(item["id"]) for item in items]
    cursor = after or before
    if cursor is not None and cursor not in ids:
        page: list[dict[str, Any]] = []
        has_next = has_previous = False
    elif before is not None:
        earlier = list(items[: ids.index(before)])
        page = earlier[-limit:] if limit else []
        has_previous, has_next = len(earlier) > len(page), True
    else:
        start = ids.index(after) + 1 if after is not None else 0
        page = list(items[start : start + limit])
        has_previous, has_next = after is not None, start + limit < len(items)
    page_info = {
        "hasNextPage": has_next,
        "hasPreviousPage": has_previous,
        "startCursor": str(page[0]["id"]) if page else None,
        "endCursor": str(page[-1]["id"]) if page else None,
    }
    return MetadataPage(page, page_info, len(items))
