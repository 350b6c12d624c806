"""Upgrading rewrites the email addresses and web links stored before they were kept in
one spelling: standard columns and custom fields alike."""

from __future__ import annotations

import pytest
from django.utils import timezone
from migration_steps import at_the_latest_state_afterwards, migrate  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("crm", "0008_live_record_counts")]
AFTER = [("crm", "0009_canonical_emails_and_links")]


@pytest.mark.usefixtures("at_the_latest_state_afterwards")
def test_upgrading_stores_old_emails_and_links_in_one_spelling(workspace):
    apps = migrate(BEFORE)
    person_object = apps.get_model("crm", "ObjectMetadata").objects.get(
        workspace_id=workspace.id, name_singular="person"
    )
    apps.get_model("crm", "FieldMetadata").objects.create(
        workspace_id=workspace.id,
        object=person_object,
        name="workEmails",
        label="Work emails",
        type="EMAILS",
        is_custom=True,
    )
    now = timezone.now()
    person = apps.get_model("crm", "Person").objects.create(
        workspace_id=workspace.id,
        created_at=now,
        updated_at=now,
        emails_primary_email="Ada@Example.COM",
        emails_additional_emails=["Other@München．DE."],
        linkedin_link_primary_link_url="https://LinkedIn.com/in/ada/",
        custom={"workEmails": {"primaryEmail": "ADA@Work.example", "additionalEmails": []}, "mood": "Happy"},
    )
    untouched = apps.get_model("crm", "Company").objects.create(
        workspace_id=workspace.id, created_at=now, updated_at=now, domain_name_primary_link_url="https://acme.com"
    )

    apps = migrate(AFTER)

    person = apps.get_model("crm", "Person").objects.get(id=person.id)
    assert person.emails_primary_email == "ada@example.com"
    assert person.emails_additional_emails == ["other@münchen.de"]
    assert person.linkedin_link_primary_link_url == "https://linkedin.com/in/ada"
    assert person.custom == {
        "workEmails": {"primaryEmail": "ada@work.example", "additionalEmails": []},
        "mood": "Happy",
    }
    company = apps.get_model("crm", "Company").objects.get(id=untouched.id)
    assert company.domain_name_primary_link_url == "https://acme.com"
