"""JSON values read back exactly as written, whichever encoder wrote and parser read them."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from crm.models import Person
from webhooks.models import Event

VALUES = {
    "beyond 64 bits": 2**70,
    "negative beyond 64 bits": -(2**80),
    "fraction": 0.1,
    "text": 'Zoë \u2028 «quoted» "escaped" 🚀',
    "nested": {"list": [1, None, True, {"deep": []}], "empty": {}},
}


@pytest.mark.django_db
def test_record_json_reads_back_as_written(workspace):
    person = Person.objects.create(
        workspace=workspace,
        created_at=timezone.now(),
        updated_at=timezone.now(),
        custom=VALUES,
        emails_additional_emails=["a@example.com"],
    )

    read = Person.objects.get(id=person.id)

    assert read.custom == VALUES
    assert type(read.custom["beyond 64 bits"]) is int
    assert read.emails_additional_emails == ["a@example.com"]
    assert Person.objects.filter(id=person.id).values_list("custom", flat=True).get() == VALUES


@pytest.mark.django_db
def test_a_key_lookup_still_reads_the_value_at_that_key(workspace):
    Person.objects.create(
        workspace=workspace, created_at=timezone.now(), updated_at=timezone.now(), custom={"size": 42, "name": "Ada"}
    )

    assert Person.objects.values_list("custom__size", "custom__name").get() == (42, "Ada")


@pytest.mark.django_db
def test_event_payloads_read_back_as_written(workspace):
    event = Event.objects.create(
        workspace=workspace, name="person.created", object_name="person", action="created", record=VALUES
    )

    assert Event.objects.get(id=event.id).record == VALUES


@pytest.mark.django_db
def test_a_value_json_cannot_hold_is_refused_not_turned_into_text(workspace):
    with pytest.raises(TypeError), transaction.atomic():
        Person.objects.create(
            workspace=workspace, created_at=timezone.now(), updated_at=timezone.now(), custom={"when": timezone.now()}
        )

    assert not Person.objects.exists()
