"""Text fields take long values, as Twenty's text columns do: names, titles, job titles,
cities, address parts and link labels up to 10,000 characters, where they stopped at 255."""

from __future__ import annotations

import pytest
from django.db.models import Sum
from django.utils import timezone
from graphql_client import ask
from migration_steps import at_the_latest_state_afterwards, migrate  # noqa: F401 - a fixture
from rest_client import send

from crm.models import Person

LONG = "Head of " + "very " * 1000 + "long titles"  # 5,019 characters


def test_rest_and_graphql_store_long_text_whole(api):
    created = send(
        api,
        "post",
        "/rest/people",
        {"jobTitle": LONG, "city": LONG, "name": {"firstName": LONG, "lastName": "Lovelace"}},
    )
    answer = ask(
        api,
        "mutation($data: NoteCreateInput!) { createNote(data: $data) { title } }",
        {"data": {"title": LONG}},
    )

    assert created.status_code == 201, created.json()
    person = created.json()["data"]["createPerson"]
    assert (person["jobTitle"], person["city"], person["name"]["firstName"]) == (LONG, LONG, LONG)
    assert answer["data"]["createNote"]["title"] == LONG
    assert Person.objects.get().job_title == LONG


def test_text_over_ten_thousand_characters_is_refused(api):
    refused = send(api, "post", "/rest/companies", {"name": "x" * 10_001})

    assert refused.status_code == 400
    assert refused.json()["messages"] == ["name: is too long (10001 characters; at most 10000)"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("at_the_latest_state_afterwards")
def test_upgrading_keeps_the_values_and_the_live_counts(workspace):
    apps = migrate([("crm", "0011_system_field_defaults")])
    now = timezone.now()
    apps.get_model("crm", "Company").objects.create(
        workspace_id=workspace.id, name="n" * 255, created_at=now, updated_at=now
    )

    apps = migrate([("crm", "0012_unlimited_text")])
    company, counts = apps.get_model("crm", "Company"), apps.get_model("crm", "LiveRecordCount")
    company.objects.create(workspace_id=workspace.id, name=LONG, created_at=now, updated_at=now)

    assert sorted(len(name) for name in company.objects.values_list("name", flat=True)) == [255, len(LONG)]
    # The tables SQLite rebuilt kept counting their records.
    live = counts.objects.filter(workspace_id=workspace.id, object_key="crm_company").aggregate(n=Sum("live"))["n"]
    assert live == 2
