"""The fast completion path gives exactly what graphql-core's own execution gives,
including errors, for aliases, fragments, directives and odd stored values."""

from __future__ import annotations

import pytest
from graphql import ExecutionContext, execute, parse

from crm.graphql.context import RequestContext
from crm.graphql.core_schema import get_core_schema
from crm.graphql.fast_execution import FastExecutionContext
from crm.metadata.schema import get_workspace_schema
from crm.models import ApiKey, Opportunity
from crm.services.fields import create_custom_field
from crm.services.records import create_record

QUERY = """query($withCompany: Boolean!, $skipEmails: Boolean!) {
  everyone: people(orderBy: [{name: {firstName: AscNullsFirst}}]) {
    __typename
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        __typename
        ...Who
        emails @skip(if: $skipEmails) { primaryEmail additionalEmails }
        company @include(if: $withCompany) { name employees ...Deals }
        boss: company { name }
      }
    }
  }
  deals: opportunities { edges { node { name stage amount { amountMicros currencyCode } closeDate
    pointOfContact { ...Who } } } }
}
fragment Who on Person { id name { firstName lastName } city createdBy { source name } }
fragment Deals on Company { opportunities(first: 1) { totalCount edges { node { stage } } } }"""


@pytest.fixture
def records(workspace, actor):
    acme = create_record(workspace, "company", {"name": "Acme", "employees": 7}, actor)
    ada = create_record(
        workspace,
        "person",
        {"name": {"firstName": "Ada"}, "companyId": acme["id"], "emails": {"additionalEmails": ["a@b.c"]}},
        actor,
    )
    create_record(workspace, "person", {"name": {"firstName": "Bob"}}, actor)
    create_record(
        workspace,
        "opportunity",
        {
            "name": "Pilot",
            "stage": "MEETING",
            "companyId": acme["id"],
            "pointOfContactId": ada["id"],
            "closeDate": "2025-03-01T10:00:00Z",
            "amount": {"amountMicros": 3_000_000, "currencyCode": "EUR"},
        },
        actor,
    )


def run(workspace, api_token, context_class, variables):
    prepared = get_core_schema(workspace)
    key = ApiKey.objects.get(workspace=workspace)
    context = RequestContext(
        workspace=workspace,
        api_key=key,
        workspace_schema=get_workspace_schema(workspace),
        objects_by_type=prepared.objects_by_type,
    )
    result = execute(
        prepared.schema,
        parse(QUERY),
        context_value=context,
        variable_values=variables,
        execution_context_class=context_class,
    )
    return result.data, [e.formatted for e in result.errors or []]


@pytest.mark.parametrize(
    "variables", [{"withCompany": True, "skipEmails": False}, {"withCompany": False, "skipEmails": True}]
)
def test_fast_path_matches_graphql_core(workspace, api_token, records, variables):
    fast = run(workspace, api_token, FastExecutionContext, variables)
    plain = run(workspace, api_token, ExecutionContext, variables)

    assert fast == plain
    assert fast[1] == []
    people = fast[0]["everyone"]["edges"]
    assert ("company" in people[0]["node"]) is variables["withCompany"]
    assert ("emails" in people[0]["node"]) is not variables["skipEmails"]


def test_stored_value_outside_the_options_is_a_field_error_not_a_failed_page(client, api_token, workspace, actor):
    create_custom_field(
        workspace,
        {"objectName": "opportunity", "name": "tier", "label": "Tier", "type": "SELECT", "options": [{"value": "A"}]},
    )
    good = create_record(workspace, "opportunity", {"name": "Good", "tier": "A"}, actor)
    bad = create_record(workspace, "opportunity", {"name": "Bad", "tier": "A"}, actor)
    Opportunity.objects.filter(id=bad["id"]).update(custom={"tier": "RETIRED"})

    response = client.post(
        "/graphql",
        {"query": "{ opportunities(orderBy: [{name: AscNullsFirst}]) { edges { node { id name tier } } } }"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_token}",
    )

    body = response.json()
    nodes = [e["node"] for e in body["data"]["opportunities"]["edges"]]
    assert nodes == [{"id": bad["id"], "name": "Bad", "tier": None}, {"id": good["id"], "name": "Good", "tier": "A"}]
    assert body["errors"][0]["path"] == ["opportunities", "edges", 0, "node", "tier"]


def test_plain_records_are_completed_without_per_field_resolution(workspace, api_token, records, monkeypatch):
    calls = []
    original = FastExecutionContext.execute_fields

    def counting(self, parent_type, *args, **kwargs):
        calls.append(parent_type.name)
        return original(self, parent_type, *args, **kwargs)

    monkeypatch.setattr(FastExecutionContext, "execute_fields", counting)

    data, errors = run(workspace, api_token, FastExecutionContext, {"withCompany": True, "skipEmails": False})

    assert errors == [] and len(data["everyone"]["edges"]) == 2
    assert calls == ["Query"]
