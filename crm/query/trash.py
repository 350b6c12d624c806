"""When a read reaches soft-deleted records: when its filter names ``deletedAt``.

Reads leave soft-deleted records out, except for a filter that speaks of
``deletedAt`` at all (``deletedAt[is]:NOT_NULL``, ``not: {deletedAt: {is: NULL}}``):
that is how a trash view asks for them, as Twenty's clients do, and the filter
itself then decides which records it wants, deleted or not.
"""

from __future__ import annotations

from crm.query.ast import And, Condition, Node, Not, Or

DELETED_AT = "deletedAt"


def reaches_deleted(node: Node | None) -> bool:
    """Whether a read filtered by ``node`` should look at soft-deleted records too."""
    if node is None:
        return False
    if isinstance(node, Condition):
        return node.path[0] == DELETED_AT
    if isinstance(node, Not):
        return reaches_deleted(node.child)
    assert isinstance(node, And | Or)
    return any(reaches_deleted(child) for child in node.children)
