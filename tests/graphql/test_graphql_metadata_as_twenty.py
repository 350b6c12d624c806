"""The metadata GraphQL API answers the documents Twenty's clients send, typed as Twenty
types them: the Zapier app's schema query, the filters and paging of Twenty's metadata
integration tests, and the flags they send when creating and changing fields."""

from __future__ import annotations

import pytest
from metadata_client import data_of, meta

from crm.models import FieldMetadata, ObjectMetadata

# Twenty's Zapier app reads the schema with this document.
ZAPIER_SCHEMA_QUERY = """query GetObjects {
    objects(paging: {first: 1000}, filter: {isActive: {is:true}}) {
      edges { node { nameSingular namePlural labelSingular
          fields(paging: {first: 1000}, filter: {isActive: {is:true}}) {
            edges { node { type name label description isNullable defaultValue } } } } } } }"""

# Its newer versions read every field as a plain list.
ZAPIER_FIELDS_LIST_QUERY = """query GetObjects {
    objects(paging: {first: 1000}, filter: {isActive: {is:true}}) {
      edges { node { nameSingular namePlural labelSingular
          fieldsList { type name label description isActive isNullable defaultValue options } } } } }"""

# Twenty's front end loads every object with this fragment (its newer versions) ...
FRONT_END_FRAGMENT_QUERY = """
fragment ObjectMetadataFields on Object {
  id nameSingular namePlural labelSingular labelPlural description icon isCustom isRemote isActive isSystem
  isUIReadOnly createdAt updatedAt labelIdentifierFieldMetadataId imageIdentifierFieldMetadataId applicationId
  shortcut isLabelSyncedWithName isSearchable duplicateCriteria
  indexMetadataList { id createdAt updatedAt name indexWhereClause indexType isUnique isCustom
    indexFieldMetadataList { id fieldMetadataId createdAt updatedAt order } }
  fieldsList { id type name label description icon isCustom isActive isSystem isUIReadOnly isNullable isUnique
    createdAt updatedAt defaultValue options settings isLabelSyncedWithName applicationId
    relation { type sourceObjectMetadata { id nameSingular namePlural }
      targetObjectMetadata { id nameSingular namePlural }
      sourceFieldMetadata { id name } targetFieldMetadata { id name } }
    morphRelations { type sourceObjectMetadata { id nameSingular namePlural }
      targetObjectMetadata { id nameSingular namePlural }
      sourceFieldMetadata { id name } targetFieldMetadata { id name } }
  }
}
query ObjectMetadataItems {
  objects(paging: { first: 1000 }) { edges { node { ...ObjectMetadataFields } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""

# ... and its older versions with connections.
FRONT_END_CONNECTIONS_QUERY = """query ObjectMetadataItems {
  objects(paging: { first: 1000 }) { edges { node {
    id dataSourceId nameSingular namePlural shortcut isLabelSyncedWithName isSearchable duplicateCriteria
    indexMetadatas(paging: { first: 100 }) { edges { node { id name indexWhereClause indexType isUnique
      indexFieldMetadatas(paging: { first: 100 }) { edges { node { id order fieldMetadataId } } } } } }
    fields(paging: { first: 1000 }) { edges { node { id name type isUnique settings
      relation { type sourceFieldMetadata { id name } targetFieldMetadata { id name } } } } }
  } } } }"""

FIND_OBJECTS = """query ObjectsMetadata($filter: ObjectFilter!, $paging: CursorPaging!) {
  objects(filter: $filter, paging: $paging) { edges { node { id nameSingular } cursor }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""

FIND_FIELDS = """query FieldsMetadata($filter: FieldFilter!, $paging: CursorPaging!) {
  fields(paging: $paging, filter: $filter) { edges { node { id name isCustom } } } }"""


def test_zapier_reads_the_schema_with_its_own_query(client, api_token, workspace):
    FieldMetadata.objects.filter(workspace=workspace, name="city").update(is_active=False)

    objects = data_of(meta(client, api_token, ZAPIER_SCHEMA_QUERY))["objects"]["edges"]

    person = next(edge["node"] for edge in objects if edge["node"]["nameSingular"] == "person")
    assert person["namePlural"] == "people"
    names = {edge["node"]["name"] for edge in person["fields"]["edges"]}
    assert "jobTitle" in names and "city" not in names  # inactive fields are filtered out


def test_zapier_reads_every_field_as_a_list_and_must_fill_in_none_the_server_makes(client, api_token, workspace):
    objects = data_of(meta(client, api_token, ZAPIER_FIELDS_LIST_QUERY))["objects"]["edges"]

    by_name = {edge["node"]["nameSingular"]: edge["node"]["fieldsList"] for edge in objects}
    assert {f["name"] for f in by_name["person"]} == set(
        FieldMetadata.objects.filter(object__workspace=workspace, object__name_singular="person").values_list(
            "name", flat=True
        )
    )
    person_id = next(f for f in by_name["person"] if f["name"] == "id")
    assert (person_id["isNullable"], person_id["defaultValue"]) == (False, "uuid")
    # Zapier asks the user for every field that is not nullable and has no default.
    must_send = {
        (name, f["name"])
        for name, fields in by_name.items()
        for f in fields
        if not f["isNullable"] and f["defaultValue"] is None
    }
    assert must_send == set()


ALL = {"company", "note", "noteTarget", "opportunity", "person", "task", "taskTarget"}


@pytest.mark.parametrize(
    ("object_filter", "expected"),
    [
        (lambda ids: {"isCustom": {"is": False}}, ALL),
        (lambda ids: {"isCustom": {"isNot": False}}, set()),
        (lambda ids: {"isSystem": {"is": False}, "isRemote": {"is": False}}, ALL),
        (lambda ids: {"or": [{"id": {"eq": ids["person"]}}, {"id": {"eq": ids["task"]}}]}, {"person", "task"}),
        (lambda ids: {"id": {"in": [ids["person"], ids["note"]]}}, {"note", "person"}),
        (lambda ids: {"and": [{"isActive": {"is": True}}, {"id": {"neq": ids["person"]}}]}, ALL - {"person"}),
    ],
)
def test_objects_filter_as_twenty_types_it(client, api_token, workspace, object_filter, expected):
    ids = {o.name_singular: str(o.id) for o in ObjectMetadata.objects.filter(workspace=workspace)}
    variables = {"filter": object_filter(ids), "paging": {"first": 100}}

    found = data_of(meta(client, api_token, FIND_OBJECTS, variables))

    assert {edge["node"]["nameSingular"] for edge in found["objects"]["edges"]} == expected


def test_objects_are_paged_with_cursors(client, api_token, workspace):
    first = data_of(meta(client, api_token, FIND_OBJECTS, {"filter": {}, "paging": {"first": 2}}))["objects"]
    after = first["pageInfo"]["endCursor"]
    second = data_of(meta(client, api_token, FIND_OBJECTS, {"filter": {}, "paging": {"first": 2, "after": after}}))
    last = data_of(meta(client, api_token, FIND_OBJECTS, {"filter": {}, "paging": {"last": 1}}))["objects"]

    assert [e["node"]["nameSingular"] for e in first["edges"]] == ["company", "note"]
    assert first["pageInfo"]["hasNextPage"] is True and first["pageInfo"]["hasPreviousPage"] is False
    assert [e["node"]["nameSingular"] for e in second["objects"]["edges"]] == ["noteTarget", "opportunity"]
    assert second["objects"]["pageInfo"]["hasPreviousPage"] is True
    assert [e["node"]["nameSingular"] for e in last["edges"]] == ["taskTarget"]
    assert last["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": last["edges"][0]["cursor"],
        "endCursor": last["edges"][0]["cursor"],
    }


def test_fields_filter_and_page_as_twenty_types_them(client, api_token, workspace):
    custom = data_of(
        meta(client, api_token, FIND_FIELDS, {"filter": {"isCustom": {"is": True}}, "paging": {"first": 10}})
    )
    some = data_of(meta(client, api_token, FIND_FIELDS, {"filter": {}, "paging": {"first": 3}}))

    assert custom == {"fields": {"edges": []}}
    assert len(some["fields"]["edges"]) == 3


def test_a_page_too_large_or_a_cursor_of_nothing_is_a_bad_user_input(client, api_token):
    too_large = meta(client, api_token, FIND_OBJECTS, {"filter": {}, "paging": {"first": 1001}})
    unknown = meta(client, api_token, FIND_OBJECTS, {"filter": {}, "paging": {"after": "nothing"}})

    for response in (too_large, unknown):
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_field_writes_accept_the_flags_twenty_clients_send(client, api_token, workspace):
    person = ObjectMetadata.objects.get(workspace=workspace, name_singular="person")
    created = data_of(
        meta(
            client,
            api_token,
            """mutation CreateOneFieldMetadataItem($input: CreateOneFieldMetadataInput!) {
                 createOneField(input: $input) { id name isLabelSyncedWithName isUnique isActive settings } }""",
            {
                "input": {
                    "field": {
                        "objectMetadataId": str(person.id),
                        "type": "NUMBER",
                        "name": "score",
                        "label": "Score",
                        "isLabelSyncedWithName": True,
                        "isUnique": False,
                        "isActive": True,
                        "isCustom": True,
                        "isRemoteCreation": False,
                        "settings": {"dataType": "int", "decimals": 0},
                    }
                }
            },
        )
    )["createOneField"]
    updated = data_of(
        meta(
            client,
            api_token,
            """mutation UpdateOneFieldMetadataItem($idToUpdate: UUID!, $updatePayload: UpdateFieldInput!) {
                 updateOneField(input: {id: $idToUpdate, update: $updatePayload}) { label } }""",
            {"idToUpdate": created["id"], "updatePayload": {"label": "Rating", "isLabelSyncedWithName": False}},
        )
    )["updateOneField"]

    assert created["name"] == "score" and created["isUnique"] is False and created["isActive"] is True
    assert created["settings"] == {"dataType": "int", "decimals": 0}
    assert updated == {"label": "Rating"}


def test_flags_that_cannot_hold_here_are_refused_by_name(client, api_token, workspace):
    response = meta(
        client,
        api_token,
        """mutation { createOneField(input: {field: {objectName: "person", type: TEXT, name: "code", label: "Code",
             isUnique: true, isSystem: true}}) { id } }""",
    )

    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(error["extensions"]["fieldErrors"]) == {"isUnique", "isSystem"}
    assert not FieldMetadata.objects.filter(workspace=workspace, name="code").exists()


def test_the_front_end_loads_every_object_with_its_fragment(client, api_token, workspace):
    objects = data_of(meta(client, api_token, FRONT_END_FRAGMENT_QUERY))["objects"]["edges"]

    by_name = {edge["node"]["nameSingular"]: edge["node"] for edge in objects}
    person, company = by_name["person"], by_name["company"]
    fields = {field["name"]: field for field in person["fieldsList"]}
    company_fields = {field["name"]: field for field in company["fieldsList"]}
    # A relation names the fields on both of its sides.
    assert fields["company"]["relation"]["sourceFieldMetadata"] == {"id": fields["company"]["id"], "name": "company"}
    assert fields["company"]["relation"]["targetFieldMetadata"] == {
        "id": company_fields["people"]["id"],
        "name": "people",
    }
    assert fields["city"]["relation"] is None and fields["city"]["morphRelations"] == []
    # The unique index on the primary email, and how duplicates are found.
    (index,) = person["indexMetadataList"]
    assert index["isUnique"] is True
    assert [f["fieldMetadataId"] for f in index["indexFieldMetadataList"]] == [fields["emails"]["id"]]
    assert person["duplicateCriteria"] == [["nameFirstName", "nameLastName"], ["emailsPrimaryEmail"]]


def test_the_front_ends_older_connections_query_is_answered(client, api_token, workspace):
    objects = data_of(meta(client, api_token, FRONT_END_CONNECTIONS_QUERY))["objects"]["edges"]

    company = next(edge["node"] for edge in objects if edge["node"]["nameSingular"] == "company")
    (index,) = [edge["node"] for edge in company["indexMetadatas"]["edges"]]
    domain = next(edge["node"] for edge in company["fields"]["edges"] if edge["node"]["name"] == "domainName")
    assert [edge["node"]["fieldMetadataId"] for edge in index["indexFieldMetadatas"]["edges"]] == [domain["id"]]
    assert company["dataSourceId"] is None
