"""Plain record queries are answered with JSON the database builds (crm.graphql.database_answers),
and the answer is the one graphql-core's general path gives for the same document:
fields, composites, custom values, to-one relations, aliases, fragments, __typename,
pages, cursors, filters and orders. Documents it does not know go the general way."""

from __future__ import annotations

import gc

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql import parse

from crm.graphql import database_answers
from crm.graphql.context import RequestContext
from crm.graphql.core_schema import get_core_schema
from crm.models import ApiKey, Person
from crm.services.fields import create_custom_field
from crm.services.records import create_record, delete_record
from tests.graphql_client import gql

PEOPLE_PAGE = (
    "query People($first: Int) { people(first: $first) { totalCount pageInfo { hasNextPage endCursor }"
    " edges { node { id name { firstName lastName } jobTitle createdAt company { name } } cursor } } }"
)

DOCUMENTS = {
    "a page with its count": (PEOPLE_PAGE, {"first": 3}),
    "every page field, backwards": (
        "query($c: String) { people(last: 2, before: $c) { pageInfo { hasNextPage hasPreviousPage startCursor"
        " endCursor __typename } edges { cursor node { id } __typename } __typename } }",
        None,
    ),
    "aliases, fragments and __typename": (
        "query { staff: people(first: 2, orderBy: [{name: {firstName: DescNullsLast}}]) {"
        " edges { n: node { ...Who __typename employer: company { __typename label: name } } } } }"
        " fragment Who on Person { key: id fullName: name { first: firstName }"
        " emails { primaryEmail additionalEmails } }",
        None,
    ),
    "a filter": (
        'query { people(filter: {or: [{jobTitle: {ilike: "%engineer%"}}, {city: {eq: "Paris"}}]}) {'
        " totalCount edges { node { jobTitle city position createdBy { source name workspaceMemberId } } } } }",
        None,
    ),
    "custom fields and every kind of company value": (
        "query { companies(orderBy: [{employees: DescNullsLast}]) { edges { node { name tier score vip"
        " budget { amountMicros currencyCode } domainName { primaryLinkUrl secondaryLinks }"
        " address { addressCity addressLat } idealCustomerProfile annualRecurringRevenue { amountMicros }"
        " updatedAt deletedAt } } } }",
        None,
    ),
    "one record by filter": (
        'query { person(filter: {jobTitle: {eq: "Engineer"}}) { id name { lastName } company { id name } } }',
        None,
    ),
    "two roots": ("query { tasks { totalCount } notes { edges { node { title body } } } __typename }", None),
}


@pytest.fixture
def data(workspace, actor):
    create_custom_field(workspace, {"objectName": "company", "name": "tier", "label": "Tier", "type": "TEXT"})
    create_custom_field(workspace, {"objectName": "company", "name": "score", "label": "Score", "type": "NUMBER"})
    create_custom_field(workspace, {"objectName": "company", "name": "vip", "label": "VIP", "type": "BOOLEAN"})
    create_custom_field(workspace, {"objectName": "company", "name": "budget", "label": "Budget", "type": "CURRENCY"})
    workspace.refresh_from_db()
    acme = create_record(
        workspace,
        "company",
        {
            "name": "Acme",
            "employees": 40,
            "tier": "gold",
            "score": 2.5,
            "vip": False,
            "budget": {"amountMicros": 7_000_000, "currencyCode": "EUR"},
            "domainName": {
                "primaryLinkUrl": "https://acme.example.com",
                "secondaryLinks": [{"url": "https://b.example"}],
            },
            "address": {"addressCity": "Lyon", "addressLat": 45.76},
        },
        actor,
    )
    create_record(workspace, "company", {"name": "Bare"}, actor)
    for first, title, city in (("Ada", "Engineer", "London"), ("Grace", "Admiral", "Paris"), ("Alan", "", "")):
        create_record(
            workspace,
            "person",
            {
                "name": {"firstName": first, "lastName": "Doe"},
                "jobTitle": title,
                "city": city,
                "emails": {"primaryEmail": f"{first.lower()}@example.com", "additionalEmails": ["x@example.com"]},
                "companyId": acme["id"] if first != "Alan" else None,
            },
            actor,
        )
    create_record(workspace, "task", {"title": "Call"}, actor)
    create_record(workspace, "note", {"title": "Met", "body": "# Notes"}, actor)
    workspace.refresh_from_db()
    return workspace


def both_ways(workspace, document, variables):
    prepared_schema = get_core_schema(workspace)
    prepared = prepared_schema.prepare(document, variables)
    assert not prepared.errors, prepared.errors
    database = database_answers.answer(prepared_schema, prepared.document, None, variables, workspace)
    key = ApiKey.objects.get(workspace=workspace)
    context = RequestContext(
        workspace=workspace,
        api_key=key,
        workspace_schema=prepared_schema.workspace_schema,
        objects_by_type=prepared_schema.objects_by_type,
        request=None,
    )
    general = prepared_schema.run(prepared, context=context, variables=variables, operation_name=None)
    assert not general.errors, general.errors
    return database, general.data


