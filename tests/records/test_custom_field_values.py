"""Custom field values are stored with the record and validated by type."""

from __future__ import annotations

import pytest

from crm.models import FieldMetadata, ObjectMetadata, Workspace
from crm.services.record_input import RecordValidationError
from crm.services.records import create_record, update_record


def add_custom_field(workspace: Workspace, object_name: str, name: str, field_type: str, **extra) -> None:
    obj = ObjectMetadata.objects.get(workspace=workspace, name_singular=object_name)
    FieldMetadata.objects.create(
        workspace=workspace, object=obj, name=name, label=name, type=field_type, is_custom=True, **extra
    )
    Workspace.objects.filter(pk=workspace.pk).update(metadata_version=workspace.metadata_version + 1)
    workspace.refresh_from_db()


OPTIONS = [{"value": "GOLD", "label": "Gold"}, {"value": "SILVER", "label": "Silver"}]

CASES = [
    ("TEXT", {}, "hello", "hello", 12, "must be a string"),
    ("NUMBER", {}, 4.5, 4.5, "4.5", "must be a number"),
    ("BOOLEAN", {}, True, True, "true", "true or false"),
    ("DATE_TIME", {}, "2025-03-01T10:00:00+02:00", "2025-03-01T08:00:00.000Z", "soon", "ISO 8601"),
    ("DATE", {}, "2025-03-01", "2025-03-01", "03/01", "a date"),
    ("SELECT", {"options": OPTIONS}, "GOLD", "GOLD", "BRONZE", "must be one of"),
    ("MULTI_SELECT", {"options": OPTIONS}, ["GOLD", "SILVER"], ["GOLD", "SILVER"], ["COPPER"], "unknown option"),
    (
        "CURRENCY",
        {},
        {"amountMicros": 1_000_000, "currencyCode": "USD"},
        {"amountMicros": 1_000_000, "currencyCode": "USD"},
        {"amountMicros": 1.5},
        "whole number",
    ),
    (
        "EMAILS",
        {},
        {"primaryEmail": "a@b.co"},
        {"primaryEmail": "a@b.co", "additionalEmails": []},
        {"primaryEmail": "nope"},
        "not an email",
    ),
]


@pytest.mark.parametrize(("field_type", "extra", "good", "stored", "bad", "message"), CASES)
def test_custom_field_accepts_its_type_and_refuses_others(
    workspace, actor, field_type, extra, good, stored, bad, message
):
    add_custom_field(workspace, "company", "tier", field_type, **extra)

    company = create_record(workspace, "company", {"name": "Custom", "tier": good}, actor)
    assert company["tier"] == stored

    with pytest.raises(RecordValidationError) as error:
        update_record(workspace, "company", company["id"], {"tier": bad}, actor)
    assert message in " ".join(sum(error.value.errors.values(), []))


def test_custom_field_of_one_workspace_is_unknown_in_another(workspace, other_workspace, actor):
    add_custom_field(workspace, "person", "shoeSize", "NUMBER")
    create_record(workspace, "person", {"shoeSize": 42}, actor)
    with pytest.raises(RecordValidationError) as error:
        create_record(other_workspace, "person", {"shoeSize": 42}, actor)
    assert "unknown field" in error.value.errors["shoeSize"][0]
