"""Finding records that are likely the same person or company (Twenty's findDuplicates).

People are duplicates when they share a first and last name, or a primary email;
companies when they share a name, or a domain (``https://www.acme.com/`` and
``acme.com`` are the same domain). Text is compared without regard to case. The
search is either for existing records (``ids``: each one's duplicates, itself left
out) or for records about to be created (``data``: who already matches them).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db.models import Q

from crm.metadata.schema import CompiledObject
from crm.models import Workspace
from crm.query.listing import DEFAULT_LIMIT
from crm.query.record_queries import records
from crm.query.serialize import compile_serializer
from crm.services.record_input import RecordValidationError, clean_record_input

NEITHER_GIVEN = 'You have to provide either "data" or "ids" argument'
BOTH_GIVEN = 'You cannot provide both "data" and "ids" arguments'
NOTHING_GIVEN = 'The "data" condition can not be empty when "ids" input not provided'
MAX_INPUTS = 60


@dataclass
class Duplicates:
    """The duplicates of one record (or of one record's data): a first page and the total."""

    records: list[dict[str, Any]]
    total_count: int


def _person_criteria(data: dict[str, Any]) -> Q:
    name = data.get("name") or {}
    first, last = (name.get("firstName") or "").strip(), (name.get("lastName") or "").strip()
    email = ((data.get("emails") or {}).get("primaryEmail") or "").strip()
    found = Q(pk__in=[])
    if first and last:
        found |= Q(name_first_name__iexact=first, name_last_name__iexact=last)
    if email:
        found |= Q(emails_primary_email__iexact=email)
    return found


def _company_criteria(data: dict[str, Any]) -> Q:
    name = (data.get("name") or "").strip()
    domain = bare_domain((data.get("domainName") or {}).get("primaryLinkUrl") or "")
    found = Q(pk__in=[])
    if name:
        found |= Q(name__iexact=name)
    if domain:
        # The same domain however it was written: with or without a scheme, www. or a final /.
        found |= Q(domain_name_primary_link_url__iregex=rf"^(https?://)?(www\.)?{re.escape(domain)}/?$")
    return found


# How records of each object are recognised as the same; objects not listed have no duplicates.
CRITERIA: dict[str, Callable[[dict[str, Any]], Q]] = {"person": _person_criteria, "company": _company_criteria}
# The same criteria as the metadata API states them, in Twenty's words: each inner list
# names the (flattened) fields that must all match.
DUPLICATE_CRITERIA = {
    "person": [["nameFirstName", "nameLastName"], ["emailsPrimaryEmail"]],
    "company": [["name"], ["domainNamePrimaryLinkUrl"]],
}


def bare_domain(url: str) -> str:
    """``https://www.Acme.com/about`` -> ``acme.com``; "" when there is no host."""
    text = url.strip()
    if not text:
        return ""
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    return host.removeprefix("www.")


def has_duplicate_search(obj: CompiledObject) -> bool:
    return obj.name_singular in CRITERIA


def find_duplicates(
    workspace: Workspace, obj: CompiledObject, *, ids: Any = None, data: Any = None
) -> list[Duplicates]:
    """One answer per data item, or per id of a live record of the workspace (an id of
    none is passed over, as Twenty does), in the order given. The refusals are Twenty's."""
    criteria = CRITERIA.get(obj.name_singular)
    if criteria is None:
        message = f"Duplicates are searched among people and companies, not {obj.name_plural}"
        raise RecordValidationError({"": [message]})
    if ids is None and data is None:
        raise RecordValidationError({"": [NEITHER_GIVEN]})
    if ids is not None and data is not None:
        raise RecordValidationError({"": [BOTH_GIVEN]})
    if ids is None:
        if not data:
            raise RecordValidationError({"": [NOTHING_GIVEN]})
        return [_matching(workspace, obj, criteria(item)) for item in _checked_data(obj, data)]
    wanted = _checked_ids(ids)
    columns, serialize = compile_serializer(obj)
    serialized = (serialize(row) for row in records(workspace, obj).filter(id__in=wanted).values(*columns))
    found = {record["id"]: record for record in serialized}
    return [
        _matching(workspace, obj, criteria(found[str(record_id)]), exclude=record_id)
        for record_id in wanted
        if str(record_id) in found
    ]


def _checked_ids(ids: Any) -> list[uuid.UUID]:
    if not isinstance(ids, list) or len(ids) > MAX_INPUTS:
        raise RecordValidationError({"ids": [f"must be a list of at most {MAX_INPUTS} record ids"]})
    try:
        return [uuid.UUID(str(value)) for value in ids]
    except ValueError:
        raise RecordValidationError({"ids": ["must be a list of UUIDs"]}) from None


def _checked_data(obj: CompiledObject, data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, list) or len(data) > MAX_INPUTS:
        raise RecordValidationError({"data": [f"must be a list of at most {MAX_INPUTS} records"]})
    for item in data:
        # Shaped like a record to create: the same fields, the same types.
        clean_record_input(obj, item, creating=True)
    return data


def _matching(workspace: Workspace, obj: CompiledObject, criteria: Q, exclude: uuid.UUID | None = None) -> Duplicates:
    matching = records(workspace, obj).filter(criteria)
    if exclude is not None:
        matching = matching.exclude(id=exclude)
    columns, serialize = compile_serializer(obj)
    rows = [serialize(row) for row in matching.order_by("position", "id").values(*columns)[: DEFAULT_LIMIT + 1]]
    total = len(rows) if len(rows) <= DEFAULT_LIMIT else matching.count()
    return Duplicates(rows[:DEFAULT_LIMIT], total)
