"""GraphQL filter and orderBy inputs to the shared query nodes (crm.query.ast).

The inputs mirror Twenty's: ``{name: {firstName: {eq: "Ada"}}, city: {ilike: "%par%"}}``
(several entries are ANDed), ``and``/``or``/``not``, and orderBy as a list of
``{field: AscNullsFirst}`` or ``{name: {firstName: AscNullsLast}}``. The nodes go
to the same compiler REST uses, so both APIs filter identically.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any

from crm.metadata.schema import CompiledObject
from crm.query.ast import And, Condition, Node, Not, Or, OrderBy
from crm.query.compile import QueryValueError

LOGICAL_KEYS = frozenset({"and", "or", "not"})


def plain(value: Any) -> Any:
    """Input values as JSON-like Python: enum members become their values."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def filter_node(obj: CompiledObject, value: Mapping[str, Any] | None) -> Node | None:
    """The node for one filter input object, or None when it filters nothing."""
    if not value:
        return None
    children: list[Node] = []
    for key, entry in value.items():
        if entry is None:
            continue
        if key in ("and", "or"):
            converted = [filter_node(obj, item) for item in entry]
            nodes = tuple(node for node in converted if node is not None)
            if key == "or" and len(nodes) < len(converted):
                continue  # an empty alternative matches every record, so the whole "or" does
            if nodes:
                children.append(And(nodes) if key == "and" else Or(nodes))
        elif key == "not":
            node = filter_node(obj, entry)
            if node is not None:
                children.append(Not(node))
        else:
            children.extend(_field_conditions(obj, key, entry))
    if not children:
        return None
    return children[0] if len(children) == 1 else And(tuple(children))


def _field_conditions(obj: CompiledObject, name: str, entry: Mapping[str, Any]) -> list[Node]:
    field = obj.fields.get(name)
    if field is None:
        raise QueryValueError(f"Unknown field '{name}' on {obj.name_singular}")
    if field.is_composite:
        return [
            Condition((name, sub), op, plain(operand))
            for sub, operators in entry.items()
            if operators is not None
            for op, operand in operators.items()
        ]
    return [Condition((name,), op, plain(operand)) for op, operand in entry.items()]


def order_nodes(obj: CompiledObject, value: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None) -> list[OrderBy]:
    if not value:
        return []
    items = [value] if isinstance(value, Mapping) else value
    orders: list[OrderBy] = []
    for item in items:
        for name, direction in (item or {}).items():
            if direction is None:
                continue
            if isinstance(direction, Mapping):
                orders.extend(OrderBy((name, sub), plain(d)) for sub, d in direction.items() if d is not None)
            else:
                orders.append(OrderBy((name,), plain(direction)))
    return orders
