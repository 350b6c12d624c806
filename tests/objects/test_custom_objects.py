"""Custom objects through the metadata APIs: created, changed, deactivated and deleted
over REST (/rest/metadata/objects) and GraphQL (createOneObject, ... on /metadata), with
Twenty's inputs, default fields, name rules and the confirmation that deleting records needs."""

from __future__ import annotations

import pytest
from custom_object_setup import *  # noqa: F403 - the api fixture
from django.test import Client

from crm.models import CustomRecord, FieldMetadata, ObjectMetadata, Workspace
from webhooks.models import WebhookEndpoint
from webhooks.services.endpoints import create_endpoint

PROJECT = {
    "nameSingular": "project",
    "namePlural": "projects",
    "labelSingular": "Project",
    "labelPlural": "Projects",
    "description": "Work we deliver",
    "icon": "IconBriefcase",
}


def post(api: Client, path: str, body: object):
    return api.post(path, body, content_type="application/json")


def create_object(api: Client, **changes: object) -> dict:
    response = post(api, "/rest/metadata/objects", {**PROJECT, **changes})
    assert response.status_code == 201, response.content
    return response.json()["data"]["createOneObject"]


def meta(api: Client, query: str, variables: dict | None = None) -> dict:
    return api.post("/metadata", {"query": query, "variables": variables or {}}, content_type="application/json").json()


def test_a_created_object_has_twenty_default_fields(api, workspace):
    version = workspace.metadata_version
    created = create_object(api)

    assert (created["nameSingular"], created["namePlural"], created["labelPlural"]) == (
        "project",
        "projects",
        "Projects",
    )
    assert (created["isCustom"], created["isActive"], created["icon"]) == (True, True, "IconBriefcase")
    fields = {f["name"]: f for f in created["fields"]}
    assert set(fields) == {
        *("id", "name", "position", "createdAt", "updatedAt", "deletedAt", "createdBy"),
        *("noteTargets", "taskTargets"),
    }
    assert fields["noteTargets"]["relation"]["type"] == "ONE_TO_MANY"
    assert fields["name"]["type"] == "TEXT" and not fields["name"]["isSystem"]
    assert fields["createdBy"]["type"] == "ACTOR" and fields["createdBy"]["isSystem"]
    assert created["labelIdentifierFieldName"] == "name"
    assert Workspace.objects.get(pk=workspace.pk).metadata_version > version
    listed = api.get("/rest/metadata/objects").json()
    assert "projects" in {o["namePlural"] for o in listed["data"]["objects"]}
    assert api.get("/rest/metadata/objects/project").json()["data"]["object"]["id"] == created["id"]


