"""The aggregates an object offers, named as Twenty names them, and their SQL.

``totalCount`` counts records; every number field has ``sum``, ``avg``, ``min`` and
``max`` (``sumEmployees``), every currency field the same over its amount in micros
(``sumAmountAmountMicros``), every date-time field its earliest and latest value
(``minCloseDate``, ``maxCreatedAt``), and every boolean field how many records hold
true and false (``countTrueIdealCustomerProfile``, ``countFalseIdealCustomerProfile``).
Every field but a relation also has the counts
Twenty's tables show under a column: ``countEmptyCity``, ``countNotEmptyCity``,
``countUniqueValuesCity`` and the shares ``percentageEmptyCity`` and
``percentageNotEmptyCity`` (from 0 to 1). A value is empty when it is missing, an empty
text or an empty list; a composite value (a name, an address) when all its parts are.
Custom fields have them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db.models import (
    Avg,
    BigIntegerField,
    CharField,
    Count,
    F,
    FloatField,
    JSONField,
    Max,
    Min,
    Q,
    Sum,
    TextField,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Concat, NullIf

from crm.metadata.schema import CompiledField, CompiledObject
from crm.models import Workspace
from crm.query.ast import Node
from crm.query.compile import filter_to_q
from crm.query.record_queries import records
from crm.query.serialize import format_datetime
from crm.query.trash import reaches_deleted

TOTAL_COUNT = "totalCount"
NUMBER_FUNCTIONS = {"sum": Sum, "avg": Avg, "min": Min, "max": Max}
DATE_FUNCTIONS = {"min": Min, "max": Max}
# Records holding true, and false (a missing value is neither).
BOOLEAN_FUNCTIONS = {"countTrue": True, "countFalse": False}
# Counts of the values present (not empty) and missing, in the order Twenty lists them.
PRESENCE_FUNCTIONS = ("countUniqueValues", "countEmpty", "countNotEmpty", "percentageEmpty", "percentageNotEmpty")


@dataclass(frozen=True)
class Aggregate:
    name: str
    function: str  # count, sum, avg, min, max, countTrue, countFalse or one of PRESENCE_FUNCTIONS
    # The ORM path of the value aggregated (None for totalCount), and how to read it.
    path: str | None = None
    kind: str = "count"  # count | int | float | datetime
    is_custom: bool = False
    # For PRESENCE_FUNCTIONS: the field's value, NULL where it is empty.
    present_value: Any = None

    @property
    def returns_datetime(self) -> bool:
        return self.kind == "datetime"

    def expression(self) -> Any:
        if self.present_value is not None:
            return self._presence_expression()
        if self.path is None:
            return Count("id")
        if self.function in BOOLEAN_FUNCTIONS:
            return Count("id", filter=Q(**{self.path: BOOLEAN_FUNCTIONS[self.function]}))
        value: Any = F(self.path)
        if self.is_custom:
            # Custom values are JSON: read the text and cast it to a number the database can add up.
            value = Cast(KT(self.path), BigIntegerField() if self.kind == "int" else FloatField())
        functions = DATE_FUNCTIONS if self.kind == "datetime" else NUMBER_FUNCTIONS
        return functions[self.function](value)

    def _presence_expression(self) -> Any:
        present = Count(self.present_value)
        if self.function == "countUniqueValues":
            return Count(self.present_value, distinct=True)
        if self.function == "countNotEmpty":
            return present
        if self.function == "countEmpty":
            return Count("id") - present
        counted = present if self.function == "percentageNotEmpty" else Count("id") - present
        # No records, no share: null, as Twenty answers.
        return Cast(counted, FloatField()) / NullIf(Cast(Count("id"), FloatField()), Value(0.0))

    def present(self, value: Any) -> Any:
        """The database's answer as the APIs return it."""
        if value is None:
            return None
        if self.kind == "datetime":
            return format_datetime(value)
        if self.function == "avg" or self.kind == "float":
            return float(value)
        if isinstance(value, Decimal | float) and value == int(value):
            return int(value)
        return value


