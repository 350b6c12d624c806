"""GraphQL writes: create, batch create, update (one and by filter), delete, restore and
destroy for every object, through the record service (events included), with
field-level errors, workspace isolation and read-only keys."""

from __future__ import annotations

import uuid

import pytest
from graphql_client import data_of, gql

from crm.models import Person
from crm.services.records import create_record
from webhooks.models import Event

# object name -> (capitalized singular, capitalized plural, create data, update data, selection)
OBJECTS = {
    "company": (
        "Company",
        "Companies",
        {"name": "Northwind", "employees": 12},
        {"name": "Northwind Traders"},
        "name employees",
    ),
    "person": (
        "Person",
        "People",
        {"name": {"firstName": "Ada", "lastName": "Lovelace"}, "emails": {"primaryEmail": "ada@example.com"}},
        {"jobTitle": "Analyst"},
        "name { firstName lastName } emails { primaryEmail } jobTitle",
    ),
    "opportunity": (
        "Opportunity",
        "Opportunities",
        {"name": "Pilot", "amount": {"amountMicros": 5_000_000_000, "currencyCode": "EUR"}, "stage": "MEETING"},
        {"stage": "PROPOSAL"},
        "name amount { amountMicros currencyCode } stage",
    ),
    "note": ("Note", "Notes", {"title": "Call", "body": "# Notes"}, {"body": "updated"}, "title body"),
    "task": ("Task", "Tasks", {"title": "Send deck", "status": "TODO"}, {"status": "DONE"}, "title status"),
}


@pytest.mark.parametrize("object_name", list(OBJECTS))
def test_every_object_goes_through_its_lifecycle(client, api_token, workspace, object_name):
    name, _plural, data, change, selection = OBJECTS[object_name]
    fields = f"id deletedAt {selection}"

    created = data_of(
        gql(
            client,
            api_token,
            f"mutation($data: {name}CreateInput!) {{ create{name}(data: $data) {{ {fields} }} }}",
            {"data": data},
        )
    )[f"create{name}"]
    record_id = created["id"]
    updated = data_of(
        gql(
            client,
            api_token,
            f"mutation($id: UUID!, $data: {name}UpdateInput!) {{ update{name}(id: $id, data: $data) {{ {fields} }} }}",
            {"id": record_id, "data": change},
        )
    )[f"update{name}"]
    deleted = data_of(gql(client, api_token, f'mutation {{ delete{name}(id: "{record_id}") {{ {fields} }} }}'))[
        f"delete{name}"
    ]
    restored = data_of(gql(client, api_token, f'mutation {{ restore{name}(id: "{record_id}") {{ {fields} }} }}'))[
        f"restore{name}"
    ]
    destroyed = data_of(gql(client, api_token, f'mutation {{ destroy{name}(id: "{record_id}") {{ id }} }}'))[
        f"destroy{name}"
    ]

    for key, value in data.items():
        assert created[key] == value
    for key, value in change.items():
        assert updated[key] == value
    assert deleted["deletedAt"] is not None
    assert restored["deletedAt"] is None
    assert destroyed["id"] == record_id
    events = Event.objects.filter(record_id=record_id).order_by("created_at")
    assert [e.action for e in events] == ["created", "updated", "deleted", "restored", "destroyed"]
    assert events[0].actor["source"] == "API"
    assert events[0].actor["name"] == "Tests"


def test_created_by_names_the_api_key(client, api_token):
    created = data_of(
        gql(client, api_token, 'mutation { createNote(data: {title: "Hi"}) { createdBy { source name } } }')
    )["createNote"]

    assert created["createdBy"] == {"source": "API", "name": "Tests"}


