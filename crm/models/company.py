from django.db import models

from crm.models.json_field import OrjsonJSONField
from crm.models.record import LIVE, Record


class Company(Record):
    name = models.TextField(blank=True, default="")
    domain_name_primary_link_url = models.CharField(max_length=2048, blank=True, default="")
    domain_name_primary_link_label = models.TextField(blank=True, default="")
    domain_name_secondary_links = OrjsonJSONField(null=True, blank=True, default=list)
    employees = models.IntegerField(null=True, blank=True)
    linkedin_link_primary_link_url = models.CharField(max_length=2048, blank=True, default="")
    linkedin_link_primary_link_label = models.TextField(blank=True, default="")
    linkedin_link_secondary_links = OrjsonJSONField(null=True, blank=True, default=list)
    x_link_primary_link_url = models.CharField(max_length=2048, blank=True, default="")
    x_link_primary_link_label = models.TextField(blank=True, default="")
    x_link_secondary_links = OrjsonJSONField(null=True, blank=True, default=list)
    annual_recurring_revenue_amount_micros = models.BigIntegerField(null=True, blank=True)
    annual_recurring_revenue_currency_code = models.CharField(max_length=3, blank=True, default="")
    address_address_street1 = models.TextField(blank=True, default="")
    address_address_street2 = models.TextField(blank=True, default="")
    address_address_city = models.TextField(blank=True, default="")
    address_address_state = models.TextField(blank=True, default="")
    address_address_postcode = models.TextField(blank=True, default="")
    address_address_country = models.TextField(blank=True, default="")
    address_address_lat = models.FloatField(null=True, blank=True)
    address_address_lng = models.FloatField(null=True, blank=True)
    ideal_customer_profile = models.BooleanField(default=False)

    class Meta(Record.Meta):
        verbose_name_plural = "companies"
        # Partial (live records only), as every list is: counting a workspace's records
        # is then an index-only scan.
        indexes = [
            models.Index(fields=["workspace", "created_at", "id"], name="company_ws_created", condition=LIVE),
            # The default order of lists and connections.
            models.Index(fields=["workspace", "position", "id"], name="company_ws_position", condition=LIVE),
        ]
        # A domain names one live company of a workspace (crm/services/unique_values.py).
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "domain_name_primary_link_url"],
                condition=LIVE & ~models.Q(domain_name_primary_link_url=""),
                name="company_unique_domain_name",
            )
        ]

    def __str__(self) -> str:
        return self.name or str(self.id)
