"""Search across objects by what names a record, as Twenty's ``search`` query does.

Twenty's clients find a record this way before reading it in full (its front end's
search and record pickers, its integrations' "find a company by name"): one text, the
records of every object (or of those named) whose name, email, phone, domain, job title
or title holds it, each with its object and a label to show.

1. The text is split into words; a record matches when every word is found, ignoring
   case, in one of its searched fields (``SEARCHED``; a custom object's ``name``). An
   empty text matches every record.
2. Each object is read up to the end of the page asked for (plus one, to know whether
   there is more); what the filter of the request says applies to every object.
3. Matches are ranked: a label equal to the text first, then labels that start with it,
   then the rest; within a rank, by object and label. The page is a slice of that list.

Ranks are small numbers standing in for Twenty's full-text ranks (``tsRank``,
``tsRankCD``): they order the answer the same way a client would read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from crm.metadata.schema import CompiledObject
from crm.models import Workspace
from crm.query.ast import Node
from crm.query.compile import filter_to_q
from crm.query.record_queries import records

# The fields a search looks into, per standard object (the columns of the fields
# Twenty's search covers). Note and task targets are links, not records to find.
SEARCHED = {
    "person": ("name_first_name", "name_last_name", "emails_primary_email", "phones_primary_phone_number", "job_title"),
    "company": ("name", "domain_name_primary_link_url"),
    "opportunity": ("name",),
    "note": ("title",),
    "task": ("title",),
}
# What a record is called in the answer: the columns joined by a space.
LABELS = {
    "person": ("name_first_name", "name_last_name"),
    "company": ("name",),
    "opportunity": ("name",),
    "note": ("title",),
    "task": ("title",),
}
IMAGES = {"person": "avatar_url"}
MAX_WORDS = 10
EXACT, PREFIX, CONTAINED = 1.0, 0.5, 0.1


@dataclass(frozen=True)
class Found:
    record_id: str
    object_name: str
    object_label: str
    label: str
    image_url: str | None
    rank: float


def searchable_objects(objects: list[CompiledObject]) -> list[CompiledObject]:
    """The objects a search may look into: standard ones with searched fields, and every
    custom object with a text ``name``."""
    return [obj for obj in objects if _searched_paths(obj)]


def search_records(
    workspace: Workspace,
    objects: list[CompiledObject],
    text: str,
    *,
    limit: int,
    offset: int,
    filter_for: Callable[[CompiledObject], Node | None],
) -> tuple[list[Found], bool]:
    """One page of matches (see the module's docstring) and whether more follow."""
    words = text.split()[:MAX_WORDS]
    wanted = offset + limit + 1
    found: list[Found] = []
    for obj in objects:
        paths = _searched_paths(obj)
        queryset = records(workspace, obj)
        for word in words:
            queryset = queryset.filter(_any_holds(paths, word))
        node = filter_for(obj)
        if node is not None:
            queryset = queryset.filter(filter_to_q(obj, node))
        label_paths, image_path = _label_paths(obj), IMAGES.get(obj.name_singular)
        columns = ["id", *label_paths, *([image_path] if image_path else [])]
        for row in queryset.order_by("position", "id").values(*columns)[:wanted]:
            label = " ".join(str(row[path] or "") for path in label_paths).strip()
            found.append(
                Found(
                    record_id=str(row["id"]),
                    object_name=obj.name_singular,
                    object_label=obj.label_singular,
                    label=label,
                    image_url=(row[image_path] or None) if image_path else None,
                    rank=_rank(label, text.strip()),
                )
            )
    order_of = {obj.name_singular: index for index, obj in enumerate(objects)}
    found.sort(key=lambda hit: (-hit.rank, order_of[hit.object_name], hit.label.lower(), hit.record_id))
    return found[offset : offset + limit], len(found) > offset + limit


def _searched_paths(obj: CompiledObject) -> tuple[str, ...]:
    named_by = _identifier_paths(obj)
    if not obj.is_custom:
        return tuple(dict.fromkeys((*SEARCHED.get(obj.name_singular, ()), *named_by)))
    return named_by or _identifier_paths(obj, "name")


def _label_paths(obj: CompiledObject) -> tuple[str, ...]:
    """What a hit is called: the field the object names its records by (its label
    identifier) when it says which, else its name."""
    named_by = _identifier_paths(obj)
    if named_by:
        return named_by
    return LABELS.get(obj.name_singular, ()) if not obj.is_custom else _identifier_paths(obj, "name")


def _identifier_paths(obj: CompiledObject, name: str | None = None) -> tuple[str, ...]:
    """The text paths of the field ``name`` (by default the object's label identifier)."""
    field = obj.fields.get(name or obj.label_identifier or "")
    if field is None:
        return ()
    if field.type == "FULL_NAME":
        return tuple(sub.path for sub in field.subfields)
    return (field.path,) if field.type == "TEXT" and field.path else ()


def _any_holds(paths: tuple[str, ...], word: str) -> Q:
    found = Q(pk__in=[])
    for path in paths:
        found |= Q(**{f"{path}__icontains": word})
    return found


def _rank(label: str, text: str) -> float:
    label, text = label.lower(), text.lower()
    if text and label == text:
        return EXACT
    if text and label.startswith(text):
        return PREFIX
    return CONTAINED


def as_search_record(hit: Found) -> dict[str, Any]:
    """A match as Twenty's ``SearchRecord``."""
    return {
        "recordId": hit.record_id,
        "objectNameSingular": hit.object_name,
        "objectLabelSingular": hit.object_label,
        "label": hit.label,
        "imageUrl": hit.image_url,
        "tsRank": hit.rank,
        "tsRankCD": hit.rank,
    }