def test_create_many_is_all_or_nothing(client, api_token, workspace):
    ok = data_of(
        gql(
            client,
            api_token,
            'mutation { createPeople(data: [{name: {firstName: "A"}}, {name: {firstName: "B"}}]) {'
            " name { firstName } } }",
        )
    )
    response = gql(
        client,
        api_token,
        'mutation { createPeople(data: [{name: {firstName: "C"}}, {emails: {primaryEmail: "not-an-email"}}]) { id } }',
    )

    assert [p["name"]["firstName"] for p in ok["createPeople"]] == ["A", "B"]
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "[1].emails.primaryEmail" in error["extensions"]["fieldErrors"]
    assert Person.objects.filter(workspace=workspace).count() == 2


def test_validation_errors_are_bad_user_input_with_field_messages(client, api_token):
    long_name = "x" * 10_001
    response = gql(
        client,
        api_token,
        f'mutation {{ createOpportunity(data: {{name: "{long_name}", amount: {{amountMicros: 1.5}}}}) {{ id }} }}',
    )

    body = response.json()
    assert response.status_code == 200
    assert body["data"] == {"createOpportunity": None}
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(error["extensions"]["fieldErrors"]) == {"amount.amountMicros", "name"}
    assert "too long" in error["message"]


def test_malformed_scalar_literals_are_refused_before_anything_runs(client, api_token):
    response = gql(client, api_token, 'mutation { createOpportunity(data: {closeDate: "2025-01-01T99:00"}) { id } }')

    body = response.json()
    assert response.status_code == 400
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "ISO 8601" in body["errors"][0]["message"]


def test_unknown_enum_value_is_refused_before_anything_runs(client, api_token, workspace):
    response = gql(client, api_token, 'mutation { createOpportunity(data: {name: "x", stage: WON}) { id } }')

    body = response.json()
    assert response.status_code == 400
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "WON" in body["errors"][0]["message"]


def test_relation_is_written_with_its_id_and_read_back(client, api_token, workspace, actor):
    company = create_record(workspace, "company", {"name": "Acme"}, actor)

    person = data_of(
        gql(
            client,
            api_token,
            "mutation($data: PersonCreateInput!) { createPerson(data: $data) { companyId company { name } } }",
            {"data": {"name": {"firstName": "Ada"}, "companyId": company["id"]}},
        )
    )["createPerson"]

    assert person == {"companyId": company["id"], "company": {"name": "Acme"}}


def test_update_many_by_filter(client, api_token, workspace, actor):
    for city in ["Paris", "Paris", "Oslo"]:
        create_record(workspace, "person", {"city": city}, actor)

    updated = data_of(
        gql(
            client,
            api_token,
            'mutation { updatePeople(filter: {city: {eq: "Paris"}}, data: {jobTitle: "Engineer"}) { city jobTitle } }',
        )
    )["updatePeople"]

    assert updated == [{"city": "Paris", "jobTitle": "Engineer"}] * 2
    assert Person.objects.filter(job_title="Engineer").count() == 2


def test_delete_restore_and_destroy_many_by_filter(client, api_token, workspace, actor):
    for city in ["Paris", "Paris", "Oslo"]:
        create_record(workspace, "person", {"city": city}, actor)
    paris = '{city: {eq: "Paris"}}'

    deleted = data_of(gql(client, api_token, f"mutation {{ deletePeople(filter: {paris}) {{ id deletedAt }} }}"))
    listed = data_of(gql(client, api_token, "{ people { totalCount } }"))
    restored = data_of(gql(client, api_token, f"mutation {{ restorePeople(filter: {paris}) {{ id deletedAt }} }}"))
    destroyed = data_of(gql(client, api_token, f"mutation {{ destroyPeople(filter: {paris}) {{ id }} }}"))

    assert len(deleted["deletePeople"]) == 2 and all(p["deletedAt"] for p in deleted["deletePeople"])
    assert listed["people"]["totalCount"] == 1
    assert len(restored["restorePeople"]) == 2 and not any(p["deletedAt"] for p in restored["restorePeople"])
    assert len(destroyed["destroyPeople"]) == 2
    assert Person.objects.filter(workspace=workspace).count() == 1


