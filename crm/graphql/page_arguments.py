"""The paging arguments of a GraphQL list (``first``, ``after``, ``last``, ``before``),
checked as Twenty checks them."""

from __future__ import annotations

from typing import Any

from crm.graphql.errors import UserInputError
from crm.query.listing import MAX_LIMIT

# Pairs Twenty refuses together, in the order it checks them. As in Twenty, an argument
# counts as given when it is truthy: `first: 0` with `last: 2` is no conflict.
CONFLICTS = (("first", "last"), ("before", "after"), ("before", "first"), ("after", "last"))


def page_arguments(args: dict[str, Any]) -> dict[str, Any]:
    """The paging arguments for ``list_records``; UserInputError, in Twenty's words, for
    a combination Twenty refuses. A page size beyond the most a page holds reads that
    most, as a REST ``limit`` does."""
    for one, other in CONFLICTS:
        if args.get(one) and args.get(other):
            raise UserInputError(f"Cannot provide both {one} and {other}")
    for name in ("first", "last"):
        if args.get(name) is not None and args[name] < 0:
            raise UserInputError(f"{name.capitalize()} argument must be non-negative")
    sizes = {name: None if args.get(name) is None else min(args[name], MAX_LIMIT) for name in ("first", "last")}
    return {**sizes, "after": args.get("after"), "before": args.get("before")}
