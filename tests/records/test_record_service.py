"""The record service: every standard object through its whole lifecycle, with events."""

from __future__ import annotations

import pytest
from django.db import transaction

from crm.models import Company, Person
from crm.query.record_queries import RecordNotFoundError
from crm.services.record_input import RecordValidationError
from crm.services.records import (
    create_record,
    create_records,
    delete_record,
    destroy_record,
    restore_record,
    update_record,
)
from webhooks.models import Event

SAMPLES = {
    "company": ({"name": "Northwind", "employees": 12}, {"name": "Northwind Traders"}, "name"),
    "person": (
        {"name": {"firstName": "Ada", "lastName": "Lovelace"}, "emails": {"primaryEmail": "ada@example.com"}},
        {"jobTitle": "Analyst"},
        "jobTitle",
    ),
    "opportunity": (
        {"name": "Pilot", "amount": {"amountMicros": 5_000_000_000, "currencyCode": "EUR"}, "stage": "MEETING"},
        {"stage": "PROPOSAL"},
        "stage",
    ),
    "note": ({"title": "Call", "body": "# Notes\n- one"}, {"body": "updated"}, "body"),
    "task": ({"title": "Send deck", "status": "TODO"}, {"status": "DONE"}, "status"),
}


@pytest.mark.parametrize("object_name", list(SAMPLES))
def test_every_object_goes_through_its_lifecycle_with_one_event_per_change(workspace, actor, object_name):
    data, change, changed_field = SAMPLES[object_name]

    created = create_record(workspace, object_name, data, actor)
    updated = update_record(workspace, object_name, created["id"], change, actor)
    deleted = delete_record(workspace, object_name, created["id"], actor)
    restored = restore_record(workspace, object_name, created["id"], actor)
    destroyed = destroy_record(workspace, object_name, created["id"], actor)

    assert updated[changed_field] == change[changed_field]
    assert deleted["deletedAt"] is not None and restored["deletedAt"] is None
    assert destroyed["id"] == created["id"]
    events = list(Event.objects.filter(record_id=created["id"]).order_by("created_at"))
    assert [e.name for e in events] == [
        f"{object_name}.{action}" for action in ("created", "updated", "deleted", "restored", "destroyed")
    ]
    assert events[1].updated_fields == [changed_field]
    assert events[1].record[changed_field] == change[changed_field]
    assert events[0].actor["source"] == "MANUAL"


def test_created_record_has_twenty_shaped_fields(workspace, actor):
    person = create_record(
        workspace,
        "person",
        {"name": {"firstName": "Grace"}, "phones": {"primaryPhoneNumber": "555", "primaryPhoneCallingCode": "+1"}},
        actor,
    )
    assert person["name"] == {"firstName": "Grace", "lastName": ""}
    assert person["emails"] == {"primaryEmail": "", "additionalEmails": []}
    assert person["position"] == 0.0 and isinstance(person["position"], float)
    assert person["createdBy"]["source"] == "MANUAL"
    assert person["createdAt"].endswith("Z") and person["companyId"] is None


def test_update_of_a_composite_keeps_the_sub_fields_not_sent(workspace, actor):
    person = create_record(workspace, "person", {"name": {"firstName": "Ada", "lastName": "Lovelace"}}, actor)
    updated = update_record(workspace, "person", person["id"], {"name": {"firstName": "Augusta"}}, actor)
    assert updated["name"] == {"firstName": "Augusta", "lastName": "Lovelace"}
    event = Event.objects.get(name="person.updated")
    assert event.previous == {"name": {"firstName": "Ada", "lastName": "Lovelace"}}


def test_an_update_that_changes_nothing_writes_no_event(workspace, actor):
    company = create_record(workspace, "company", {"name": "Same"}, actor)
    update_record(workspace, "company", company["id"], {"name": "Same"}, actor)
    assert not Event.objects.filter(name="company.updated").exists()


def test_rolled_back_transaction_leaves_neither_record_nor_event(workspace, actor):
    with pytest.raises(RuntimeError), transaction.atomic():
        create_record(workspace, "company", {"name": "Ghost"}, actor)
        raise RuntimeError("the caller fails after the write")
    assert not Company.objects.filter(name="Ghost").exists()
    assert not Event.objects.exists()


