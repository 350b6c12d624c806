"""Upgrading respells the custom date-times stored before in Python's spelling into
Twenty's, so values old and new sort and compare alike, and answers read as Twenty's."""

from __future__ import annotations

import pytest
from django.utils import timezone
from migration_steps import at_the_latest_state_afterwards, migrate  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("crm", "0015_case_blind_custom_indexes")]
AFTER = [("crm", "0016_custom_datetimes_in_twenty_spelling")]


@pytest.mark.usefixtures("at_the_latest_state_afterwards")
def test_upgrading_respells_custom_datetimes_and_their_defaults(workspace):
    apps = migrate(BEFORE)
    person_object = apps.get_model("crm", "ObjectMetadata").objects.get(
        workspace_id=workspace.id, name_singular="person"
    )
    fields = apps.get_model("crm", "FieldMetadata").objects
    common = {"workspace_id": workspace.id, "object": person_object, "is_custom": True, "position": 99}
    fields.create(
        name="kickoffAt", label="Kickoff", type="DATE_TIME", default_value="2026-01-31T09:30:00+00:00", **common
    )
    fields.create(name="seenAt", label="Seen", type="DATE_TIME", default_value="now", **common)
    people = apps.get_model("crm", "Person").objects
    values = {"kickoffAt": "2026-02-01T10:00:00.123456+00:00", "seenAt": "not a date"}
    now = timezone.now()
    person = people.create(workspace_id=workspace.id, custom=values, created_at=now, updated_at=now)

    apps = migrate(AFTER)

    person = apps.get_model("crm", "Person").objects.get(id=person.id)
    assert person.custom == {"kickoffAt": "2026-02-01T10:00:00.123Z", "seenAt": "not a date"}
    defaults = dict(
        apps.get_model("crm", "FieldMetadata")
        .objects.filter(workspace_id=workspace.id, name__in=["kickoffAt", "seenAt"])
        .values_list("name", "default_value")
    )
    assert defaults == {"kickoffAt": "2026-01-31T09:30:00.000Z", "seenAt": "now"}
