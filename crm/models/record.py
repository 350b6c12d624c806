import uuid

from django.db import models

from crm.models.json_field import OrjsonJSONField
from crm.models.workspace import Workspace

# Records that are not soft-deleted: what lists, counts and relations read.
LIVE = models.Q(deleted_at__isnull=True)


class Record(models.Model):
    """Columns every CRM object has. Composite fields are stored as one column per
    sub-field (``name_first_name``), as Twenty does; custom fields live in ``custom``
    keyed by field name, validated by the record service against the metadata."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)
    position = models.FloatField(default=0)
    created_by_source = models.CharField(max_length=20, default="MANUAL")
    created_by_workspace_member_id = models.UUIDField(null=True, blank=True)
    created_by_name = models.CharField(max_length=200, blank=True, default="")
    custom = OrjsonJSONField(default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["position", "id"]
