"""A person's primary email and a company's domain name each name one live record of a
workspace, as in Twenty: a write that would give a second live record the same value is
refused with "A duplicate entry was detected", over REST and GraphQL, and writes nothing."""

from __future__ import annotations

import pytest
from graphql_client import ask
from rest_client import send

from crm.models import Company, Person
from crm.services.records import create_record, delete_record, restore_record, update_record
from crm.services.unique_values import DuplicateEntryError, unique_values
from webhooks.models import Event

ADA = {"emails": {"primaryEmail": "ada@example.com"}}
ACME = {"domainName": {"primaryLinkUrl": "https://acme.com"}}


def rows(workspace) -> int:
    return Person.objects.filter(workspace=workspace).count() + Company.objects.filter(workspace=workspace).count()


# (object, what is there, what is written next, refused?)
CREATES = [
    ("person", ADA, ADA, True),
    ("person", ADA, {"emails": {"primaryEmail": "ADA@Example.com"}}, True),
    ("person", ADA, {"emails": {"primaryEmail": "grace@example.com"}}, False),
    ("person", ADA, {"emails": {"primaryEmail": "", "additionalEmails": ["ada@example.com"]}}, False),
    ("person", {"city": "Oslo"}, {"city": "Oslo"}, False),  # no email is not a value
    ("company", ACME, ACME, True),
    ("company", ACME, {"domainName": {"primaryLinkUrl": "https://ACME.com/"}}, True),
    ("company", ACME, {"domainName": {"primaryLinkUrl": "https://acme.org"}}, False),
    ("company", {"name": "A"}, {"name": "B"}, False),
]


@pytest.mark.parametrize(("object_name", "existing", "written", "refused"), CREATES)
def test_a_create_is_refused_only_when_a_live_record_has_the_value(
    workspace, actor, object_name, existing, written, refused
):
    create_record(workspace, object_name, existing, actor)
    before = rows(workspace)

    if refused:
        with pytest.raises(DuplicateEntryError):
            create_record(workspace, object_name, written, actor)
    else:
        create_record(workspace, object_name, written, actor)

    assert rows(workspace) == before + (0 if refused else 1)


def test_rest_refuses_a_duplicate_in_twentys_words_and_names_the_field(api, workspace, actor, webhook):
    create_record(workspace, "person", ADA, actor)
    events = Event.objects.count()

    response = send(api, "post", "/rest/people", {"emails": {"primaryEmail": "Ada@example.com"}, "city": "Rome"})

    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "error": "BadRequestException",
        "messages": ["A duplicate entry was detected", "emails.primaryEmail: another person already has this value"],
    }
    assert Person.objects.count() == 1 and Event.objects.count() == events


def test_graphql_refuses_a_duplicate_as_twenty_does(api, workspace, actor):
    create_record(workspace, "company", ACME, actor)

    body = ask(
        api,
        "mutation($data: CompanyCreateInput!) { createCompany(data: $data) { id } }",
        {"data": {"name": "Acme again", **ACME}},
    )

    error = body["errors"][0]
    assert error["message"] == "A duplicate entry was detected"
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["userFriendlyMessage"] == (
        "This Domain value is already in use. Please check your data and try again."
    )
    assert error["extensions"]["fieldErrors"]["domainName.primaryLinkUrl"] == ["another company already has this value"]
    assert Company.objects.count() == 1


def test_a_batch_repeating_a_value_writes_none_of_it(api, workspace):
    batch = [{"city": "Oslo"}, ADA, {"emails": {"primaryEmail": "ADA@example.com"}}]

    response = send(api, "post", "/rest/batch/people", batch)

    assert response.status_code == 400
    assert response.json()["messages"][0] == "A duplicate entry was detected"
    assert Person.objects.count() == 0


def test_an_update_to_another_records_value_is_refused(workspace, actor):
    create_record(workspace, "person", ADA, actor)
    grace = create_record(workspace, "person", {"emails": {"primaryEmail": "grace@example.com"}}, actor)

    with pytest.raises(DuplicateEntryError):
        update_record(workspace, "person", grace["id"], {**ADA, "city": "Rome"}, actor)

    assert Person.objects.get(id=grace["id"]).emails_primary_email == "grace@example.com"
    assert update_record(workspace, "person", grace["id"], {"city": "Rome"}, actor)["city"] == "Rome"


def test_a_deleted_record_frees_its_value_and_cannot_take_it_back(workspace, actor):
    old = create_record(workspace, "person", ADA, actor)
    delete_record(workspace, "person", old["id"], actor)
    create_record(workspace, "person", ADA, actor)

    with pytest.raises(DuplicateEntryError):
        restore_record(workspace, "person", old["id"], actor)

    assert Person.objects.get(id=old["id"]).deleted_at is not None


def test_the_same_value_in_another_workspace_is_another_record(workspace, other_workspace, actor):
    create_record(workspace, "person", ADA, actor)
    create_record(other_workspace, "person", ADA, actor)

    assert Person.objects.filter(emails_primary_email="ada@example.com").count() == 2


def test_other_integrity_errors_are_not_taken_for_duplicates(workspace, actor):
    from django.db import IntegrityError, transaction

    from crm.services.unique_values import duplicates_refused

    person = create_record(workspace, "person", {"city": "Oslo"}, actor)
    with pytest.raises(IntegrityError), duplicates_refused(), transaction.atomic():
        Person.objects.create(id=person["id"], workspace=workspace)


def test_metadata_says_which_fields_are_unique(api):
    fields = send(api, "get", "/rest/metadata/objects").json()["data"]["objects"]
    unique = sorted(
        f"{obj['nameSingular']}.{field['name']}" for obj in fields for field in obj["fields"] if field["isUnique"]
    )

    assert unique == sorted(f"{u.object_name}.{u.field}" for u in unique_values())
    assert unique == ["company.domainName", "person.emails"]