def test_unknown_id_is_not_found(client, api_token):
    response = gql(
        client, api_token, f'mutation {{ updatePerson(id: "{uuid.uuid4()}", data: {{city: "x"}}) {{ id }} }}'
    )

    body = response.json()
    assert body["data"] == {"updatePerson": None}
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_another_workspaces_records_are_not_found(client, api_token, other_workspace, actor):
    theirs = create_record(other_workspace, "person", {"name": {"firstName": "Eve"}, "city": "Oslo"}, actor)
    by_id = f'{{id: {{eq: "{theirs["id"]}"}}}}'

    read = gql(client, api_token, f"{{ person(filter: {by_id}) {{ id }} }}").json()
    listed = data_of(gql(client, api_token, f"{{ people(filter: {by_id}) {{ totalCount }} }}"))
    updated = gql(
        client, api_token, f'mutation {{ updatePerson(id: "{theirs["id"]}", data: {{city: "x"}}) {{ id }} }}'
    ).json()
    deleted = gql(client, api_token, f'mutation {{ deletePerson(id: "{theirs["id"]}") {{ id }} }}').json()
    destroyed = gql(client, api_token, f'mutation {{ destroyPerson(id: "{theirs["id"]}") {{ id }} }}').json()
    bulk = data_of(
        gql(client, api_token, f'mutation {{ updatePeople(filter: {by_id}, data: {{city: "x"}}) {{ id }} }}')
    )

    for body in (read, updated, deleted, destroyed):
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert listed["people"]["totalCount"] == 0
    assert bulk["updatePeople"] == []
    assert Person.objects.get(id=theirs["id"]).city == "Oslo"


def test_relation_to_another_workspaces_record_is_refused(client, api_token, other_workspace, actor):
    theirs = create_record(other_workspace, "company", {"name": "Globex"}, actor)

    response = gql(client, api_token, f'mutation {{ createPerson(data: {{companyId: "{theirs["id"]}"}}) {{ id }} }}')

    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "companyId" in error["extensions"]["fieldErrors"]


def test_read_only_key_can_query_but_not_mutate(client, read_only_token, workspace):
    query = gql(client, read_only_token, "{ people { totalCount } }")
    mutation = gql(client, read_only_token, 'mutation { createPerson(data: {city: "Paris"}) { id } }')

    assert data_of(query) == {"people": {"totalCount": 0}}
    assert mutation.status_code == 403
    assert mutation.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert Person.objects.filter(workspace=workspace).count() == 0


def test_mutations_over_get_are_refused(client, api_token, workspace):
    response = client.get(
        "/graphql",
        {"query": 'mutation { createPerson(data: {city: "x"}) { id } }'},
        HTTP_AUTHORIZATION=f"Bearer {api_token}",
    )

    assert response.status_code == 405
    assert Person.objects.filter(workspace=workspace).count() == 0


def test_custom_field_values_can_be_written(client, api_token, workspace):
    from crm.services.fields import create_custom_field

    create_custom_field(
        workspace,
        {
            "objectName": "company",
            "name": "segments",
            "label": "Segments",
            "type": "MULTI_SELECT",
            "options": [{"value": "SMB"}, {"value": "ENTERPRISE"}],
        },
    )
    create_custom_field(workspace, {"objectName": "company", "name": "budget", "label": "Budget", "type": "CURRENCY"})

    created = data_of(
        gql(
            client,
            api_token,
            """mutation { createCompany(data: {name: "Acme", segments: [SMB, ENTERPRISE],
                 budget: {amountMicros: 1000000, currencyCode: "USD"}}) {
                   segments budget { amountMicros currencyCode } } }""",
        )
    )["createCompany"]
    found = data_of(gql(client, api_token, "{ companies(filter: {segments: {containsAny: [SMB]}}) { totalCount } }"))

    assert created == {"segments": ["SMB", "ENTERPRISE"], "budget": {"amountMicros": 1000000, "currencyCode": "USD"}}
    assert found["companies"]["totalCount"] == 1