def test_batch_create_is_all_or_nothing(workspace, actor):
    with pytest.raises(RecordValidationError) as error:
        create_records(workspace, "company", [{"name": "Good"}, {"name": 42}], actor)
    assert error.value.errors == {"[1].name": ["must be a string"]}
    assert not Company.objects.exists() and not Event.objects.exists()


def test_relation_to_a_record_of_the_same_workspace_is_accepted(workspace, actor):
    company = create_record(workspace, "company", {"name": "Initech"}, actor)
    person = create_record(workspace, "person", {"companyId": company["id"]}, actor)
    assert person["companyId"] == company["id"]


BAD_INPUT = [
    ({"name": 7}, "name", "must be a string"),
    ({"employees": "many"}, "employees", "must be a number"),
    ({"employees": 1.5}, "employees", "must be a whole number"),
    ({"idealCustomerProfile": "yes"}, "idealCustomerProfile", "must be true or false"),
    ({"name": "x" * 10_001}, "name", "too long"),
    ({"nickname": "Bob"}, "nickname", "unknown field"),
    ({"domainName": {"url": "x"}}, "domainName.url", "unknown sub-field"),
    ({"annualRecurringRevenue": {"currencyCode": "dollars"}}, "annualRecurringRevenue.currencyCode", "ISO 4217"),
    ({"annualRecurringRevenue": {"amountMicros": "ten"}}, "annualRecurringRevenue.amountMicros", "must be a number"),
    ({"updatedAt": "2024-01-01T00:00:00Z"}, "updatedAt", "read-only"),
    ({"createdAt": "last week"}, "createdAt", "ISO 8601"),
    ({"people": []}, "people", "related records"),
    ("not an object", "", "JSON object"),
]


@pytest.mark.parametrize(("data", "field", "message"), BAD_INPUT)
def test_bad_company_input_is_refused_with_a_field_error_and_writes_nothing(workspace, actor, data, field, message):
    with pytest.raises(RecordValidationError) as error:
        create_record(workspace, "company", data, actor)
    assert field in error.value.errors
    assert message in " ".join(error.value.errors[field])
    assert not Company.objects.exists() and not Event.objects.exists()


def test_invalid_select_value_is_refused(workspace, actor):
    with pytest.raises(RecordValidationError) as error:
        create_record(workspace, "opportunity", {"stage": "WON"}, actor)
    assert "must be one of CUSTOMER, MEETING, NEW, PROPOSAL, SCREENING" in error.value.messages[0]


def test_invalid_email_and_date_are_refused(workspace, actor):
    with pytest.raises(RecordValidationError) as error:
        create_record(workspace, "person", {"emails": {"primaryEmail": "not-an-email"}}, actor)
    assert "emails.primaryEmail" in error.value.errors
    with pytest.raises(RecordValidationError) as error:
        create_record(workspace, "task", {"dueAt": "next tuesday"}, actor)
    assert "ISO 8601" in error.value.errors["dueAt"][0]


def test_relation_to_another_workspaces_record_is_refused(workspace, other_workspace, actor):
    foreign = create_record(other_workspace, "company", {"name": "Elsewhere"}, actor)
    with pytest.raises(RecordValidationError) as error:
        create_record(workspace, "person", {"companyId": foreign["id"]}, actor)
    assert "no company with id" in error.value.errors["companyId"][0]
    assert not Person.objects.filter(workspace=workspace).exists()


def test_another_workspaces_record_cannot_be_changed(workspace, other_workspace, actor):
    foreign = create_record(other_workspace, "company", {"name": "Elsewhere"}, actor)
    for change in (
        lambda: update_record(workspace, "company", foreign["id"], {"name": "Mine"}, actor),
        lambda: delete_record(workspace, "company", foreign["id"], actor),
        lambda: destroy_record(workspace, "company", foreign["id"], actor),
    ):
        with pytest.raises(RecordNotFoundError):
            change()
    assert Company.objects.get(id=foreign["id"]).name == "Elsewhere"


def test_restoring_a_live_record_answers_it_unchanged(workspace, actor):
    company = create_record(workspace, "company", {"name": "Alive"}, actor)
    assert restore_record(workspace, "company", company["id"], actor) == company