def test_notes_and_tasks_are_about_records_of_a_custom_object_as_in_twenty(api, workspace):
    create_object(api)
    project = post(api, "/rest/projects", {"name": "Apollo"}).json()["data"]["createProject"]
    note = post(api, "/rest/notes", {"title": "Kickoff"}).json()["data"]["createNote"]
    task = post(api, "/rest/tasks", {"title": "Plan"}).json()["data"]["createTask"]

    linked = post(api, "/rest/noteTargets", {"noteId": note["id"], "projectId": project["id"]})
    post(api, "/rest/taskTargets", {"taskId": task["id"], "projectId": project["id"]})
    query = """{ project(filter: {name: {eq: "Apollo"}}) {
      noteTargets { edges { node { note { title } } } } taskTargets { edges { node { task { title } } } } } }"""
    found = api.post("/graphql", {"query": query}, content_type="application/json").json()["data"]["project"]

    assert linked.status_code == 201, linked.json()
    assert [e["node"]["note"]["title"] for e in found["noteTargets"]["edges"]] == ["Kickoff"]
    assert [e["node"]["task"]["title"] for e in found["taskTargets"]["edges"]] == ["Plan"]
    assert api.delete("/rest/metadata/objects/project?force=true").status_code == 200
    assert (
        "projectId"
        not in api.get(f"/rest/noteTargets/{linked.json()['data']['createNoteTarget']['id']}").json()["data"][
            "noteTarget"
        ]
    )


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"nameSingular": "Project"}, "nameSingular", "camelCase"),
        ({"nameSingular": "my_project"}, "nameSingular", "camelCase"),
        ({"namePlural": "μ"}, "namePlural", "camelCase"),
        ({"nameSingular": "a" * 64}, "nameSingular", "too long"),
        ({"nameSingular": ""}, "nameSingular", "blank"),
        ({"nameSingular": "projects"}, "namePlural", "must differ"),
        ({"nameSingular": "user", "namePlural": "users"}, "nameSingular", 'The name "user" is not available'),
        ({"nameSingular": "job", "namePlural": "jobs"}, "namePlural", 'The name "jobs" is not available'),
        ({"nameSingular": "apiURL", "namePlural": "apiURLs"}, "nameSingular", "Name should be in camelCase: apiURL"),
        ({"namePlural": "project2s"}, "namePlural", "Name should be in camelCase: project2s"),
        ({"nameSingular": "pageInfo"}, "nameSingular", "reserved"),
        ({"nameSingular": "projectEdge"}, "nameSingular", "reserved"),
        ({"namePlural": "metadata"}, "namePlural", "reserved"),
        ({"namePlural": "batch"}, "namePlural", "reserved"),
        ({"namePlural": "webhooks"}, "namePlural", "reserved"),
        ({"nameSingular": "person", "namePlural": "persons"}, "nameSingular", "already the name"),
        ({"nameSingular": "people", "namePlural": "peoples"}, "nameSingular", "already the name"),
        ({"nameSingular": "company", "namePlural": "companies"}, "namePlural", "already the name"),
        ({"labelSingular": " "}, "labelSingular", "blank"),
        ({"labelPlural": None}, "labelPlural", "required"),
        ({"color": "red"}, "color", "unknown property"),
    ],
)
def test_an_invalid_object_is_refused_with_a_clear_400(api, workspace, changes, key, message):
    response = post(api, "/rest/metadata/objects", {**PROJECT, **changes})

    assert response.status_code == 400, response.content
    assert any(m.startswith(f"{key}: ") and message in m for m in response.json()["messages"]), response.json()
    assert not ObjectMetadata.objects.filter(workspace=workspace, is_custom=True).exists()


def test_the_same_names_twice_are_refused(api, workspace):
    create_object(api)
    response = post(api, "/rest/metadata/objects", PROJECT)
    assert response.status_code == 400
    assert "already the name of an object" in " ".join(response.json()["messages"])


def test_a_read_only_key_cannot_create_objects(client, read_only_token, workspace):
    response = client.post(
        "/rest/metadata/objects",
        PROJECT,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {read_only_token}",
    )
    assert response.status_code == 403


