"""Rows to JSON-ready dicts, in the shape the REST API returns (depth 0).

A serializer is compiled once per compiled object: a list of small getters over
the dicts that ``QuerySet.values()`` yields, with no per-field serializer objects
on the read path.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

from crm import date_input
from crm.metadata.schema import CompiledField, CompiledObject

Row = dict[str, Any]
Getter = Callable[[Row], Any]


def format_datetime(value: datetime | None) -> str | None:
    return None if value is None else date_input.twenty_spelling(value)


def _scalar_getter(field: CompiledField) -> Getter:
    path = field.path
    assert path is not None
    if field.is_custom:
        name = field.name
        return lambda row: row["custom"].get(name) if row["custom"] else None
    if field.type == "DATE_TIME":
        return lambda row: format_datetime(row[path])
    if field.type == "POSITION":
        # Always a float, whether the value comes from the database or from a new instance.
        return lambda row: None if row[path] is None else float(row[path])
    if field.type == "UUID":
        return lambda row: None if row[path] is None else str(row[path])
    return lambda row: row[path]


def _composite_getter(field: CompiledField) -> Getter:
    names = [sub.name for sub in field.subfields]
    if field.is_custom:
        key = field.name

        def custom_getter(row: Row) -> dict[str, Any] | None:
            stored = (row["custom"] or {}).get(key)
            if stored is None:
                return None
            return {name: stored.get(name) for name in names}

        return custom_getter
    pairs = [(sub.name, sub.path, sub.kind) for sub in field.subfields]

    def getter(row: Row) -> dict[str, Any]:
        return {
            name: (str(row[path]) if kind == "uuid" and row[path] is not None else row[path])
            for name, path, kind in pairs
        }

    return getter


@lru_cache(maxsize=512)
def compile_serializer(obj: CompiledObject) -> tuple[tuple[str, ...], Callable[[Row], dict[str, Any]]]:
    """Return the ``values()`` columns a row needs and the function that shapes it."""
    columns: list[str] = ["custom"]
    getters: list[tuple[str, Getter]] = []
    for field in obj.value_fields:
        if field.is_composite:
            if not field.is_custom:
                columns.extend(sub.path for sub in field.subfields)
            getters.append((field.name, _composite_getter(field)))
        else:
            if not field.is_custom:
                columns.append(field.path or "")
            getters.append((field.name, _scalar_getter(field)))

    def serialize(row: Row) -> dict[str, Any]:
        return {name: get(row) for name, get in getters}

    return tuple(dict.fromkeys(columns)), serialize


def serialize_instance(obj: CompiledObject, instance: Any) -> dict[str, Any]:
    """Serialize a model instance already in memory (used on the write path)."""
    columns, serialize = compile_serializer(obj)
    row = {column: getattr(instance, column) for column in columns}
    return serialize(row)
