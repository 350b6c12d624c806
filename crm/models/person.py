from django.db import models

from crm.models.company import Company
from crm.models.json_field import OrjsonJSONField
from crm.models.record import LIVE, Record


class Person(Record):
    name_first_name = models.TextField(blank=True, default="")
    name_last_name = models.TextField(blank=True, default="")
    emails_primary_email = models.CharField(max_length=320, blank=True, default="")
    emails_additional_emails = OrjsonJSONField(null=True, blank=True, default=list)
    phones_primary_phone_number = models.CharField(max_length=64, blank=True, default="")
    phones_primary_phone_country_code = models.CharField(max_length=8, blank=True, default="")
    phones_primary_phone_calling_code = models.CharField(max_length=8, blank=True, default="")
    phones_additional_phones = OrjsonJSONField(null=True, blank=True, default=list)
    job_title = models.TextField(blank=True, default="")
    city = models.TextField(blank=True, default="")
    avatar_url = models.CharField(max_length=2048, blank=True, default="")
    linkedin_link_primary_link_url = models.CharField(max_length=2048, blank=True, default="")
    linkedin_link_primary_link_label = models.TextField(blank=True, default="")
    linkedin_link_secondary_links = OrjsonJSONField(null=True, blank=True, default=list)
    x_link_primary_link_url = models.CharField(max_length=2048, blank=True, default="")
    x_link_primary_link_label = models.TextField(blank=True, default="")
    x_link_secondary_links = OrjsonJSONField(null=True, blank=True, default=list)
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="people")

    class Meta(Record.Meta):
        verbose_name_plural = "people"
        # Partial (live records only), as every list is: counting a workspace's records
        # is then an index-only scan.
        indexes = [
            models.Index(fields=["workspace", "created_at", "id"], name="person_ws_created", condition=LIVE),
            # The default order of lists and connections.
            models.Index(fields=["workspace", "position", "id"], name="person_ws_position", condition=LIVE),
        ]
        # A primary email names one live person of a workspace (crm/services/unique_values.py).
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "emails_primary_email"],
                condition=LIVE & ~models.Q(emails_primary_email=""),
                name="person_unique_primary_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name_first_name} {self.name_last_name}".strip() or str(self.id)
