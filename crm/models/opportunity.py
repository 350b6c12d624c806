from django.db import models

from crm.models.company import Company
from crm.models.person import Person
from crm.models.record import LIVE, Record


class Opportunity(Record):
    name = models.TextField(blank=True, default="")
    amount_amount_micros = models.BigIntegerField(null=True, blank=True)
    amount_currency_code = models.CharField(max_length=3, blank=True, default="")
    close_date = models.DateTimeField(null=True, blank=True)
    stage = models.CharField(max_length=63, default="NEW")
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities")
    point_of_contact = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="point_of_contact_for_opportunities"
    )

    class Meta(Record.Meta):
        verbose_name_plural = "opportunities"
        # Partial (live records only), as every list is: counting a workspace's records
        # is then an index-only scan.
        indexes = [
            models.Index(fields=["workspace", "created_at", "id"], name="opportunity_ws_created", condition=LIVE),
            # The default order of lists and connections.
            models.Index(fields=["workspace", "position", "id"], name="opportunity_ws_position", condition=LIVE),
        ]

    def __str__(self) -> str:
        return self.name or str(self.id)
