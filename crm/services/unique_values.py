"""A person's primary email and a company's domain name each name one live record of a
workspace, as in Twenty: a second record with the same value is refused.

The database holds the rule (a partial unique index per value, over live records with a
value: ``Person.Meta`` and ``Company.Meta``), so two requests racing cannot both write
the same value, and a write that passes costs nothing more. This module turns the
database's refusal into the API's error, in Twenty's words: ``A duplicate entry was
detected``, with the field that holds the value.

Values are compared in their one stored spelling (crm/services/canonical_values.py):
``Ada@Example.com`` is the same primary email as ``ada@example.com``. Deleted records
keep their values without holding them: restoring one whose value a live record now
has is refused in the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import IntegrityError, models

from crm.metadata.schema import snake_case
from crm.metadata.standard_objects import STANDARD_OBJECTS, STANDARD_OBJECTS_BY_NAME, ObjectSpec
from crm.services.record_input import RecordValidationError

DUPLICATE_ENTRY = "A duplicate entry was detected"


@dataclass(frozen=True)
class UniqueValue:
    object_name: str
    field: str
    sub: str
    label: str
    constraint: models.UniqueConstraint
    model: type[models.Model]

    @property
    def path(self) -> str:
        return f"{self.field}.{self.sub}"


class DuplicateEntryError(RecordValidationError):
    """A write would give a second live record a value that names one; nothing was written."""

    def __init__(self, unique: UniqueValue) -> None:
        super().__init__({"": [DUPLICATE_ENTRY], unique.path: [f"another {unique.object_name} already has this value"]})
        # GraphQL's message is Twenty's alone; which field it is goes in fieldErrors.
        self.args = (DUPLICATE_ENTRY,)
        self.graphql_extensions = {
            "userFriendlyMessage": f"This {unique.label} value is already in use. Please check your data and try again."
        }


def unique_values() -> list[UniqueValue]:
    """Every value that names one live record, with the constraint that holds it."""
    return [_unique_value(spec, field, sub) for spec in STANDARD_OBJECTS for field, sub in spec.unique_fields]


def is_unique(object_name: str, field_name: str) -> bool:
    """Whether the field holds a value that names one record (metadata's ``isUnique``)."""
    spec = STANDARD_OBJECTS_BY_NAME.get(object_name)
    return spec is not None and any(field == field_name for field, _sub in spec.unique_fields)


@contextmanager
def duplicates_refused() -> Iterator[None]:
    """Around a write: a unique value written twice raises ``DuplicateEntryError``."""
    try:
        yield
    except IntegrityError as error:
        unique = next((u for u in unique_values() if _violates(error, u)), None)
        if unique is None:
            raise
        raise DuplicateEntryError(unique) from error


def _unique_value(spec: ObjectSpec, field: str, sub: str) -> UniqueValue:
    column = f"{snake_case(field)}_{snake_case(sub)}"
    constraint = next(
        c for c in spec.model._meta.constraints if isinstance(c, models.UniqueConstraint) and column in c.fields
    )
    label = next(f.label for f in spec.fields if f.name == field)
    return UniqueValue(spec.name_singular, field, sub, label, constraint, spec.model)


def _violates(error: IntegrityError, unique: UniqueValue) -> bool:
    # PostgreSQL names the index; SQLite names its columns.
    diag = getattr(error.__cause__, "diag", None)
    if diag is not None:
        return diag.constraint_name == unique.constraint.name
    meta = unique.model._meta
    columns = ", ".join(f"{meta.db_table}.{meta.get_field(name).column}" for name in unique.constraint.fields)
    return str(error) == f"UNIQUE constraint failed: {columns}"
