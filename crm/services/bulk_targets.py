"""Which records a filter-based write (update, delete, restore or destroy many) acts on.

A bulk write must name what it touches: a missing or empty filter (``{}``,
``{and: []}``, ``{or: [{}]}``, ...) would match every record of the workspace, so
it is refused before anything is read or written, as Twenty refuses it. GraphQL's
``updatePeople``/``deletePeople``/... and REST's bulk routes all pick their targets
here, so the guard cannot be forgotten by one of them.
"""

from __future__ import annotations

from typing import Any, Literal

from crm.metadata.schema import CompiledObject
from crm.models import Workspace
from crm.query.ast import Node
from crm.query.compile import QueryValueError, filter_to_q
from crm.query.listing import MAX_LIMIT
from crm.query.record_queries import deleted_records, records

Scope = Literal["live", "deleted", "all"]

EMPTY_FILTER_MESSAGE = "A non-empty filter is required"


class EmptyFilterError(QueryValueError):
    # What Twenty's GraphQL API adds to this refusal's extensions, beside its code.
    graphql_extensions = {"subCode": "INVALID_QUERY_INPUT", "userFriendlyMessage": "An error occurred."}

    def __init__(self) -> None:
        super().__init__(EMPTY_FILTER_MESSAGE)


# Twenty's words for a filter matching more records than one write may touch, by action:
# its sub-code and the sentence its front end shows.
TOO_MANY = {
    "update": ("TOO_MANY_RECORDS_TO_UPDATE", "update"),
    "delete": ("TOO_MANY_RECORDS_TO_DELETE", "delete"),
    "restore": ("TOO_MANY_RECORDS_TO_RESTORE", "restore"),
    "destroy": ("TOO_MANY_RECORDS_TO_DESTROY", "permanently delete"),
}


class TooManyTargetsError(QueryValueError):
    def __init__(self, action: str) -> None:
        sub_code, verb = TOO_MANY[action]
        super().__init__(f"Cannot {action} more than {MAX_LIMIT} records at once")
        self.graphql_extensions = {
            "subCode": sub_code,
            "userFriendlyMessage": f"You can only {verb} up to {MAX_LIMIT} records at once.",
        }


def bulk_target_ids(
    workspace: Workspace, obj: CompiledObject, node: Node | None, *, scope: Scope, action: str
) -> list[Any]:
    """Ids of the records ``node`` matches among live, deleted or all records, for
    ``action`` (update, delete, restore or destroy); at most a page.

    ``node`` is the parsed filter (None when the client's filter constrains nothing).
    """
    if node is None:
        raise EmptyFilterError()
    if scope == "deleted":
        queryset = deleted_records(workspace, obj)
    else:
        queryset = records(workspace, obj, include_deleted=scope == "all")
    queryset = queryset.filter(filter_to_q(obj, node))
    ids = list(queryset.order_by("position", "id").values_list("id", flat=True)[: MAX_LIMIT + 1])
    if len(ids) > MAX_LIMIT:
        raise TooManyTargetsError(action)
    return ids
