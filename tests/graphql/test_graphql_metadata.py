"""The metadata GraphQL API at /metadata: objects and fields in Twenty's shapes,
custom fields created, changed and deleted through the shared field service,
webhooks and API keys for full-access keys."""

from __future__ import annotations

import uuid

import pytest
from metadata_client import data_of, meta

from crm.models import FieldMetadata, ObjectMetadata
from crm.services.api_keys import create_api_key
from webhooks.services.endpoints import create_endpoint


def core(client, token, query):
    return client.post(
        "/graphql", {"query": query}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


OBJECTS_QUERY = """{ objects(paging: {first: 1000}) { totalCount edges { node {
  id nameSingular namePlural labelSingular isCustom
  fields { edges { node { id name type label options isCustom isNullable
    relation { type targetObjectMetadata { nameSingular } targetFieldName joinColumnName } } } } } } } }"""


def test_objects_and_fields_are_listed_in_twenty_shape(client, api_token, workspace):
    data = data_of(meta(client, api_token, OBJECTS_QUERY))

    objects = {edge["node"]["nameSingular"]: edge["node"] for edge in data["objects"]["edges"]}
    assert set(objects) == {"company", "person", "opportunity", "note", "task", "noteTarget", "taskTarget"}
    assert data["objects"]["totalCount"] == 7
    person = objects["person"]
    assert (person["namePlural"], person["labelSingular"], person["isCustom"]) == ("people", "Person", False)
    fields = {edge["node"]["name"]: edge["node"] for edge in person["fields"]["edges"]}
    assert fields["name"]["type"] == "FULL_NAME"
    assert fields["company"]["relation"] == {
        "type": "MANY_TO_ONE",
        "targetObjectMetadata": {"nameSingular": "company"},
        "targetFieldName": "people",
        "joinColumnName": "companyId",
    }
    stage = next(e["node"] for e in objects["opportunity"]["fields"]["edges"] if e["node"]["name"] == "stage")
    assert stage["type"] == "SELECT"
    assert [o["value"] for o in stage["options"]] == ["NEW", "SCREENING", "MEETING", "PROPOSAL", "CUSTOMER"]


def test_one_object_and_one_field_by_id(client, api_token, workspace):
    person = ObjectMetadata.objects.get(workspace=workspace, name_singular="person")
    city = FieldMetadata.objects.get(object=person, name="city")

    data = data_of(
        meta(
            client,
            api_token,
            "query($o: UUID!, $f: UUID!) { object(id: $o) { nameSingular }"
            " field(id: $f) { name type objectMetadataId } }",
            {"o": str(person.id), "f": str(city.id)},
        )
    )

    assert data["object"] == {"nameSingular": "person"}
    assert data["field"] == {"name": "city", "type": "TEXT", "objectMetadataId": str(person.id)}


CREATE_FIELD = """mutation($input: CreateOneFieldMetadataInput!) {
  createOneField(input: $input) { id name label type options isCustom } }"""


def test_custom_field_created_here_is_usable_in_graphql_right_away(client, api_token, workspace):
    person = ObjectMetadata.objects.get(workspace=workspace, name_singular="person")

    created = data_of(
        meta(
            client,
            api_token,
            CREATE_FIELD,
            {
                "input": {
                    "field": {
                        "objectMetadataId": str(person.id),
                        "name": "tier",
                        "label": "Tier",
                        "type": "SELECT",
                        "options": [
                            {"value": "GOLD", "label": "Gold", "color": "yellow"},
                            {"value": "SILVER", "label": "Silver"},
                        ],
                    }
                }
            },
        )
    )["createOneField"]
    written = data_of(core(client, api_token, 'mutation { createPerson(data: {city: "Oslo", tier: GOLD}) { tier } }'))
    found = data_of(core(client, api_token, "{ people(filter: {tier: {eq: GOLD}}) { totalCount } }"))

    assert created["name"] == "tier" and created["type"] == "SELECT" and created["isCustom"] is True
    assert [o["value"] for o in created["options"]] == ["GOLD", "SILVER"]
    assert written == {"createPerson": {"tier": "GOLD"}}
    assert found == {"people": {"totalCount": 1}}


def test_create_field_by_object_name(client, api_token, workspace):
    created = data_of(
        meta(
            client,
            api_token,
            CREATE_FIELD,
            {"input": {"field": {"objectName": "company", "name": "founded", "label": "Founded", "type": "DATE"}}},
        )
    )["createOneField"]

    assert created["type"] == "DATE"
    assert data_of(core(client, api_token, "{ companies { edges { node { founded } } } }")) == {
        "companies": {"edges": []}
    }


def test_invalid_field_definition_is_bad_user_input(client, api_token, workspace):
    response = meta(
        client,
        api_token,
        CREATE_FIELD,
        {"input": {"field": {"objectName": "person", "name": "Bad Name", "label": "", "type": "TEXT"}}},
    )

    body = response.json()
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert {"name", "label"} <= set(error["extensions"]["fieldErrors"])
    assert not FieldMetadata.objects.filter(workspace=workspace, is_custom=True).exists()


def test_update_and_delete_a_custom_field(client, api_token, workspace):
    created = data_of(
        meta(
            client,
            api_token,
            CREATE_FIELD,
            {"input": {"field": {"objectName": "person", "name": "nickname", "label": "Nickname", "type": "TEXT"}}},
        )
    )["createOneField"]
    data_of(core(client, api_token, 'mutation { createPerson(data: {nickname: "Ace"}) { id } }'))

    updated = data_of(
        meta(
            client,
            api_token,
            "mutation($input: UpdateOneFieldMetadataInput!) { updateOneField(input: $input) { name label } }",
            {"input": {"id": created["id"], "update": {"name": "alias", "label": "Alias"}}},
        )
    )["updateOneField"]
    renamed = data_of(core(client, api_token, "{ people { edges { node { alias } } } }"))
    deleted = data_of(
        meta(client, api_token, f'mutation {{ deleteOneField(input: {{id: "{created["id"]}"}}) {{ id name }} }}')
    )["deleteOneField"]
    gone = core(client, api_token, "{ people { edges { node { alias } } } }")

    assert updated == {"name": "alias", "label": "Alias"}
    assert renamed["people"]["edges"][0]["node"] == {"alias": "Ace"}
    assert deleted == {"id": created["id"], "name": "alias"}
    assert gone.status_code == 400
    assert gone.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_standard_fields_cannot_be_deleted(client, api_token, workspace):
    city = FieldMetadata.objects.get(workspace=workspace, object__name_singular="person", name="city")

    response = meta(client, api_token, f'mutation {{ deleteOneField(input: {{id: "{city.id}"}}) {{ id }} }}')

    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert FieldMetadata.objects.filter(id=city.id).exists()


def test_another_workspaces_field_is_not_found(client, api_token, other_workspace):
    theirs = FieldMetadata.objects.filter(workspace=other_workspace).first()

    read = meta(client, api_token, f'{{ field(id: "{theirs.id}") {{ id }} }}').json()
    deleted = meta(client, api_token, f'mutation {{ deleteOneField(input: {{id: "{theirs.id}"}}) {{ id }} }}').json()
    unknown = meta(client, api_token, f'{{ object(id: "{uuid.uuid4()}") {{ id }} }}').json()

    for body in (read, deleted, unknown):
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_read_only_key_reads_metadata_but_cannot_change_it(client, read_only_token, workspace):
    listed = meta(client, read_only_token, "{ objects { totalCount } }")
    created = meta(
        client,
        read_only_token,
        CREATE_FIELD,
        {"input": {"field": {"objectName": "person", "name": "tier", "label": "Tier", "type": "TEXT"}}},
    )

    assert data_of(listed) == {"objects": {"totalCount": 7}}
    assert created.status_code == 403
    assert created.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_webhooks_and_api_keys_are_listed_for_full_access_keys(client, api_token, workspace, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    endpoint = create_endpoint(workspace, target_url="http://127.0.0.1:9/hook", operations=["person.*"])
    create_api_key(workspace, "Zapier", read_only=True)

    data = data_of(
        meta(
            client,
            api_token,
            "{ webhooks { id targetUrl operations isActive } apiKeys { name readOnly status tokenPrefix } }",
        )
    )

    assert data["webhooks"] == [
        {"id": str(endpoint.id), "targetUrl": "http://127.0.0.1:9/hook", "operations": ["person.*"], "isActive": True}
    ]
    assert {(k["name"], k["readOnly"], k["status"]) for k in data["apiKeys"]} == {
        ("Tests", False, "active"),
        ("Zapier", True, "active"),
    }
    assert all(k["tokenPrefix"].startswith("crm_") for k in data["apiKeys"])


def test_api_key_tokens_are_not_exposed(client, api_token):
    response = meta(client, api_token, "{ apiKeys { token } }")

    assert response.status_code == 400
    assert "token" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "document",
    [
        "{ webhooks { id targetUrl } }",
        "query($id: UUID!) { webhook(id: $id) { id targetUrl } }",
        "{ apiKeys { id } }",
        "query($id: UUID!) { apiKey(id: $id) { id } }",
    ],
)
def test_read_only_keys_cannot_read_webhooks_or_api_keys(client, read_only_token, workspace, settings, document):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    endpoint = create_endpoint(workspace, target_url="http://127.0.0.1:9/hook?token=s3cret")
    variables = {"id": str(endpoint.id)} if "$id" in document else None

    body = meta(client, read_only_token, document, variables).json()

    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert "full-access" in body["errors"][0]["message"]
    assert "s3cret" not in str(body)


def test_metadata_endpoint_needs_a_key(client):
    response = client.post("/metadata", {"query": "{ objects { totalCount } }"}, content_type="application/json")

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_metadata_schema_is_introspectable(client, api_token):
    data = data_of(meta(client, api_token, '{ __type(name: "Field") { fields { name } } }'))

    assert {"name", "type", "options", "isCustom"} <= {f["name"] for f in data["__type"]["fields"]}


def test_current_workspace_answers_the_keys_workspace_where_twenty_clients_ask(
    client, api_token, workspace, admin_user
):
    # The authentication test of Twenty's Zapier app, on both endpoints it has used.
    document = "query currentWorkspace {currentWorkspace {id displayName}}"
    expected = {"currentWorkspace": {"id": str(workspace.id), "displayName": "Acme"}}

    assert data_of(meta(client, api_token, document)) == expected
    assert data_of(core(client, api_token, document)) == expected
    details = data_of(
        meta(client, api_token, "{ currentWorkspace { subdomain activationStatus workspaceMembersCount } }")
    )
    assert details == {
        "currentWorkspace": {"subdomain": "acme", "activationStatus": "ACTIVE", "workspaceMembersCount": 1}
    }


def test_current_workspace_works_with_a_read_only_key(client, read_only_token, other_token, other_workspace):
    mine = data_of(meta(client, read_only_token, "{ currentWorkspace { displayName } }"))
    theirs = data_of(meta(client, other_token, "{ currentWorkspace { id } }"))

    assert mine == {"currentWorkspace": {"displayName": "Acme"}}
    assert theirs == {"currentWorkspace": {"id": str(other_workspace.id)}}
