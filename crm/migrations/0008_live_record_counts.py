"""Each workspace's number of live records per object, kept by the database itself.

Triggers on every record table adjust ``crm_liverecordcount`` in the transaction of each
write, whoever writes (crm/query/live_counts.py says why and how the rows are read).
The SQL differs per vendor, the design does not:

- PostgreSQL: per table, one AFTER trigger per operation, FOR EACH STATEMENT, reading the
  statement's changed rows from transition tables: a statement writing 1,000 records
  updates each count it changes once.
- SQLite has no transition tables: the same three triggers, FOR EACH ROW.

Either way an insert adds the live rows inserted, a delete takes away the live rows
deleted, and an update does both (old rows out, new rows in), so soft delete, restore
and any move between workspaces or objects are counted.

A count is the sum of a few rows (``slot``): on PostgreSQL each database connection
adds to its own slot (its backend's pid modulo SLOTS), so concurrent writers to one
object in one workspace do not queue behind each other's commits on a single row.
SQLite has one writer at a time and one slot. An increase creates its slot's row when
missing (INSERT ... ON CONFLICT); a decrease only updates an existing row (its own slot
when there is one, else another), so the deletions cascading from a workspace or custom
object being deleted never bring back the rows deleted with it.

On SQLite, Django rebuilds a table for many column changes (``_remake_table``), which
drops its triggers: a later migration that does so must run ``install_triggers`` again
for that table (tests/records/test_live_counts.py checks every record table has them).
"""

from django.db import migrations, models
import django.db.models.deletion

COUNTS = "crm_liverecordcount"
# Standard objects own a table: their key is the table's name.
STANDARD_TABLES = (
    "crm_company",
    "crm_person",
    "crm_opportunity",
    "crm_note",
    "crm_notetarget",
    "crm_task",
    "crm_tasktarget",
)
# Custom objects share one table: their key is the object's id in 32 hex digits.
CUSTOM_TABLE = "crm_customrecord"
OPERATIONS = ("insert", "update", "delete")
SLOTS = 16
PG_SLOT = f"(pg_backend_pid() % {SLOTS})"


def trigger_name(table, operation):
    return f"{table}_live_count_{operation}"


# PostgreSQL ----------------------------------------------------------------------------

PG_KEYS = {
    "crm_count_live_records": "TG_TABLE_NAME::text",
    "crm_count_live_custom_records": "replace(object_id::text, '-', '')",
}


def _pg_changes(rows, sign, key):
    return f"SELECT workspace_id, {key} AS object_key, {sign}1 AS change FROM {rows} WHERE deleted_at IS NULL"


def _pg_apply(changes):
    """One statement: sum the changes per count, take the decreases from existing rows
    (this connection's slot first) and add the increases to this connection's slot,
    creating its row as needed."""
    return f"""
        WITH changes AS ({changes}),
        deltas AS (
            SELECT workspace_id, object_key, SUM(change) AS delta FROM changes
            GROUP BY workspace_id, object_key HAVING SUM(change) <> 0
        ),
        decreases AS (
            UPDATE {COUNTS} AS counted SET live = counted.live + deltas.delta FROM deltas
            WHERE deltas.delta < 0
              AND counted.workspace_id = deltas.workspace_id AND counted.object_key = deltas.object_key
              AND counted.slot = (
                  SELECT slot FROM {COUNTS} AS kept
                  WHERE kept.workspace_id = deltas.workspace_id AND kept.object_key = deltas.object_key
                  ORDER BY kept.slot = {PG_SLOT} DESC, kept.slot LIMIT 1
              )
        )
        INSERT INTO {COUNTS} AS counted (workspace_id, object_key, slot, live)
        SELECT workspace_id, object_key, {PG_SLOT}, delta FROM deltas WHERE delta > 0
        ON CONFLICT (workspace_id, object_key, slot) DO UPDATE SET live = counted.live + EXCLUDED.live"""


def _pg_function(name, key):
    added = _pg_changes("new_rows", "", key)
    removed = _pg_changes("old_rows", "-", key)
    return f"""
        CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN {_pg_apply(added)};
            ELSIF TG_OP = 'DELETE' THEN {_pg_apply(removed)};
            ELSE {_pg_apply(f"{added} UNION ALL {removed}")};
            END IF;
            RETURN NULL;
        END
        $$"""


# PostgreSQL allows transition tables only on a trigger of one operation.
PG_TRANSITIONS = {
    "insert": "NEW TABLE AS new_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
}


def _pg_triggers(table, function):
    return [
        f"CREATE TRIGGER {trigger_name(table, operation)} AFTER {operation.upper()} ON {table}"
        f" REFERENCING {PG_TRANSITIONS[operation]} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        for operation in OPERATIONS
    ]


