"""Upgrading gives the system fields stored before the defaults Twenty's clients read:
``id`` is made by the server (``"uuid"``), ``createdAt`` and ``updatedAt`` too (``"now"``)."""

from __future__ import annotations

import pytest
from migration_steps import at_the_latest_state_afterwards, migrate  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("crm", "0010_unique_primary_email_and_domain")]
AFTER = [("crm", "0011_system_field_defaults")]


@pytest.mark.usefixtures("at_the_latest_state_afterwards")
def test_upgrading_gives_system_fields_their_defaults(workspace):
    apps = migrate(BEFORE)
    fields = apps.get_model("crm", "FieldMetadata").objects.filter(workspace_id=workspace.id)
    fields.filter(name__in=["id", "createdAt", "updatedAt"]).update(default_value=None)
    version = apps.get_model("crm", "Workspace").objects.get(id=workspace.id).metadata_version

    apps = migrate(AFTER)

    fields = apps.get_model("crm", "FieldMetadata").objects.filter(
        workspace_id=workspace.id, object__name_singular="person"
    )
    assert dict(
        fields.filter(name__in=["id", "createdAt", "updatedAt", "city"]).values_list("name", "default_value")
    ) == {
        "id": "uuid",
        "createdAt": "now",
        "updatedAt": "now",
        "city": None,
    }
    assert apps.get_model("crm", "Workspace").objects.get(id=workspace.id).metadata_version == version + 1
