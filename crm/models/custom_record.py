from django.db import models

from crm.models.metadata import ObjectMetadata
from crm.models.record import LIVE, Record


class CustomRecord(Record):
    """A record of a custom object: one shared table for every custom object of every
    workspace, told apart by ``object``. Besides the columns every record has (id,
    position, dates, creator), all values live in ``custom`` keyed by field name, as
    custom fields of standard objects already do; the metadata service adds an
    expression index per field on PostgreSQL (crm/services/custom_record_indexes.py).
    """

    object = models.ForeignKey(ObjectMetadata, on_delete=models.CASCADE, related_name="+")

    class Meta(Record.Meta):
        # Partial (live records only), as every list is: a list's count and its
        # default order are then read from these indexes alone.
        indexes = [
            models.Index(
                fields=["workspace", "object", "created_at", "id"], name="custom_ws_obj_created", condition=LIVE
            ),
            models.Index(
                fields=["workspace", "object", "position", "id"], name="custom_ws_obj_position", condition=LIVE
            ),
        ]

    def __str__(self) -> str:
        return str((self.custom or {}).get("name") or self.id)
