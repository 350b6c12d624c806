"""Validating what clients send against the metadata.

``clean_record_input`` turns an API-shaped dict (camelCase, composite fields as
nested objects) into column values, or raises ``RecordValidationError`` listing
every problem by field, before anything is written.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crm import date_input
from crm.metadata.schema import CompiledField, CompiledObject, SubField
from crm.services.canonical_values import CANONICAL_SUB_FIELDS, canonical_sub_value
from crm.services.input_errors import InvalidInput, TwentyWordedError
from crm.services.link_values import clean_links
from crm.services.phone_values import complete_phones
from crm.services.positions import PLACES

DEFAULT_MAX_TEXT = 10_000
MAX_URL = 2048
MAX_LIST_ITEMS = 100
INT32 = 2**31
INT64 = 2**63
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
READ_ONLY_FIELDS = frozenset({"updatedAt", "deletedAt"})
# Set by the server unless a create says otherwise: an import carries over when and by
# whom a record was first made. Never changed afterwards.
CREATE_ONLY_FIELDS = frozenset({"createdAt", "createdBy"})
# Twenty's actor sources, so a createdBy written for Twenty is accepted as it is.
ACTOR_SOURCES = (
    "API",
    "IMPORT",
    "MANUAL",
    "EMAIL",
    "CALENDAR",
    "WORKFLOW",
    "AGENT",
    "SYSTEM",
    "WEBHOOK",
    "APPLICATION",
)


class RecordValidationError(InvalidInput):
    """Field-level problems with a write; nothing has been written. Where a problem is
    one Twenty words (``TwentyWordedError``), GraphQL answers with Twenty's message and
    ``userFriendlyMessage``, as Twenty's clients read them."""

    def __init__(self, errors: dict[str, list[str]], worded: TwentyWordedError | None = None) -> None:
        super().__init__(errors)
        self.worded = worded
        if worded is not None:
            self.graphql_message = str(worded)
            self.graphql_extensions = {"userFriendlyMessage": worded.user_friendly}


@dataclass
class CleanedInput:
    columns: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, Any] = field(default_factory=dict)
    # Relation id fields to check for existence: field name -> (target object, id).
    references: dict[str, tuple[str, uuid.UUID]] = field(default_factory=dict)
    touched: list[str] = field(default_factory=list)
    record_id: uuid.UUID | None = None


class _Invalid(ValueError):
    pass


def clean_record_input(
    obj: CompiledObject,
    data: Any,
    *,
    creating: bool,
    existing_custom: dict[str, Any] | None = None,
    record_id: uuid.UUID | None = None,
) -> CleanedInput:
    """``record_id`` is the id of the record an update changes: ``id`` may then be sent
    only with that value (clients echo a record back whole)."""
    if not isinstance(data, dict):
        raise RecordValidationError({"": ["The record must be a JSON object."]})
    cleaned = CleanedInput()
    errors: dict[str, list[str]] = {}
    worded: TwentyWordedError | None = None
    for name, value in data.items():
        compiled = obj.fields.get(name) if isinstance(name, str) else None
        try:
            if compiled is None:
                raise _Invalid(f"unknown field on {obj.name_singular}")
            _clean_field(
                obj,
                compiled,
                value,
                cleaned,
                creating=creating,
                existing_custom=existing_custom or {},
                record_id=record_id,
            )
        except _Invalid as problem:
            errors.setdefault(str(name), []).append(str(problem))
        except _SubInvalid as problem:
            errors.setdefault(f"{name}.{problem.sub}", []).append(problem.message)
        except TwentyWordedError as problem:
            errors.setdefault(f"{name}.{problem.part}", []).append(str(problem))
            worded = worded or problem
    if errors:
        raise RecordValidationError(errors, worded)
    return cleaned


class _SubInvalid(Exception):
    def __init__(self, sub: str, message: str) -> None:
        self.sub = sub
        self.message = message


