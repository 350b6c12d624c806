"""Which events an endpoint gets: the one rule, in Python and in SQL.

An endpoint subscribes to operations written ``object.action``, with ``*`` for any
object or any action. An event ``person.created`` is covered by exactly four spellings:
``*.*``, ``person.*``, ``*.created`` and ``person.created``. Every caller asks this
module: the fan-out in Python (SQLite) and in SQL (PostgreSQL, where the database
matches endpoints while it inserts events), and the settings form's grid of events.
"""

from __future__ import annotations

ACTIONS = ("created", "updated", "deleted", "restored", "destroyed")
ANY = "*"
# The spellings that cover an event, as (object part, action part); None stands for the
# event's own object or action.
_COVERING = ((ANY, ANY), (None, ANY), (ANY, None), (None, None))


def covering_operations(object_name: str, action: str) -> list[str]:
    """The operations that cover the event ``object_name.action``."""
    return [f"{obj or object_name}.{act or action}" for obj, act in _COVERING]


def operation_matches(operation: str, object_name: str, action: str) -> bool:
    return operation in covering_operations(object_name, action)


def subscribes(operations: list[str] | None, object_name: str, action: str) -> bool:
    covering = covering_operations(object_name, action)
    return any(operation in covering for operation in operations or ())


def covering_operations_sql(object_column: str, action_column: str) -> str:
    """``covering_operations`` as a PostgreSQL text array over two columns of a query:
    ``endpoint.operations ?| <this>`` is true when the endpoint gets the row's event."""
    parts = []
    for obj, act in _COVERING:
        left = f"'{obj}'" if obj else object_column
        right = f"'{act}'" if act else action_column
        parts.append(f"{left} || '.' || {right}")
    return f"ARRAY[{', '.join(parts)}]"