def _pg_install(tables):
    statements = [_pg_function(name, key) for name, key in PG_KEYS.items()]
    for table in tables:
        function = "crm_count_live_custom_records" if table == CUSTOM_TABLE else "crm_count_live_records"
        statements += [f"DROP TRIGGER IF EXISTS {trigger_name(table, op)} ON {table}" for op in OPERATIONS]
        statements += _pg_triggers(table, function)
    return statements


# SQLite --------------------------------------------------------------------------------


def _sqlite_key(table, row):
    return f"{row}.object_id" if table == CUSTOM_TABLE else f"'{table}'"


def _sqlite_triggers(table):
    new_key, old_key = _sqlite_key(table, "NEW"), _sqlite_key(table, "OLD")
    # SELECT ... WHERE rather than VALUES: only a live row counts. (SQLite also needs a
    # WHERE there to read ON CONFLICT as the upsert's, not as part of the SELECT.)
    add_new = f"""
        INSERT INTO {COUNTS} (workspace_id, object_key, slot, live)
        SELECT NEW.workspace_id, {new_key}, 0, 1 WHERE NEW.deleted_at IS NULL
        ON CONFLICT (workspace_id, object_key, slot) DO UPDATE SET live = live + 1;"""
    remove_old = f"""
        UPDATE {COUNTS} SET live = live - 1
        WHERE OLD.deleted_at IS NULL AND workspace_id = OLD.workspace_id AND object_key = {old_key} AND slot = 0;"""
    # Most updates change neither: they leave the counts alone.
    counted_differently = (
        f"(OLD.deleted_at IS NULL) IS NOT (NEW.deleted_at IS NULL)"
        f" OR OLD.workspace_id IS NOT NEW.workspace_id OR {old_key} IS NOT {new_key}"
    )
    return [
        f"CREATE TRIGGER {trigger_name(table, 'insert')} AFTER INSERT ON {table} BEGIN {add_new} END",
        f"CREATE TRIGGER {trigger_name(table, 'update')} AFTER UPDATE ON {table}"
        f" WHEN {counted_differently} BEGIN {remove_old} {add_new} END",
        f"CREATE TRIGGER {trigger_name(table, 'delete')} AFTER DELETE ON {table} BEGIN {remove_old} END",
    ]


def _sqlite_install(tables):
    statements = []
    for table in tables:
        statements += [f"DROP TRIGGER IF EXISTS {trigger_name(table, op)}" for op in OPERATIONS]
        statements += _sqlite_triggers(table)
    return statements


# Both ----------------------------------------------------------------------------------


def _recount(vendor):
    """Every count from the records as they are now."""
    custom_key = "replace(object_id::text, '-', '')" if vendor == "postgresql" else "object_id"
    sources = [(table, f"'{table}'", "workspace_id") for table in STANDARD_TABLES]
    sources.append((CUSTOM_TABLE, custom_key, "workspace_id, object_id"))
    return [f"DELETE FROM {COUNTS}"] + [
        f"INSERT INTO {COUNTS} (workspace_id, object_key, slot, live)"
        f" SELECT workspace_id, {key}, 0, COUNT(*) FROM {table} WHERE deleted_at IS NULL GROUP BY {group}"
        for table, key, group in sources
    ]


def install_triggers(schema_editor, tables=(*STANDARD_TABLES, CUSTOM_TABLE)):
    """(Re)create the triggers of ``tables``, then count every object's live records.

    The triggers come first: on PostgreSQL creating one locks its table against writes
    until the migration commits, so the count that follows misses no write, and every
    write after the commit goes through a trigger."""
    vendor = schema_editor.connection.vendor
    statements = _pg_install(tables) if vendor == "postgresql" else _sqlite_install(tables)
    for statement in [*statements, *_recount(vendor)]:
        schema_editor.execute(statement, params=None)


def remove_triggers(schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for table in (*STANDARD_TABLES, CUSTOM_TABLE):
        for operation in OPERATIONS:
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS {trigger_name(table, operation)}" + (f" ON {table}" if postgresql else ""),
                params=None,
            )
    if postgresql:
        for name in PG_KEYS:
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()", params=None)


def install(apps, schema_editor):
    install_triggers(schema_editor)


def uninstall(apps, schema_editor):
    remove_triggers(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("crm", "0007_merge_0005_custom_objects_0006_rich_text_bodies"),
    ]

    operations = [
        migrations.CreateModel(
            name="LiveRecordCount",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "workspace_id",
                        "object_key",
                        "slot",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("object_key", models.CharField(max_length=64)),
                ("slot", models.SmallIntegerField(default=0)),
                ("live", models.BigIntegerField(default=0)),
                (
                    "workspace",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="crm.workspace",
                    ),
                ),
            ],
        ),
        migrations.RunPython(install, uninstall),
    ]
