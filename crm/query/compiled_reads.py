"""Reads whose SQL depends only on their structure, compiled once and run many times.

Building a QuerySet and compiling it to SQL costs more than PostgreSQL takes to answer
the hottest reads (one record by id, the first page of a list), and clients send the
same few of them again and again. For such a read the SQL only depends on its structure:
which object, which fields, which order and page size. So it is compiled once, with
stand-in values (random UUIDs) where the request's own values go, and each later request
runs the same SQL with its values at the positions the stand-ins took.

Only UUID values (the workspace, a record id) are stood in for: the ORM binds each one
as a parameter of its own, unchanged, so its position in the parameters is certain. The
ORM's converters still apply to every row, so rows read exactly as the QuerySet's would.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLCompiler

from crm.query.kept_cursor import fetch_all

MAX_READS = 1024


@dataclass(frozen=True)
class CompiledRead:
    sql: str
    params: tuple[Any, ...]
    # Stand-in name -> the positions of its value among the parameters.
    slots: Mapping[str, tuple[int, ...]]
    names: tuple[str, ...]
    compiler: SQLCompiler

    def rows(self, values: Mapping[str, uuid.UUID]) -> list[dict[str, Any]]:
        """The rows for these values, as dicts keyed like ``QuerySet.values()``."""
        # The connection itself, not django.db.connection: that proxy finds it anew on every attribute.
        database = connections[DEFAULT_DB_ALIAS]
        params = list(self.params)
        for name, positions in self.slots.items():
            prepared = _prepared(values[name], database)
            for position in positions:
                params[position] = prepared
        fetched = fetch_all(self.sql, params)
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in self.compiler.results_iter(results=[fetched])]


_reads: OrderedDict[tuple[Any, ...], CompiledRead] = OrderedDict()
_lock = threading.Lock()


def compiled_read(
    key: Hashable, stand_in_names: tuple[str, ...], build: Callable[[dict[str, uuid.UUID]], QuerySet[Any]]
) -> CompiledRead:
    """The read ``build`` makes, compiled once per ``key`` and database vendor.

    ``build`` gets a stand-in UUID per name and returns a ``.values()`` QuerySet that uses
    each stand-in only as a bound value (a filter on a UUID column). ``key`` must tell
    apart every structure ``build`` can make: two builds with one key must write the
    same SQL."""
    cache_key = (connection.vendor, key)
    read = _reads.get(cache_key)
    if read is None:
        read = _compile(stand_in_names, build)
        with _lock:
            _reads[cache_key] = read
            if len(_reads) > MAX_READS:
                _reads.popitem(last=False)
    return read


def _compile(stand_in_names: tuple[str, ...], build: Callable[[dict[str, uuid.UUID]], QuerySet[Any]]) -> CompiledRead:
    stand_ins = {name: uuid.uuid4() for name in stand_in_names}
    queryset = build(stand_ins)
    query = queryset.query
    compiler = query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    slots = {}
    for name, stand_in in stand_ins.items():
        prepared = _prepared(stand_in, connection)
        positions = tuple(index for index, param in enumerate(params) if param == prepared)
        if not positions:
            raise ValueError(f"the stand-in for {name!r} is not among the query's parameters")
        slots[name] = positions
    # As ValuesIterable names a row's values.
    names = tuple(query.selected or (*query.extra_select, *query.values_select, *query.annotation_select))
    return CompiledRead(sql, tuple(params), slots, names, compiler)


def _prepared(value: uuid.UUID, database: Any) -> Any:
    # What UUIDField binds: the UUID itself where the database has a UUID type, else its hex.
    return value if database.features.has_native_uuid_field else value.hex
