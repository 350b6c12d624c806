"""VALUES lists for multi-row statements written by hand."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SqlValues:
    sql: str
    params: list[object]


def values(row: str, rows: list[tuple[object, ...]]) -> SqlValues:
    """A VALUES list of the given row template, one per row, and its parameters in order."""
    return SqlValues(", ".join([row] * len(rows)), [value for values in rows for value in values])
