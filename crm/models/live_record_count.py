from django.db import models

from crm.models.workspace import Workspace


class LiveRecordCount(models.Model):
    """How many live (not soft-deleted) records an object has in a workspace.

    Written only by database triggers on the record tables, in the transaction of the
    write that changes the number (migration 0008_live_record_counts); read by
    crm.query.live_counts, which says how the rows are kept right. ``object_key`` is a
    standard object's table (``crm_person``) or a custom object's id in 32 hex digits
    (custom objects share one table). The count is the sum of its rows' ``live`` over
    ``slot`` (writers on different connections add to different slots). No row means no
    live record has been written yet.
    """

    pk = models.CompositePrimaryKey("workspace_id", "object_key", "slot")
    # Not indexed on its own: the primary key starts with it.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    object_key = models.CharField(max_length=64)
    slot = models.SmallIntegerField(default=0)
    live = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.object_key} in {self.workspace_id}, slot {self.slot}: {self.live}"