@pytest.mark.parametrize(("document", "variables"), DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_the_database_answers_as_graphql_core_does(data, api_token, document, variables):
    database, general = both_ways(data, document, variables)

    assert database is not None, "this document should be answered by the database"
    # Compared as the JSON a client reads (the database's JSON is passed through as it
    # came, with its own spacing), keys in order.
    assert as_read(database) == as_read(general)
    assert list(database) == list(general)


def as_read(data):
    """The answer as a client parses it: dicts keep their key order, so compare items."""
    return _ordered(orjson.loads(orjson.dumps(data)))


def _ordered(value):
    if isinstance(value, dict):
        return [(key, _ordered(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [_ordered(item) for item in value]
    return value


def test_cursors_from_one_path_page_on_the_other(data, api_token):
    first, _ = both_ways(data, PEOPLE_PAGE, {"first": 2})
    after = first["people"]["pageInfo"]["endCursor"]
    document = "query($a: String) { people(first: 2, after: $a) { edges { node { id } } } }"

    database, general = both_ways(data, document, {"a": after})

    assert as_read(database) == as_read(general) and len(general["people"]["edges"]) == 1


@pytest.mark.parametrize(
    "document",
    [
        "query { companies { edges { node { people { edges { node { id } } } } } } }",  # a to-many relation
        "query { tasks { edges { node { assignee { id } } } } }",  # a workspace member
        'query { person(filter: {jobTitle: {eq: "Nobody"}}) { id } }',  # not found: NOT_FOUND is the general path's
        "query { people { edges { node { id ... @include(if: false) { city } } } } }",
    ],
)
def test_other_documents_are_left_to_the_general_path(data, api_token, document):
    prepared_schema = get_core_schema(data)
    prepared = prepared_schema.prepare(document, None)

    if "@include" in document:
        assert database_answers.answer(prepared_schema, prepared.document, None, None, data) is not None
    else:
        assert database_answers.answer(prepared_schema, prepared.document, None, None, data) is None


def test_a_page_costs_one_statement_and_one_count_whatever_its_size(data, api_token, client):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token}"}
    body = {"query": PEOPLE_PAGE, "variables": {"first": 2}}
    client.post("/graphql", body, content_type="application/json", **headers)  # schema built, key cached

    with CaptureQueriesContext(connection) as queries:
        response = client.post("/graphql", body, content_type="application/json", **headers)

    assert response.status_code == 200 and response.json()["data"]["people"]["totalCount"] == 3
    record_statements = [q["sql"] for q in queries.captured_queries if "person" in q["sql"]]
    assert len(record_statements) == 2, record_statements  # the page (companies joined in it) and its count


def test_a_directive_reading_a_variable_shapes_each_answer_anew(data, api_token, client):
    document = "query($c: Boolean!) { people(first: 1) { edges { node { id city @include(if: $c) } } } }"

    answers = [
        gql(client, api_token, document, {"c": c}).json()["data"]["people"]["edges"][0]["node"] for c in (True, False)
    ]

    assert "city" in answers[0] and "city" not in answers[1]


def test_the_same_document_answers_each_request_with_its_own_values(data, api_token, client):
    document = "query($id: UUID!) { person(filter: {id: {eq: $id}}) { id name { firstName } } }"
    people = gql(client, api_token, "{ people { edges { node { id name { firstName } } } } }").json()
    nodes = [edge["node"] for edge in people["data"]["people"]["edges"]]

    answers = [gql(client, api_token, document, {"id": node["id"]}).json()["data"]["person"] for node in nodes]

    assert answers == nodes and len(nodes) == 3


BY_ID = {
    "a UUID variable": (
        "query($id: UUID!) { person(filter: {id: {eq: $id}}) { id name { firstName } company { name } } }",
        True,
    ),
    "a string in the document": ('query { person(filter: {id: {eq: "%s"}}) { id jobTitle } }', False),
    "beside another condition": (
        'query($id: UUID!) { person(filter: {id: {eq: $id}, city: {eq: "Paris"}}) { id city } }',
        True,
    ),
}


@pytest.mark.parametrize(("document", "as_variable"), BY_ID.values(), ids=BY_ID.keys())
def test_one_record_by_id_answers_as_graphql_core_does(data, api_token, document, as_variable):
    # The id is read off the document where the filter is only {id: {eq: ...}}.
    person_id = str(Person.objects.filter(workspace=data, city="Paris").values_list("id", flat=True).get())
    variables = {"id": person_id} if as_variable else None
    document = document if as_variable else document % person_id

    database, general = both_ways(data, document, variables)

    assert database is not None and as_read(database) == as_read(general)
    assert general["person"]["id"] == person_id


def test_an_id_read_off_the_document_finds_no_deleted_record(data, api_token, actor):
    person_id = str(Person.objects.filter(workspace=data).values_list("id", flat=True).first())
    delete_record(data, "person", person_id, actor)
    prepared_schema = get_core_schema(data)
    document = "query($id: UUID!) { person(filter: {id: {eq: $id}}) { id } }"
    prepared = prepared_schema.prepare(document, {"id": person_id})

    # Not found is the general path's to say (NOT_FOUND, with its message).
    assert database_answers.answer(prepared_schema, prepared.document, None, {"id": person_id}, data) is None


def test_the_shapes_of_a_document_are_kept_as_long_as_the_document():
    """Shapes are found by the document's identity (a document's == compares whole trees),
    so two equal documents each have their own, and a document's go when it goes."""
    query = "query { people(first: 1) { edges { node { id } } } }"
    document, equal_document = parse(query), parse(query)

    shapes = database_answers._shapes_of(document)
    assert shapes is not None
    assert database_answers._shapes_of(document) is shapes
    assert database_answers._shapes_of(equal_document) is not shapes

    kept = len(database_answers._shapes_by_document)
    del document
    gc.collect()
    assert len(database_answers._shapes_by_document) == kept - 1