def test_an_object_is_relabelled_renamed_and_deactivated_over_rest(api, workspace):
    created = create_object(api)
    path = f"/rest/metadata/objects/{created['id']}"

    response = api.patch(
        path,
        {"labelPlural": "Assignments", "nameSingular": "assignment", "namePlural": "assignments"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["data"]["updateOneObject"]["namePlural"] == "assignments"
    assert api.get("/rest/assignments").status_code == 200
    assert api.get("/rest/projects").status_code == 404

    response = api.patch(path, {"isActive": False}, content_type="application/json")
    assert response.json()["data"]["updateOneObject"]["isActive"] is False
    assert api.get("/rest/assignments").status_code == 404
    assert api.get(path).json()["data"]["object"]["isActive"] is False

    api.patch(path, {"isActive": True}, content_type="application/json")
    assert api.get("/rest/assignments").status_code == 200


def test_standard_objects_change_only_how_they_are_presented(api, workspace):
    response = api.patch("/rest/metadata/objects/person", {"labelPlural": "Contacts"}, content_type="application/json")
    assert response.json()["data"]["updateOneObject"]["labelPlural"] == "Contacts"

    for change in ({"nameSingular": "contact"}, {"isActive": False}):
        response = api.patch("/rest/metadata/objects/person", change, content_type="application/json")
        assert response.status_code == 400
        assert "cannot be changed on a standard object" in response.json()["messages"][0]
    response = api.delete("/rest/metadata/objects/person")
    assert response.status_code == 400 and "standard object" in response.json()["messages"][0]


def test_deleting_an_object_with_records_needs_confirmation_then_removes_everything(api, workspace):
    created = create_object(api)
    relation = post(
        api,
        "/rest/metadata/fields",
        {
            "objectMetadataId": created["id"],
            "name": "company",
            "label": "Company",
            "type": "RELATION",
            "relationCreationPayload": {
                "targetObjectMetadataId": "company",
                "type": "MANY_TO_ONE",
                "targetFieldLabel": "Projects",
            },
        },
    )
    assert relation.status_code == 201, relation.content
    person = post(
        api,
        "/rest/metadata/fields",
        {
            "objectName": "person",
            "name": "mainProject",
            "label": "Main project",
            "type": "RELATION",
            "relationCreationPayload": {
                "targetObjectMetadataId": created["id"],
                "type": "MANY_TO_ONE",
                "targetFieldLabel": "Leads",
            },
        },
    )
    assert person.status_code == 201, person.content
    project = post(api, "/rest/projects", {"name": "Apollo"}).json()["data"]["createProject"]
    lead = post(api, "/rest/people", {"mainProjectId": project["id"]}).json()["data"]["createPerson"]
    endpoint = create_endpoint(
        workspace, target_url="https://example.com/hook", operations=["project.created", "person.*"]
    )
    only_projects = create_endpoint(workspace, target_url="https://example.com/p", operations=["project.*"])

    refused = api.delete(f"/rest/metadata/objects/{created['id']}")
    assert refused.status_code == 400
    assert "has 1 record" in refused.json()["messages"][0] and "force=true" in refused.json()["messages"][0]
    assert api.get("/rest/projects").status_code == 200

    response = api.delete(f"/rest/metadata/objects/{created['id']}?force=true")

    assert response.status_code == 200, response.content
    assert response.json()["data"]["deleteOneObject"] == {"id": created["id"]}
    assert api.get("/rest/projects").status_code == 404
    assert not CustomRecord.objects.filter(workspace=workspace).exists()
    assert not FieldMetadata.objects.filter(workspace=workspace, name__in=["projects", "leads", "mainProject"]).exists()
    assert "mainProjectId" not in api.get(f"/rest/people/{lead['id']}").json()["data"]["person"]
    endpoint.refresh_from_db()
    assert endpoint.operations == ["person.*"]
    only_projects.refresh_from_db()
    assert only_projects.operations == [] and not only_projects.is_active
    assert "project" in only_projects.disabled_reason


def test_an_empty_object_is_deleted_without_confirmation(api, workspace):
    created = create_object(api)
    assert api.delete(f"/rest/metadata/objects/{created['id']}").status_code == 200
    assert not ObjectMetadata.objects.filter(id=created["id"]).exists()


def test_renaming_an_object_renames_its_webhook_operations(api, workspace):
    created = create_object(api)
    endpoint = create_endpoint(workspace, target_url="https://example.com/hook", operations=["project.created"])
    api.patch(
        f"/rest/metadata/objects/{created['id']}",
        {"nameSingular": "assignment", "namePlural": "assignments"},
        content_type="application/json",
    )
    endpoint.refresh_from_db()
    assert endpoint.operations == ["assignment.created"]


CREATE = """mutation($input: CreateOneObjectInput!) { createOneObject(input: $input) {
  id nameSingular namePlural isCustom isActive fields { edges { node { name type } } } } }"""
UPDATE = """mutation($id: UUID!, $update: UpdateObjectPayload!) {
  updateOneObject(input: {id: $id, update: $update}) { id labelSingular isActive } }"""
DELETE = (
    """mutation($id: UUID!, $force: Boolean) { deleteOneObject(input: {id: $id, force: $force}) { id nameSingular } }"""
)


def test_objects_are_managed_over_graphql_with_twenty_mutations(api, workspace):
    body = meta(api, CREATE, {"input": {"object": {**PROJECT, "isLabelSyncedWithName": True}}})
    assert "errors" not in body, body
    created = body["data"]["createOneObject"]
    assert created["isCustom"] and created["isActive"]
    assert {e["node"]["name"] for e in created["fields"]["edges"]} >= {"id", "name", "createdBy"}

    body = meta(api, UPDATE, {"id": created["id"], "update": {"labelSingular": "Job", "isActive": False}})
    assert body["data"]["updateOneObject"] == {"id": created["id"], "labelSingular": "Job", "isActive": False}

    assert api.get("/rest/projects").status_code == 404
    meta(api, UPDATE, {"id": created["id"], "update": {"isActive": True}})
    post(api, "/rest/projects", {"name": "Apollo"})
    body = meta(api, DELETE, {"id": created["id"]})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "has 1 record" in body["errors"][0]["message"]

    body = meta(api, DELETE, {"id": created["id"], "force": True})
    assert body["data"]["deleteOneObject"] == {"id": created["id"], "nameSingular": "project"}
    assert not ObjectMetadata.objects.filter(id=created["id"]).exists()


def test_twentys_way_deactivate_then_delete_needs_no_force(api, workspace):
    created = meta(api, CREATE, {"input": {"object": PROJECT}})["data"]["createOneObject"]
    post(api, "/rest/projects", {"name": "Apollo"})

    meta(api, UPDATE, {"id": created["id"], "update": {"isActive": False}})
    body = meta(api, DELETE, {"id": created["id"]})

    assert body["data"]["deleteOneObject"] == {"id": created["id"], "nameSingular": "project"}
    assert not ObjectMetadata.objects.filter(id=created["id"]).exists()
    assert not CustomRecord.objects.filter(workspace=workspace).exists()


def test_invalid_names_over_graphql_are_bad_user_input(api, workspace):
    body = meta(api, CREATE, {"input": {"object": {**PROJECT, "nameSingular": "Not_Camel"}}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "nameSingular" in body["errors"][0]["extensions"]["fieldErrors"]


def test_a_read_only_key_cannot_run_object_mutations(client, read_only_token, workspace):
    response = client.post(
        "/metadata",
        {"query": CREATE, "variables": {"input": {"object": PROJECT}}},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {read_only_token}",
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert not ObjectMetadata.objects.filter(is_custom=True).exists()


def test_another_workspace_never_sees_a_custom_object(api, workspace, other_workspace, other_token):
    create_object(api)
    post(api, "/rest/projects", {"name": "Secret"})
    other = Client(HTTP_AUTHORIZATION=f"Bearer {other_token}")

    assert "project" not in {o["nameSingular"] for o in other.get("/rest/metadata/objects").json()["data"]["objects"]}
    assert other.get("/rest/projects").status_code == 404
    assert other.get("/rest/metadata/objects/project").status_code == 404
    sdl = other.post(
        "/graphql", {"query": '{ __type(name: "Project") { name } }'}, content_type="application/json"
    ).json()
    assert sdl["data"]["__type"] is None
    assert "/projects" not in str(other.get("/rest/open-api/core").json()["paths"])
    # The other workspace can create its own object of the same name.
    response = other.post("/rest/metadata/objects", PROJECT, content_type="application/json")
    assert response.status_code == 201
    assert other.get("/rest/projects").json()["totalCount"] == 0
    assert WebhookEndpoint.objects.count() == 0


def test_a_relation_names_its_other_side_from_its_label_as_twenty_spells_names(api, workspace):
    created = create_object(api)
    payload = {"targetObjectMetadataId": "company", "type": "MANY_TO_ONE", "targetFieldLabel": "VIP projects"}
    body = {"objectMetadataId": created["id"], "name": "company", "label": "Company", "type": "RELATION"}

    relation = post(api, "/rest/metadata/fields", {**body, "relationCreationPayload": payload})

    assert relation.status_code == 201, relation.content
    company_fields = api.get("/rest/metadata/objects/company").json()["data"]["object"]["fields"]
    assert {"name": "vipProjects", "label": "VIP projects"} in [
        {"name": f["name"], "label": f["label"]} for f in company_fields
    ]