def _clean_field(
    obj: CompiledObject,
    compiled: CompiledField,
    value: Any,
    cleaned: CleanedInput,
    *,
    creating: bool,
    existing_custom: dict[str, Any],
    record_id: uuid.UUID | None = None,
) -> None:
    name = compiled.name
    if compiled.type == "RELATION":
        if compiled.relation and compiled.relation.join_field:
            raise _Invalid(f"is a relation; set {compiled.relation.join_field} instead")
        raise _Invalid("is a list of related records; set the id on the other side instead")
    if name in READ_ONLY_FIELDS:
        raise _Invalid("is read-only")
    if name == "id":
        if creating:
            cleaned.record_id = _uuid(value)
        elif _uuid(value) != record_id:
            raise _Invalid(f"cannot be changed: send this record's own id ({record_id}) or leave it out")
        return
    if name in CREATE_ONLY_FIELDS:
        if not creating:
            raise _Invalid("can only be set when the record is created")
        if value is None:
            raise _Invalid("cannot be null; leave it out for the server to set it")
        if compiled.type == "ACTOR":
            _clean_actor(obj, compiled, value, cleaned)
            return
    cleaned.touched.append(name)
    if compiled.is_composite:
        _clean_composite(compiled, value, cleaned, existing_custom, obj)
        return
    clean_value = clean_scalar(compiled, value, obj)
    join_target = _join_target(obj, name)
    if join_target and clean_value is not None:
        cleaned.references[name] = (join_target, clean_value)
    if compiled.is_custom:
        # JSON holds ids as text (the id of a custom relation, such as projectId).
        cleaned.custom[name] = str(clean_value) if isinstance(clean_value, uuid.UUID) else clean_value
        return
    assert compiled.path is not None
    cleaned.columns[compiled.path] = clean_value


def _clean_actor(obj: CompiledObject, compiled: CompiledField, value: Any, cleaned: CleanedInput) -> None:
    """``createdBy`` on create; what it leaves out comes from whoever makes the request."""
    if not isinstance(value, dict):
        raise _Invalid(f"must be an object with {', '.join(s.name for s in compiled.subfields)}")
    for key, sub_value in value.items():
        if key == "context":
            # Nothing records a context here; an empty one loses nothing.
            if sub_value not in (None, {}):
                raise _SubInvalid("context", "is not stored: send {} or leave it out")
            continue
        sub = compiled.subfield(key)
        if sub is None:
            names = ", ".join(s.name for s in compiled.subfields)
            raise _SubInvalid(str(key), f"unknown sub-field; expected {names} (and context)")
        try:
            if key == "source":
                if sub_value not in ACTOR_SOURCES:
                    raise _Invalid(f"must be one of {', '.join(ACTOR_SOURCES)}")
                cleaned.columns[sub.path] = sub_value
            elif key == "workspaceMemberId":
                member_id = None if sub_value is None else _uuid(sub_value)
                cleaned.columns[sub.path] = member_id
                if member_id is not None:
                    cleaned.references[f"{compiled.name}.{key}"] = ("workspaceMember", member_id)
            else:
                limit = _column_max_length(compiled, sub, obj) or 255
                cleaned.columns[sub.path] = "" if sub_value is None else _text(sub_value, limit)
        except _Invalid as problem:
            raise _SubInvalid(key, str(problem)) from None


def _join_target(obj: CompiledObject, name: str) -> str | None:
    for relation_field in obj.relations:
        relation = relation_field.relation
        if relation and relation.join_field == name:
            return relation.target
    return None


