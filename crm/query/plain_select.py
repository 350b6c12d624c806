"""A SELECT of model fields written once and run with a plain cursor.

For the hottest reads (the API key of every request, one record by id), building and
compiling a QuerySet costs several times what the database takes to answer. The SQL
here is written from the models' own metadata (table and column names), so it follows
schema changes, and values go through the same converters the ORM applies, so rows
come back as ``QuerySet.values()`` would give them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model

from crm.query.kept_cursor import fetch_all

Converter = Callable[[Any, Any, Any], Any]


class PlainSelect:
    """``SELECT <fields of model> [, <joined fields>] FROM <table> <tail>``, where
    ``{table}`` in ``tail`` stands for the quoted table of ``model``."""

    def __init__(self, model: type[Model], names: Sequence[str], tail: str, *, joined: Sequence[Field] = ()) -> None:
        # The names of the selected model fields, in the order of each row's values.
        self.names = tuple(names)
        self.fields: list[Field] = [model._meta.get_field(name) for name in names]
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        columns = [f"{table}.{quote(field.column)}" for field in self.fields]
        columns += [f"{quote(field.model._meta.db_table)}.{quote(field.column)}" for field in joined]
        self.fields += list(joined)
        # Identifiers come from model metadata; values are always passed as parameters.
        self.sql = f"SELECT {', '.join(columns)} FROM {table} " + tail.format(table=table)  # noqa: S608
        self._converters: dict[str, list[tuple[int, list[Converter], Any]]] = {}

    def converters(self) -> list[tuple[int, list[Converter], Any]]:
        # Per backend, not per connection: the converters only read settings (time zone)
        # and get the connection they run on as an argument.
        found = self._converters.get(connection.vendor)
        if found is None:
            found = []
            for index, field in enumerate(self.fields):
                # get_col, not cached_col: a foreign key reads as its target field (a UUID).
                column = field.get_col(field.model._meta.db_table)
                functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
                if functions:
                    found.append((index, functions, column))
            self._converters[connection.vendor] = found
        return found

    def rows(self, params: Sequence[Any]) -> list[list[Any]]:
        rows = [list(row) for row in fetch_all(self.sql, params)]
        converters = self.converters()
        for row in rows:
            for index, functions, column in converters:
                value = row[index]
                for function in functions:
                    value = function(value, column, connection)
                row[index] = value
        return rows
