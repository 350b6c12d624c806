"""The core schema is generated per workspace from its metadata: custom fields show
up at once in their own workspace and nowhere else, schemas are cached per
metadata version, and every build has its own types."""

from __future__ import annotations

from graphql_client import gql

from crm.graphql.core_schema import build_core_schema, get_core_schema
from crm.metadata.schema import get_workspace_schema
from crm.models import Opportunity
from crm.services.fields import create_custom_field


def type_fields(client, token, name):
    body = gql(client, token, f'{{ __type(name: "{name}") {{ fields {{ name }} inputFields {{ name }} }} }}').json()
    found = body["data"]["__type"]
    return {f["name"] for f in (found["fields"] or found["inputFields"] or [])}


def add_rating(workspace):
    create_custom_field(workspace, {"objectName": "person", "name": "rating", "label": "Rating", "type": "NUMBER"})
    workspace.refresh_from_db()


def test_custom_field_appears_in_the_schema_on_the_next_request(client, api_token, workspace):
    before = type_fields(client, api_token, "Person")

    add_rating(workspace)

    assert "rating" not in before
    assert "rating" in type_fields(client, api_token, "Person")
    for input_name in ("PersonFilterInput", "PersonOrderByInput", "PersonCreateInput", "PersonUpdateInput"):
        assert "rating" in type_fields(client, api_token, input_name)


def test_custom_field_does_not_leak_into_another_workspace(client, api_token, other_token, workspace, other_workspace):
    type_fields(client, other_token, "Person")  # the other workspace's schema is built and cached first

    add_rating(workspace)

    assert "rating" in type_fields(client, api_token, "Person")
    assert "rating" not in type_fields(client, other_token, "Person")
    response = gql(client, other_token, "{ people { edges { node { rating } } } }")
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_schema_is_cached_per_metadata_version(workspace):
    first = get_core_schema(workspace)

    assert get_core_schema(workspace) is first
    add_rating(workspace)
    assert get_core_schema(workspace) is not first


def test_each_build_has_its_own_types(workspace, other_workspace):
    ours = build_core_schema(get_workspace_schema(workspace)).schema
    again = build_core_schema(get_workspace_schema(workspace)).schema
    theirs = build_core_schema(get_workspace_schema(other_workspace)).schema

    for name in ("Person", "PersonFilterInput", "FullName", "OpportunityStageEnum", "PageInfo"):
        assert ours.type_map[name] is not again.type_map[name]
        assert ours.type_map[name] is not theirs.type_map[name]


def test_custom_select_options_become_enum_values_even_when_not_valid_names(client, api_token, workspace):
    create_custom_field(
        workspace,
        {
            "objectName": "opportunity",
            "name": "source",
            "label": "Source",
            "type": "SELECT",
            "options": [{"value": "WEB"}, {"value": "1-referral"}, {"value": "true"}],
        },
    )

    body = gql(client, api_token, '{ __type(name: "OpportunitySourceEnum") { enumValues { name } } }').json()
    created = gql(
        client, api_token, 'mutation { createOpportunity(data: {name: "x", source: _1_referral}) { source } }'
    )

    assert [v["name"] for v in body["data"]["__type"]["enumValues"]] == ["WEB", "_1_referral", "_true"]
    # GraphQL shows the enum name; the stored option value is the original one.
    assert created.json() == {"data": {"createOpportunity": {"source": "_1_referral"}}}
    assert Opportunity.objects.get(workspace=workspace).custom["source"] == "1-referral"


def test_composite_custom_field_uses_the_shared_composite_types(client, api_token, workspace):
    create_custom_field(workspace, {"objectName": "company", "name": "billing", "label": "Billing", "type": "ADDRESS"})

    body = gql(client, api_token, '{ __type(name: "Company") { fields { name type { name } } } }').json()

    billing = next(f for f in body["data"]["__type"]["fields"] if f["name"] == "billing")
    assert billing["type"]["name"] == "Address"
