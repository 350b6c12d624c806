"""How many live records an object has in a workspace, read without counting them.

An unfiltered list's ``totalCount`` is every live (not soft-deleted) record of the
object in the workspace. Counting them (COUNT(*)) reads every one, on every request:
some 35 ms for 100,000 people on PostgreSQL. So the database keeps that number in
``crm_liverecordcount`` (crm.models.LiveRecordCount), one row per workspace and
object, and a list reads one row. Filtered counts still count: they read only the
matching records, through the indexes.

Kept by the database, whoever writes: triggers on every record table (migration
0008_live_record_counts, with the SQL of each vendor) adjust the row in the transaction
of each write that changes it, whether the record service, an ORM ``bulk_create`` (seed
data), the cascade of a workspace's or a custom object's deletion, or plain SQL wrote
the records. On PostgreSQL they run once per statement, so a write of a thousand
records updates the count once; on SQLite once per row.

No row means zero, exactly: the migration stored every count there was, and the first
live record written since creates its row. Nothing here ever stores a count it read,
nor falls back to counting and storing the result: a count stored from a COUNT(*) would
race with a write committing between the two (the count misses the write, then the
stored number overwrites what the write's trigger added). Only the triggers change
the numbers.

Writers do not queue behind each other: the number is kept in a few rows (slots), each
database connection adding to its own, and a list sums them (at most 16 rows, read
through the primary key). With one row, two transactions creating people in a workspace
at the same moment would take turns, the second waiting from its insert until the first
had committed, and commits would no longer be flushed together.
"""

from __future__ import annotations

import uuid
from functools import cache

from django.db import connection

from crm.metadata.schema import CompiledObject
from crm.models import LiveRecordCount, Workspace
from crm.query.kept_cursor import fetch_all


def live_record_count(workspace: Workspace, obj: CompiledObject) -> int:
    """The live records of ``obj`` in ``workspace``: an unfiltered list's totalCount."""
    workspace_id = Workspace._meta.pk.get_db_prep_value(workspace.pk, connection)
    ((live,),) = fetch_all(_count_sql(), [workspace_id, object_key(obj)])
    return int(live or 0)


def object_key(obj: CompiledObject) -> str:
    """What the triggers name an object's count by: a standard object's table, or (as
    custom objects share one table) a custom object's id."""
    return uuid.UUID(obj.id).hex if obj.is_custom else obj.model._meta.db_table


def forget_custom_object(workspace: Workspace, object_id: uuid.UUID | str) -> None:
    """A deleted custom object's count goes with it (its records' deletion brought it
    to zero). A workspace's counts go with the workspace (a foreign key)."""
    LiveRecordCount.objects.filter(workspace=workspace, object_key=uuid.UUID(str(object_id)).hex).delete()


@cache
def _count_sql() -> str:
    quote = connection.ops.quote_name
    table = quote(LiveRecordCount._meta.db_table)
    # Identifiers from the model; values are parameters.
    return (
        f"SELECT SUM({quote('live')}) FROM {table}"  # noqa: S608
        f" WHERE {quote('workspace_id')} = %s AND {quote('object_key')} = %s"
    )
