"""The aggregates an object offers, named as Twenty names them, and their SQL.

``totalCount`` counts records; every number field has ``sum``, ``avg``, ``min`` and
``max`` (``sumEmployees``), every currency field the same over its amount in micros
(``sumAmountAmountMicros``), and every date-time field its earliest and latest value
(``minCloseDate``, ``maxCreatedAt``). Custom fields have them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db.models import Avg, BigIntegerField, Count, F, FloatField, Max, Min, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from crm.metadata.schema import CompiledField, CompiledObject
from crm.query.serialize import format_datetime

TOTAL_COUNT = "totalCount"
NUMBER_FUNCTIONS = {"sum": Sum, "avg": Avg, "min": Min, "max": Max}
DATE_FUNCTIONS = {"min": Min, "max": Max}


@dataclass(frozen=True)
class Aggregate:
    name: str
    function: str  # count, sum, avg, min or max
    # The ORM path of the value aggregated (None for totalCount), and how to read it.
    path: str | None = None
    kind: str = "count"  # count | int | float | datetime
    is_custom: bool = False

    @property
    def returns_datetime(self) -> bool:
        return self.kind == "datetime"

    def expression(self) -> Any:
        if self.path is None:
            return Count("id")
        value: Any = F(self.path)
        if self.is_custom:
            # Custom values are JSON: read the text and cast it to a number the database can add up.
            value = Cast(KT(self.path), BigIntegerField() if self.kind == "int" else FloatField())
        functions = DATE_FUNCTIONS if self.kind == "datetime" else NUMBER_FUNCTIONS
        return functions[self.function](value)

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
    if field.type == "DATE_TIME" and field.path and not field.is_custom:
        return [Aggregate(f"{fn}{base}", fn, field.path, "datetime") for fn in DATE_FUNCTIONS]
    return []


@lru_cache(maxsize=512)
def object_aggregates(obj: CompiledObject) -> dict[str, Aggregate]:
    """Every aggregate of this object by name, totalCount first."""
    found = {TOTAL_COUNT: Aggregate(TOTAL_COUNT, "count")}
    for field in obj.value_fields:
        for aggregate in _field_aggregates(field):
            found[aggregate.name] = aggregate
    return found
