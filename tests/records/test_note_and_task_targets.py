"""Note and task targets are objects like the others: what a note or task is about, read
and written over REST and GraphQL, described by the metadata and OpenAPI, announced to
webhooks, embedded at depth=1 and selectable on both sides of the relation."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crm.services.records import create_record, create_records
from webhooks.models import Event


@pytest.fixture
def api(api_token: str, settings) -> Client:
    settings.API_RATE_LIMIT_PER_MINUTE = 10_000
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")


def post(api: Client, path: str, body: object):
    return api.post(path, body, content_type="application/json")


def graphql(api: Client, query: str, variables: dict | None = None) -> dict:
    response = post(api, "/graphql", {"query": query, "variables": variables or {}})
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


@pytest.fixture
def world(workspace, actor) -> dict:
    company = create_record(workspace, "company", {"name": "Acme"}, actor)
    person = create_record(workspace, "person", {"name": {"firstName": "Ada"}, "companyId": company["id"]}, actor)
    opportunity = create_record(workspace, "opportunity", {"name": "Big deal", "companyId": company["id"]}, actor)
    note = create_record(workspace, "note", {"title": "Kickoff call"}, actor)
    task = create_record(workspace, "task", {"title": "Send the contract"}, actor)
    return {"company": company, "person": person, "opportunity": opportunity, "note": note, "task": task}


def test_a_note_is_attached_over_rest_and_the_target_reads_back_with_its_ids(api, world):
    response = post(api, "/rest/noteTargets", {"noteId": world["note"]["id"], "personId": world["person"]["id"]})
    assert response.status_code == 201, response.content
    target = response.json()["data"]["createNoteTarget"]
    assert target["noteId"] == world["note"]["id"] and target["personId"] == world["person"]["id"]
    assert target["companyId"] is None and target["opportunityId"] is None

    read = api.get(f"/rest/noteTargets/{target['id']}?depth=1").json()["data"]["noteTarget"]
    assert read["note"]["title"] == "Kickoff call"
    assert read["person"]["name"]["firstName"] == "Ada"
    assert read["company"] is None


def test_a_target_pointing_at_a_record_of_another_workspace_is_refused(api, world, other_workspace, actor):
    stranger = create_record(other_workspace, "person", {"name": {"firstName": "Eve"}}, actor)
    response = post(api, "/rest/taskTargets", {"taskId": world["task"]["id"], "personId": stranger["id"]})
    assert response.status_code == 400
    assert "no person with id" in str(response.json()["messages"])


def test_targets_are_filtered_by_the_id_of_either_end(api, workspace, actor, world):
    create_records(
        workspace,
        "taskTarget",
        [
            {"taskId": world["task"]["id"], "personId": world["person"]["id"]},
            {"taskId": world["task"]["id"], "companyId": world["company"]["id"]},
        ],
        actor,
    )
    by_person = api.get(f"/rest/taskTargets?filter=personId[eq]:{world['person']['id']}").json()
    assert [t["personId"] for t in by_person["data"]["taskTargets"]] == [world["person"]["id"]]
    by_task = api.get(f"/rest/taskTargets?filter=taskId[eq]:{world['task']['id']}").json()
    assert by_task["totalCount"] == 2


def test_depth_1_embeds_the_targets_on_every_side(api, workspace, actor, world):
    create_record(workspace, "noteTarget", {"noteId": world["note"]["id"], "companyId": world["company"]["id"]}, actor)
    create_record(workspace, "taskTarget", {"taskId": world["task"]["id"], "personId": world["person"]["id"]}, actor)

    note = api.get(f"/rest/notes/{world['note']['id']}?depth=1").json()["data"]["note"]
    assert [t["companyId"] for t in note["noteTargets"]] == [world["company"]["id"]]
    company = api.get(f"/rest/companies/{world['company']['id']}?depth=1").json()["data"]["company"]
    assert [t["noteId"] for t in company["noteTargets"]] == [world["note"]["id"]]
    assert company["taskTargets"] == []
    people = api.get("/rest/people?depth=1").json()["data"]["people"]
    assert [t["taskId"] for t in people[0]["taskTargets"]] == [world["task"]["id"]]
    opportunity = api.get(f"/rest/opportunities/{world['opportunity']['id']}?depth=1").json()["data"]["opportunity"]
    assert opportunity["noteTargets"] == [] and opportunity["taskTargets"] == []


def test_graphql_creates_targets_and_selects_them_from_either_side(api, world):
    created = graphql(
        api,
        """mutation($data: NoteTargetCreateInput!) {
          createNoteTarget(data: $data) { id noteId note { title } person { name { firstName } } }
        }""",
        {"data": {"noteId": world["note"]["id"], "personId": world["person"]["id"]}},
    )["createNoteTarget"]
    assert created["note"] == {"title": "Kickoff call"} and created["person"] == {"name": {"firstName": "Ada"}}

    data = graphql(
        api,
        """query($id: UUID!, $note: UUID!) {
          people { edges { node { noteTargets { totalCount edges { node { note { title } } } } } } }
          notes { edges { node { noteTargets(filter: {personId: {eq: $id}}) { edges { node { personId } } } } } }
          noteTargets(filter: {noteId: {eq: $note}}) { totalCount }
        }""",
        {"id": world["person"]["id"], "note": world["note"]["id"]},
    )
    person_targets = data["people"]["edges"][0]["node"]["noteTargets"]
    assert person_targets["totalCount"] == 1
    assert person_targets["edges"][0]["node"]["note"] == {"title": "Kickoff call"}
    note_targets = data["notes"]["edges"][0]["node"]["noteTargets"]["edges"]
    assert [edge["node"]["personId"] for edge in note_targets] == [world["person"]["id"]]
    assert data["noteTargets"]["totalCount"] == 1


def test_graphql_has_every_operation_for_targets(api):
    fields = graphql(api, "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }")
    queries = {f["name"] for f in fields["__schema"]["queryType"]["fields"]}
    mutations = {f["name"] for f in fields["__schema"]["mutationType"]["fields"]}
    assert {"noteTargets", "noteTarget", "taskTargets", "taskTarget"} <= queries
    for verb in ("create", "update", "delete", "restore", "destroy"):
        assert {f"{verb}NoteTarget", f"{verb}NoteTargets", f"{verb}TaskTarget", f"{verb}TaskTargets"} <= mutations


def test_the_metadata_describes_targets_and_their_inverse_fields(api):
    objects = {o["nameSingular"]: o for o in api.get("/rest/metadata/objects").json()["data"]["objects"]}
    target_fields = {f["name"]: f for f in objects["noteTarget"]["fields"]}
    assert {"note", "person", "company", "opportunity"} <= set(target_fields)
    assert target_fields["person"]["relation"]["joinColumnName"] == "personId"
    for owner, inverse in (
        ("note", "noteTargets"),
        ("task", "taskTargets"),
        ("person", "noteTargets"),
        ("person", "taskTargets"),
        ("company", "noteTargets"),
        ("company", "taskTargets"),
        ("opportunity", "noteTargets"),
        ("opportunity", "taskTargets"),
    ):
        field = {f["name"]: f for f in objects[owner]["fields"]}[inverse]
        assert field["relation"]["type"] == "ONE_TO_MANY", (owner, inverse)


def test_the_openapi_document_has_target_routes_and_webhook_events(api):
    document = api.get("/rest/open-api/core").json()
    assert {"/noteTargets", "/noteTargets/{id}", "/taskTargets", "/batch/taskTargets"} <= set(document["paths"])
    create = document["components"]["schemas"]["NoteTargetForCreate"]["properties"]
    assert {"noteId", "personId", "companyId", "opportunityId"} <= set(create)
    person = document["components"]["schemas"]["Person"]["properties"]
    assert person["noteTargets"]["items"] == {"$ref": "#/components/schemas/NoteTarget"}
    assert (
        "noteTarget.created"
        in document["components"]["schemas"]["NoteTargetWebhookEvent"]["properties"]["eventName"]["enum"]
    )


def test_attaching_and_detaching_announce_target_events(api, workspace, world):
    target = post(
        api, "/rest/taskTargets", {"taskId": world["task"]["id"], "opportunityId": world["opportunity"]["id"]}
    )
    target_id = target.json()["data"]["createTaskTarget"]["id"]
    assert api.delete(f"/rest/taskTargets/{target_id}?soft_delete=true").status_code == 200
    events = Event.objects.filter(workspace=workspace, record_id=target_id).order_by("created_at")
    assert [e.name for e in events] == ["taskTarget.created", "taskTarget.deleted"]
    assert events[0].record["opportunityId"] == world["opportunity"]["id"]


@pytest.fixture
def crowd_with_targets(workspace, actor) -> None:
    note = create_record(workspace, "note", {"title": "Shared"}, actor)
    task = create_record(workspace, "task", {"title": "Shared"}, actor)
    for _batch in range(4):
        people = create_records(workspace, "person", [{"city": "Oslo"} for _ in range(60)], actor)
        create_records(workspace, "noteTarget", [{"noteId": note["id"], "personId": p["id"]} for p in people], actor)
        create_records(workspace, "taskTarget", [{"taskId": task["id"], "personId": p["id"]} for p in people], actor)


def statements(api: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path)
    assert response.status_code == 200, response.content
    return len(captured)


def test_a_depth_1_page_that_embeds_targets_costs_the_same_at_10_and_200_rows(api, crowd_with_targets):
    api.get("/rest/people?limit=1")  # the key's first use records last_used_at
    small, large = statements(api, "/rest/people?limit=10&depth=1"), statements(api, "/rest/people?limit=200&depth=1")
    assert small == large
    people = api.get("/rest/people?limit=200&depth=1").json()["data"]["people"]
    assert all(len(p["noteTargets"]) == 1 and len(p["taskTargets"]) == 1 for p in people)


def test_a_graphql_page_that_selects_targets_costs_the_same_at_10_and_200_rows(api, crowd_with_targets):
    query = """query($first: Int) { people(first: $first) { edges { node {
      noteTargets { edges { node { note { title } } } } taskTargets { edges { node { task { title } } } }
    } } } }"""

    def run(first: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            graphql(api, query, {"first": first})
        return len(captured)

    run(1)
    assert run(10) == run(200)


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_keeps_existing_links_and_gives_old_workspaces_the_new_objects():
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("crm", "0004_live_record_indexes")], [("crm", "0005_note_and_task_targets_as_records")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    try:
        workspace = old.get_model("crm", "Workspace").objects.create(slug="old", name="Old")
        objects = old.get_model("crm", "ObjectMetadata").objects
        for singular, plural in (("person", "people"), ("note", "notes"), ("task", "tasks")):
            objects.create(
                workspace=workspace,
                name_singular=singular,
                name_plural=plural,
                label_singular=singular.title(),
                label_plural=plural.title(),
            )
        moment = "2026-01-02T03:04:05Z"
        record = {"workspace": workspace, "created_at": moment, "updated_at": moment}
        person = old.get_model("crm", "Person").objects.create(name_first_name="Ada", **record)
        note = old.get_model("crm", "Note").objects.create(title="Kickoff", **record)
        task = old.get_model("crm", "Task").objects.create(title="Call back", **record)
        old.get_model("crm", "NoteTarget").objects.create(note=note, person=person)
        old.get_model("crm", "TaskTarget").objects.create(task=task, person=person)

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new = executor.loader.project_state(after).apps
        (note_target,) = new.get_model("crm", "NoteTarget").objects.all()
        assert (note_target.workspace_id, note_target.note_id, note_target.person_id) == (
            workspace.id,
            note.id,
            person.id,
        )
        (task_target,) = new.get_model("crm", "TaskTarget").objects.all()
        assert (task_target.task_id, task_target.person_id) == (task.id, person.id)
        names = set(new.get_model("crm", "ObjectMetadata").objects.values_list("name_singular", flat=True))
        assert {"noteTarget", "taskTarget", "company", "opportunity"} <= names
        person_fields = new.get_model("crm", "FieldMetadata").objects.filter(object__name_singular="person")
        assert {"noteTargets", "taskTargets"} <= set(person_fields.values_list("name", flat=True))
        assert new.get_model("crm", "Workspace").objects.get(pk=workspace.pk).metadata_version == 2
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
