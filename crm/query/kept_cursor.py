"""The API's busiest statements, run on one cursor kept per database connection.

Each ``connection.cursor()`` makes a new driver cursor, and a new psycopg cursor learns
anew, on its first statement, how to write each parameter type and read each column
type; Django's cursor wrapper adds its own steps around it. For reading one record that
was about 30 µs of CPU out of some 420. The statements run here are executed and
fetched at once, never interleaved with another statement, so one cursor per
connection can serve them all and keep what it learned.

Nothing else changes: Django's checks before a statement (the connection's health, a
broken transaction) run as they would, and errors come out as Django's database errors,
marking the connection as Django does. While anything watches the queries (DEBUG, the
tests' query counts, an ``execute_wrapper``), the statements run through Django's own
cursor, so they are logged, counted and wrapped like every other. On SQLite (where
Django's cursor also rewrites the placeholders) they always do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper


def fetch_all(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Every row ``sql`` answers with ``params``, as ``cursor.fetchall()`` gives them."""
    # The connection itself, not django.db.connection: that proxy finds it anew on every attribute.
    database = connections[DEFAULT_DB_ALIAS]
    if database.vendor != "postgresql" or database.queries_logged or database.execute_wrappers:
        with database.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    cursor = _kept_cursor(database)
    with database.wrap_database_errors:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _kept_cursor(database: BaseDatabaseWrapper) -> Any:
    # What Django's connection.cursor() and cursor.execute() check first.
    database.close_if_health_check_failed()
    database.ensure_connection()
    database.validate_no_broken_transaction()
    kept = getattr(database, "kept_cursor", None)
    # A cursor belongs to one driver connection: after a reconnect, a new one.
    if kept is None or kept[0] is not database.connection:
        with database.wrap_database_errors:
            kept = (database.connection, database.create_cursor())
        database.kept_cursor = kept
    return kept[1]
