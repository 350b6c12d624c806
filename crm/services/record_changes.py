"""How the record service announces what it changed, to whoever listens.

The record service writes every change together with its announcement, in the same
database transaction: a listener writes its own rows there (the webhooks app writes the
change's ``Event`` and its deliveries), so a change is never written without them, nor
they without it. This module is the record service's own interface for that, so the CRM
core knows nothing of webhooks: the webhooks app registers its listener when it loads
(``WebhooksConfig.ready``), and the record service calls ``announce`` inside each write.

Creates, the busiest write, go one step further (``insert_and_announce``): a listener
that writes its rows with one statement may also take the records' INSERT into that
statement. One statement is atomic on its own, so the create then needs no transaction:
one round trip to the database instead of four (BEGIN, two INSERTs, COMMIT).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

from crm.models import Workspace
from crm.query import compiled_insert
from crm.services.actor import Actor


@dataclass(frozen=True)
class RecordChange:
    object_name: str  # singular: person, company, ...
    action: str  # created, updated, deleted, restored or destroyed
    record: dict[str, Any]  # as REST returns it at depth 0: after the change, before it for a removal
    updated_fields: list[str] | None = None
    previous: dict[str, Any] | None = None  # the updated fields' values before the change


@dataclass(frozen=True)
class Statement:
    sql: str
    params: list[Any]


ChangeListener = Callable[[Workspace, Actor, list[RecordChange]], None]
# Writes the listener's rows in one statement that also runs ``Statement`` (a CTE);
# returns False when it cannot (another database), having written nothing.
SharedStatementWriter = Callable[[Statement, Workspace, Actor, list[RecordChange]], bool]

_listeners: list[ChangeListener] = []
_shared_writers: dict[ChangeListener, SharedStatementWriter] = {}
# Bind parameters PostgreSQL takes in one statement are at most 65,535; a shared
# statement stays well below, with the listener's own.
MAX_SHARED_PARAMS = 20_000


def listen(listener: ChangeListener, *, sharing: SharedStatementWriter | None = None) -> None:
    """Call ``listener`` with every batch of changes, inside the writing transaction;
    ``sharing`` is its way of writing the same rows in one statement with a create's
    INSERT (see the module's docstring)."""
    if listener not in _listeners:
        _listeners.append(listener)
    if sharing is not None:
        _shared_writers[listener] = sharing


def announce(workspace: Workspace, actor: Actor, changes: list[RecordChange]) -> None:
    for listener in _listeners:
        listener(workspace, actor, changes)


def insert_and_announce(
    model: type[Model], instances: list[Model], workspace: Workspace, actor: Actor, changes: list[RecordChange]
) -> None:
    """Insert new records and announce their creation, all or nothing: as one statement
    when the only listener can share one and no transaction is open, else in a transaction."""
    if not connection.in_atomic_block and len(_listeners) == 1 and _listeners[0] in _shared_writers:
        insert = compiled_insert.insert_sql(model, instances)
        if insert is not None and len(insert[1]) <= MAX_SHARED_PARAMS:
            if _shared_writers[_listeners[0]](Statement(*insert), workspace, actor, changes):
                compiled_insert.mark_saved(instances)
                return
    with transaction.atomic():
        compiled_insert.insert(model, instances)
        announce(workspace, actor, changes)