def clean_scalar(compiled: CompiledField, value: Any, obj: CompiledObject | None = None) -> Any:
    kind = compiled.type
    if value is None:
        if kind == "TEXT" and not compiled.is_custom:
            return ""  # standard text columns store "" for empty, as Twenty does
        # Positions are stored in a NOT NULL column whatever the metadata says.
        if not compiled.is_nullable or kind == "POSITION":
            raise _Invalid("cannot be null")
        return None
    if kind == "TEXT":
        return _text(value, _max_length(compiled, obj))
    if kind == "POSITION" and isinstance(value, str):
        if value not in PLACES:
            raise _Invalid('must be a number, "first" or "last"')
        return value  # a number once the records it goes before or after are known (positions.py)
    if kind in ("NUMBER", "POSITION"):
        number = _number(value)
        if compiled.settings.get("dataType") == "int":
            if number != int(number):
                raise _Invalid("must be a whole number")
            number = int(number)
            if not -INT32 <= number < INT32:
                raise _Invalid("is out of range")
        elif compiled.is_custom and not -INT64 < number < INT64:
            # Stored as JSON: PostgreSQL hands whole numbers back as integers, which must fit in 64 bits.
            raise _Invalid("is out of range")
        return number
    if kind == "BOOLEAN":
        if not isinstance(value, bool):
            raise _Invalid("must be true or false")
        return value
    if kind == "DATE_TIME":
        parsed = parse_datetime(value)
        # Custom values are stored in Twenty's spelling, which sorts and compares as text.
        return date_input.twenty_spelling(parsed) if compiled.is_custom else parsed
    if kind == "DATE":
        if not isinstance(value, str):
            raise _Invalid("must be a date such as 2025-01-31")
        try:
            return date_input.parse_date(value).isoformat()
        except ValueError:
            raise _Invalid("must be a date such as 2025-01-31 or 01/31/2025") from None
    if kind == "UUID":
        return _uuid(value)
    if kind == "SELECT":
        if not isinstance(value, str) or value not in compiled.option_values:
            raise _Invalid(f"must be one of {', '.join(sorted(compiled.option_values))}")
        return value
    if kind == "MULTI_SELECT":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _Invalid("must be a list of option values")
        unknown = [v for v in value if v not in compiled.option_values]
        if unknown:
            raise _Invalid(f"unknown option {unknown[0]!r}; options are {', '.join(sorted(compiled.option_values))}")
        return list(dict.fromkeys(value))
    raise _Invalid(f"fields of type {kind} cannot be written")


def _max_length(compiled: CompiledField, obj: CompiledObject | None) -> int:
    if "maxLength" in compiled.settings:
        return int(compiled.settings["maxLength"])
    if obj is not None and not compiled.is_custom and compiled.path:
        max_length = getattr(obj.model._meta.get_field(compiled.path), "max_length", None)
        if max_length:
            return int(max_length)
    return DEFAULT_MAX_TEXT


