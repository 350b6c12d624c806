"""Sending a write's statements without waiting for each answer (PostgreSQL).

A record write is a transaction of a few statements: BEGIN, the INSERT, the event
outbox's INSERT, COMMIT. Each waits for the database's answer before the next is sent,
so the request pays a round trip per statement. In psycopg's pipeline mode statements
go out at once and answers are read when needed (a fetch, the commit), so the same
transaction costs two round trips. Errors are the same; they may surface at the next
read rather than at the statement that caused them, and the transaction fails whole as
it would have. Other databases run the block as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def pipelined() -> Iterator[None]:
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        # Inside an outer transaction its caller decides; nesting gains nothing.
        yield
        return
    connection.ensure_connection()
    with connection.connection.pipeline():
        yield
