"""Upgrading to unique primary emails and domains keeps every value: of live records that
share one, the oldest keeps it and the others hold it as an additional email or a
secondary link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from migration_steps import at_the_latest_state_afterwards, migrate  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("crm", "0009_canonical_emails_and_links")]
AFTER = [("crm", "0010_unique_primary_email_and_domain")]


@pytest.mark.usefixtures("at_the_latest_state_afterwards")
def test_upgrading_leaves_one_live_record_per_value_and_loses_none(workspace, other_workspace):
    apps = migrate(BEFORE)
    person, company = apps.get_model("crm", "Person"), apps.get_model("crm", "Company")
    now = timezone.now()

    def make(model, workspace, age_days, **values):
        at = now - timedelta(days=age_days)
        return model.objects.create(workspace_id=workspace.id, created_at=at, updated_at=at, **values)

    oldest = make(person, workspace, 3, emails_primary_email="ada@example.com")
    newer = make(person, workspace, 1, emails_primary_email="ada@example.com", emails_additional_emails=["a@b.c"])
    deleted = make(person, workspace, 2, emails_primary_email="ada@example.com", deleted_at=now)
    elsewhere = make(person, other_workspace, 1, emails_primary_email="ada@example.com")
    no_email = [make(person, workspace, 1, emails_primary_email="") for _ in range(2)]
    acme = make(company, workspace, 2, domain_name_primary_link_url="https://acme.com")
    acme_too = make(
        company,
        workspace,
        1,
        domain_name_primary_link_url="https://acme.com",
        domain_name_primary_link_label="Acme",
        domain_name_secondary_links=[{"url": "https://acme.org", "label": ""}],
    )

    apps = migrate(AFTER)

    people = {p.id: p for p in apps.get_model("crm", "Person").objects.all()}
    assert people[oldest.id].emails_primary_email == "ada@example.com"
    assert (people[newer.id].emails_primary_email, people[newer.id].emails_additional_emails) == (
        "",
        ["ada@example.com", "a@b.c"],
    )
    assert people[deleted.id].emails_primary_email == "ada@example.com"
    assert people[elsewhere.id].emails_primary_email == "ada@example.com"
    assert all(people[p.id].emails_primary_email == "" for p in no_email)
    companies = {c.id: c for c in apps.get_model("crm", "Company").objects.all()}
    assert companies[acme.id].domain_name_primary_link_url == "https://acme.com"
    moved = companies[acme_too.id]
    assert (moved.domain_name_primary_link_url, moved.domain_name_primary_link_label) == ("", "")
    assert moved.domain_name_secondary_links == [
        {"url": "https://acme.com", "label": "Acme"},
        {"url": "https://acme.org", "label": ""},
    ]