def _text(value: Any, max_length: int) -> str:
    if not isinstance(value, str):
        raise _Invalid("must be a string")
    if len(value) > max_length:
        raise _Invalid(f"is too long ({len(value)} characters; at most {max_length})")
    if "\x00" in value:
        raise _Invalid("must not contain NUL characters")
    return value


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid("must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise _Invalid("must be a finite number")
    return value


def _from_numeric_string(value: Any) -> Any:
    """A number sent as a string (``"5000000"``), as Twenty takes composite numbers; any
    other value as it is."""
    if not isinstance(value, str):
        return value
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        raise _Invalid("must be a number") from None


def _uuid(value: Any) -> uuid.UUID:
    if not isinstance(value, str):
        raise _Invalid("must be a UUID string")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise _Invalid(f"{value[:50]!r} is not a valid UUID") from None


def parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise _Invalid("must be a date-time string such as 2025-01-31T09:30:00Z")
    try:
        # Normalised to UTC here, so an offset that pushes it out of range is a 400, not a crash at save time.
        return date_input.parse_datetime(value)
    except (ValueError, OverflowError):
        raise _Invalid(
            f"{value[:50]!r} is not a date-time such as 2025-01-31T09:30:00Z (ISO 8601) or 01/31/2025"
        ) from None


def _clean_composite(
    compiled: CompiledField,
    value: Any,
    cleaned: CleanedInput,
    existing_custom: dict[str, Any],
    obj: CompiledObject | None = None,
) -> None:
    if value is None:
        if compiled.is_custom:
            cleaned.custom[compiled.name] = None
        else:
            for sub in compiled.subfields:
                cleaned.columns[sub.path] = _empty(sub, compiled)
        return
    if not isinstance(value, dict):
        raise _Invalid(f"must be an object with {', '.join(s.name for s in compiled.subfields)}")
    unknown = [key for key in value if compiled.subfield(key) is None]
    if unknown:
        raise _SubInvalid(
            str(unknown[0]), f"unknown sub-field; expected {', '.join(s.name for s in compiled.subfields)}"
        )
    subvalues = {key: _clean_sub(compiled, compiled.subfield(key), v, obj) for key, v in value.items()}  # type: ignore[arg-type]
    # Phones and links are checked and completed as Twenty does it; their refusals
    # (TwentyWordedError) go up to clean_record_input as they are.
    if compiled.type == "PHONES":
        subvalues = complete_phones(subvalues)
    elif compiled.type == "LINKS":
        subvalues = clean_links(subvalues)
        subvalues = {key: _empty(compiled.subfield(key), compiled) if v is None else v for key, v in subvalues.items()}  # type: ignore[arg-type]
    elif compiled.type in CANONICAL_SUB_FIELDS:
        # Stored in one spelling (crm/services/canonical_values.py).
        subvalues = {key: canonical_sub_value(key, sub_value) for key, sub_value in subvalues.items()}
    if compiled.is_custom:
        # Partial updates keep the sub-fields that were not sent.
        previous = existing_custom.get(compiled.name) or {s.name: _empty(s, compiled) for s in compiled.subfields}
        cleaned.custom[compiled.name] = {**previous, **subvalues}
        return
    for key, sub_value in subvalues.items():
        sub = compiled.subfield(key)
        assert sub is not None
        cleaned.columns[sub.path] = sub_value


def sub_text_limit(sub: SubField) -> int:
    # URLs are bounded by the unique index on a company's domain (a btree entry holds
    # at most about 2,700 bytes); other text as any text field.
    return sub.max_length or (MAX_URL if "Url" in sub.name else DEFAULT_MAX_TEXT)


def _empty(sub: SubField, compiled: CompiledField) -> Any:
    if sub.kind == "list":
        return []
    if sub.kind == "text" and not compiled.is_custom:
        return ""
    return None


def _column_max_length(compiled: CompiledField, sub: SubField, obj: CompiledObject | None) -> int | None:
    """Some columns are narrower than the generic limits (phone codes); PostgreSQL enforces them."""
    if obj is None or compiled.is_custom:
        return None
    return getattr(obj.model._meta.get_field(sub.path), "max_length", None)


def _clean_sub(compiled: CompiledField, sub: SubField, value: Any, obj: CompiledObject | None = None) -> Any:
    try:
        if value is None:
            return _empty(sub, compiled)
        if sub.kind == "text":
            text = _text(value, sub_text_limit(sub))
            if sub.name == "primaryEmail" and text and not EMAIL_RE.match(text):
                raise _Invalid(f"{text[:50]!r} is not an email address")
            if sub.name == "currencyCode":
                # Stored in capitals, however sent (Stripe, for one, sends "usd").
                text = text.upper()
                if text and not CURRENCY_RE.match(text):
                    raise _Invalid("must be a three-letter ISO 4217 code such as USD")
            column_limit = _column_max_length(compiled, sub, obj)
            if column_limit and len(text) > column_limit:
                raise _Invalid(f"is too long ({len(text)} characters; at most {column_limit})")
            return text
        if sub.kind in ("bigint", "float") and value == "":
            return _empty(sub, compiled)  # as Twenty reads it: no value
        if sub.kind == "bigint":
            number = _number(_from_numeric_string(value))
            if number != int(number) or not -INT64 <= number < INT64:
                raise _Invalid("must be a whole number (micros: 1 unit = 1,000,000)")
            return int(number)
        if sub.kind == "float":
            return float(_number(_from_numeric_string(value)))
        if sub.kind == "uuid":
            return str(_uuid(value))
        if sub.kind == "list":
            items = _list(value)
            if sub.name == "additionalEmails":
                for item in items:
                    if not isinstance(item, str) or not EMAIL_RE.match(item):
                        raise _Invalid(f"{str(item)[:50]!r} is not an email address")
            return items
    except _Invalid as problem:
        raise _SubInvalid(sub.name, str(problem)) from None
    raise _SubInvalid(sub.name, "cannot be written")


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _Invalid("must be a list")
    if len(value) > MAX_LIST_ITEMS:
        raise _Invalid(f"has more than {MAX_LIST_ITEMS} items")
    for item in value:
        if isinstance(item, str):
            _text(item, MAX_URL)
        elif isinstance(item, dict):
            for key, sub in item.items():
                if not isinstance(key, str) or not (sub is None or isinstance(sub, str)):
                    raise _Invalid("items must be strings or objects of strings")
                _text(key, 255)  # keys too: PostgreSQL's jsonb refuses NUL anywhere
                if sub is not None:
                    _text(sub, MAX_URL)
        else:
            raise _Invalid("items must be strings or objects of strings")
    return value