def _capitalized(name: str) -> str:
    return name[0].upper() + name[1:]


def _field_aggregates(field: CompiledField) -> list[Aggregate]:
    base = _capitalized(field.name)
    if field.type == "NUMBER" and field.path:
        kind = "int" if field.settings.get("dataType") == "int" else "float"
        return [Aggregate(f"{fn}{base}", fn, field.path, kind, field.is_custom) for fn in NUMBER_FUNCTIONS]
    if field.type == "CURRENCY":
        micros = field.subfield("amountMicros")
        assert micros is not None
        return [
            Aggregate(f"{fn}{base}AmountMicros", fn, micros.path, "int", field.is_custom) for fn in NUMBER_FUNCTIONS
        ]
    if field.type == "BOOLEAN" and field.path:
        return [Aggregate(f"{fn}{base}", fn, field.path, "count", field.is_custom) for fn in BOOLEAN_FUNCTIONS]
    if field.type == "DATE_TIME" and field.path and not field.is_custom:
        return [Aggregate(f"{fn}{base}", fn, field.path, "datetime") for fn in DATE_FUNCTIONS]
    return []


def _presence_aggregates(obj: CompiledObject, field: CompiledField) -> list[Aggregate]:
    if field.id.endswith(":join"):
        return []  # a relation's id: Twenty offers no counts for relations
    value = _value_if_present(obj, field)
    if value is None:
        return []
    base = _capitalized(field.name)
    return [
        Aggregate(f"{fn}{base}", fn, kind="float" if fn.startswith("percentage") else "count", present_value=value)
        for fn in PRESENCE_FUNCTIONS
    ]


def _value_if_present(obj: CompiledObject, field: CompiledField) -> Any:
    """The field's value as an SQL expression that is NULL where the value is empty."""
    if field.is_composite:
        parts = [_as_text(sub.path, field.is_custom) for sub in field.subfields if sub.kind != "list"]
        if not parts:
            return None
        joined = Concat(*parts, output_field=TextField()) if len(parts) > 1 else parts[0]
        return NullIf(joined, Value(""))
    assert field.path is not None
    if field.is_custom:
        return NullIf(NullIf(KT(field.path), Value("")), Value("[]"))
    column = obj.model._meta.get_field(field.path)
    if isinstance(column, CharField | TextField):
        return NullIf(F(field.path), Value(""))
    if isinstance(column, JSONField):
        return NullIf(NullIf(Cast(F(field.path), TextField()), Value("[]")), Value("null"))
    return F(field.path)


def _as_text(path: str, is_custom: bool) -> Any:
    if is_custom:
        return KT(path)
    return Cast(F(path), TextField())


@lru_cache(maxsize=512)
def object_aggregates(obj: CompiledObject) -> dict[str, Aggregate]:
    """Every aggregate of this object by name, totalCount first."""
    found = {TOTAL_COUNT: Aggregate(TOTAL_COUNT, "count")}
    for field in obj.value_fields:
        for aggregate in [*_presence_aggregates(obj, field), *_field_aggregates(field)]:
            found[aggregate.name] = aggregate
    return found


def aggregate_records(
    workspace: Workspace, obj: CompiledObject, node: Node | None, names: Sequence[str]
) -> dict[str, Any]:
    """The named aggregates over every record ``node`` matches (the whole list a page is
    cut from), in one statement."""
    offered = object_aggregates(obj)
    queryset = records(workspace, obj, include_deleted=reaches_deleted(node))
    if node is not None:
        queryset = queryset.filter(filter_to_q(obj, node))
    aliases = {f"_aggregate_{index}": name for index, name in enumerate(names)}
    values = queryset.aggregate(**{alias: offered[name].expression() for alias, name in aliases.items()})
    return {name: offered[name].present(values[alias]) for alias, name in aliases.items()}
