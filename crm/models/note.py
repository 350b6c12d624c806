from django.db import models

from crm.models.company import Company
from crm.models.opportunity import Opportunity
from crm.models.person import Person
from crm.models.record import LIVE, Record


class Note(Record):
    title = models.TextField(blank=True, default="")
    body = models.TextField(blank=True, default="")  # Markdown
    # bodyV2, Twenty's rich text: the editor's document (BlockNote JSON) and its Markdown.
    body_v2_blocknote = models.TextField(blank=True, default="")
    body_v2_markdown = models.TextField(blank=True, default="")

    class Meta(Record.Meta):
        # Partial (live records only), as every list is: counting a workspace's records
        # is then an index-only scan.
        indexes = [
            models.Index(fields=["workspace", "created_at", "id"], name="note_ws_created", condition=LIVE),
            # The default order of lists and connections.
            models.Index(fields=["workspace", "position", "id"], name="note_ws_position", condition=LIVE),
        ]

    def __str__(self) -> str:
        return self.title or str(self.id)


class NoteTarget(Record):
    """What a note is about: one person, company or opportunity (Twenty's ``noteTarget``).

    A record like any other (REST, GraphQL, webhooks), so clients attach a note by
    creating a target; a note about three people has three targets."""

    note = models.ForeignKey(Note, null=True, blank=True, on_delete=models.CASCADE, related_name="note_targets")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="note_targets")
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE, related_name="note_targets")
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.CASCADE, related_name="note_targets"
    )

    class Meta(Record.Meta):
        indexes = [
            models.Index(fields=["workspace", "position", "id"], name="notetarget_ws_position", condition=LIVE),
        ]

    def __str__(self) -> str:
        return f"note {self.note_id} target"
