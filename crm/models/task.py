from django.db import models

from crm.models.company import Company
from crm.models.opportunity import Opportunity
from crm.models.person import Person
from crm.models.record import LIVE, Record
from crm.models.workspace import WorkspaceMember


class Task(Record):
    title = models.TextField(blank=True, default="")
    body = models.TextField(blank=True, default="")  # Markdown
    # bodyV2, Twenty's rich text: the editor's document (BlockNote JSON) and its Markdown.
    body_v2_blocknote = models.TextField(blank=True, default="")
    body_v2_markdown = models.TextField(blank=True, default="")
    due_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=63, null=True, blank=True, default="TODO")
    assignee = models.ForeignKey(
        WorkspaceMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tasks"
    )

    class Meta(Record.Meta):
        # Partial (live records only), as every list is: counting a workspace's records
        # is then an index-only scan.
        indexes = [
            models.Index(fields=["workspace", "created_at", "id"], name="task_ws_created", condition=LIVE),
            # The default order of lists and connections.
            models.Index(fields=["workspace", "position", "id"], name="task_ws_position", condition=LIVE),
        ]

    def __str__(self) -> str:
        return self.title or str(self.id)


class TaskTarget(Record):
    """What a task is about: one person, company or opportunity (Twenty's ``taskTarget``)."""

    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.CASCADE, related_name="task_targets")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="task_targets")
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE, related_name="task_targets")
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.CASCADE, related_name="task_targets"
    )

    class Meta(Record.Meta):
        indexes = [
            models.Index(fields=["workspace", "position", "id"], name="tasktarget_ws_position", condition=LIVE),
        ]

    def __str__(self) -> str:
        return f"task {self.task_id} target"
