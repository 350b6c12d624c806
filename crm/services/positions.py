"""``position: "first"`` and ``"last"``, as Twenty's front end sends them.

A record put first goes before every live record of its object in the workspace (the
lowest position, less one), a record put last after them (the highest, plus one); of
several in one batch, each goes one further, in the order sent. The first record of an
object that has none yet gets 1, as in Twenty. A position left out stays 0, the
column's default.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Max, Min

from crm.metadata.schema import CompiledObject
from crm.models import Workspace
from crm.query.record_queries import records

PLACES = ("first", "last")


def place(workspace: Workspace, obj: CompiledObject, instances: Sequence[Any]) -> None:
    """Give every instance whose position is ``"first"`` or ``"last"`` its number."""
    firsts = [instance for instance in instances if instance.position == "first"]
    lasts = [instance for instance in instances if instance.position == "last"]
    if not firsts and not lasts:
        return
    bounds = records(workspace, obj).aggregate(lowest=Min("position"), highest=Max("position"))
    for index, instance in enumerate(firsts):
        instance.position = 1.0 if bounds["lowest"] is None else bounds["lowest"] - index - 1
    for index, instance in enumerate(lasts):
        instance.position = 1.0 if bounds["highest"] is None else bounds["highest"] + index + 1
