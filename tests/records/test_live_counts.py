"""An unfiltered list's totalCount is read from the count the database keeps (no COUNT(*)
over the records), and stays exact whatever writes the records: the record service,
bulk writes, ORM bulk_create, cascades of a workspace's or a custom object's deletion."""

from __future__ import annotations

import threading
import uuid

import pytest
from custom_object_setup import make_object
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphql_client import data_of, gql

from crm.models import LiveRecordCount, Person, Workspace
from crm.models.record import Record
from crm.query.ast import Condition
from crm.query.listing import list_records
from crm.query.live_counts import live_record_count
from crm.query.record_queries import get_object, records
from crm.services.actor import Actor
from crm.services.bulk_writes import act_on_matching
from crm.services.merge import merge_records
from crm.services.objects import delete_object
from crm.services.records import (
    create_record,
    create_records,
    delete_record,
    destroy_record,
    restore_record,
    update_record,
)
from crm.services.workspaces import create_workspace


def assert_total(workspace: Workspace, name: str, expected: int) -> None:
    """The unfiltered totalCount a list answers, the stored number and COUNT(*) all agree."""
    obj = get_object(workspace, name)
    # A page of none: any record at all is on a next page, so the list has to count.
    assert list_records(workspace, obj, first=0).total_count == expected
    assert live_record_count(workspace, obj) == expected
    assert records(workspace, obj).count() == expected


def people(workspace: Workspace, actor: Actor, *titles: str) -> list[dict]:
    return create_records(workspace, "person", [{"jobTitle": title} for title in titles], actor)


def test_creates_one_at_a_time_and_in_batches_are_counted_per_workspace(workspace, other_workspace, actor):
    assert_total(workspace, "person", 0)
    create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)
    people(workspace, actor, "CEO", "CTO", "CFO")
    people(other_workspace, actor, "Intern")

    assert_total(workspace, "person", 4)
    assert_total(other_workspace, "person", 1)
    assert_total(workspace, "company", 0)


def test_soft_delete_restore_and_destroy_keep_the_count_exact(workspace, actor):
    first, second, third = people(workspace, actor, "a", "b", "c")

    delete_record(workspace, "person", first["id"], actor)
    assert_total(workspace, "person", 2)
    restore_record(workspace, "person", first["id"], actor)
    assert_total(workspace, "person", 3)
    destroy_record(workspace, "person", second["id"], actor)  # a live one
    assert_total(workspace, "person", 2)
    delete_record(workspace, "person", third["id"], actor)
    destroy_record(workspace, "person", third["id"], actor)  # already out of the count
    assert_total(workspace, "person", 1)


def test_updates_leave_the_count_alone(workspace, actor):
    (person,) = people(workspace, actor, "a")
    update_record(workspace, "person", person["id"], {"jobTitle": "b"}, actor)
    assert_total(workspace, "person", 1)


def test_bulk_deletes_restores_and_destroys_with_filters(workspace, actor):
    people(workspace, actor, "sales", "sales", "sales", "support")
    sales = Condition(("jobTitle",), "eq", "sales")

    act_on_matching(workspace, "person", "delete", sales, actor)
    assert_total(workspace, "person", 1)
    act_on_matching(workspace, "person", "restore", sales, actor)
    assert_total(workspace, "person", 4)
    act_on_matching(workspace, "person", "delete", Condition(("jobTitle",), "eq", "support"), actor)
    act_on_matching(workspace, "person", "destroy", Condition(("jobTitle",), "in", ["sales", "support"]), actor)
    assert_total(workspace, "person", 0)


def test_upserts_count_only_the_records_they_create(workspace, actor):
    create_records(workspace, "person", [{"emails": {"primaryEmail": "ada@example.com"}}], actor)
    create_records(
        workspace,
        "person",
        [{"emails": {"primaryEmail": "ada@example.com"}}, {"emails": {"primaryEmail": "bob@example.com"}}],
        actor,
        upsert=True,
    )
    assert_total(workspace, "person", 2)


def test_a_merge_leaves_one_record_of_those_merged(workspace, actor):
    ids = [p["id"] for p in people(workspace, actor, "a", "b", "c")]
    merge_records(workspace, "person", ids[:2], 0, actor)
    assert_total(workspace, "person", 2)


def test_destroying_a_note_takes_its_targets_out_of_their_count(workspace, actor):
    note = create_record(workspace, "note", {"title": "Kickoff"}, actor)
    for person in people(workspace, actor, "a", "b"):
        create_record(workspace, "noteTarget", {"noteId": note["id"], "personId": person["id"]}, actor)
    assert_total(workspace, "noteTarget", 2)

    destroy_record(workspace, "note", note["id"], actor)
    assert_total(workspace, "note", 0)
    assert_total(workspace, "noteTarget", 0)


def test_orm_bulk_create_update_and_delete_are_counted(workspace, other_workspace):
    now = timezone.now()
    Person.objects.bulk_create(
        [Person(workspace=ws, created_at=now, updated_at=now) for ws in (workspace, workspace, other_workspace)]
        + [Person(workspace=workspace, created_at=now, updated_at=now, deleted_at=now)]
    )
    assert_total(workspace, "person", 2)
    assert_total(other_workspace, "person", 1)

    Person.objects.filter(workspace=workspace).update(deleted_at=now)
    assert_total(workspace, "person", 0)
    Person.objects.filter(workspace=workspace).update(deleted_at=None)
    assert_total(workspace, "person", 3)
    Person.objects.filter(workspace__in=[workspace, other_workspace]).delete()
    assert_total(workspace, "person", 0)
    assert_total(other_workspace, "person", 0)


def test_demo_data_is_counted(db):
    call_command("seed_demo", "--workspace", "counted", stdout=open("/dev/null", "w"))  # noqa: SIM115
    workspace = Workspace.objects.get(slug="counted")
    for name in ("person", "company", "opportunity", "note", "noteTarget", "task", "taskTarget"):
        assert_total(workspace, name, records(workspace, get_object(workspace, name)).count())
    assert live_record_count(workspace, get_object(workspace, "person")) > 0


def test_deleting_a_workspace_takes_its_counts_and_leaves_the_others(workspace, other_workspace, actor):
    people(workspace, actor, "a", "b")
    note = create_record(workspace, "note", {"title": "Kickoff"}, actor)
    create_record(workspace, "noteTarget", {"noteId": note["id"]}, actor)
    people(other_workspace, actor, "c")

    workspace_id = workspace.id
    workspace.delete()

    assert not LiveRecordCount.objects.filter(workspace_id=workspace_id).exists()
    assert_total(other_workspace, "person", 1)


def test_custom_object_records_are_counted_per_object(workspace, actor):
    make_object(workspace, "project", "projects")
    make_object(workspace, "milestone", "milestones")
    workspace.refresh_from_db()
    projects = create_records(workspace, "project", [{"name": "Apollo"}, {"name": "Gemini"}], actor)
    create_record(workspace, "milestone", {"name": "Launch"}, actor)

    assert_total(workspace, "project", 2)
    assert_total(workspace, "milestone", 1)
    delete_record(workspace, "project", projects[0]["id"], actor)
    assert_total(workspace, "project", 1)
    assert_total(workspace, "milestone", 1)


def test_deleting_a_custom_object_takes_its_count_and_a_new_one_starts_at_zero(workspace, actor):
    project = make_object(workspace, "project", "projects")
    workspace.refresh_from_db()
    create_records(workspace, "project", [{"name": "Apollo"}, {"name": "Gemini"}], actor)

    delete_object(workspace, "project", force=True)
    assert not LiveRecordCount.objects.filter(object_key=project.id.hex).exists()
    make_object(workspace, "project", "projects")
    workspace.refresh_from_db()
    assert_total(workspace, "project", 0)


def counts_of(captured: CaptureQueriesContext, table: str) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper() and table in q["sql"]]


def reads_of_the_count(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if LiveRecordCount._meta.db_table in q["sql"]]


def test_an_unfiltered_list_reads_the_count_instead_of_counting(api, api_token, client, workspace, actor):
    people(workspace, actor, "a", "b", "c")

    with CaptureQueriesContext(connection) as rest:
        body = api.get("/rest/people?limit=1").json()
    assert body["totalCount"] == 3
    with CaptureQueriesContext(connection) as graphql:
        answer = data_of(gql(client, api_token, "{ people(first: 1) { totalCount edges { node { id } } } }"))
    assert answer["people"]["totalCount"] == 3

    for captured in (rest, graphql):
        assert counts_of(captured, Person._meta.db_table) == []
        assert len(reads_of_the_count(captured)) == 1


def test_a_custom_objects_unfiltered_list_reads_its_count(api, workspace, actor):
    make_object(workspace, "project", "projects")
    workspace.refresh_from_db()
    create_records(workspace, "project", [{"name": "Apollo"}, {"name": "Gemini"}], actor)

    with CaptureQueriesContext(connection) as captured:
        body = api.get("/rest/projects?limit=1").json()
    assert body["totalCount"] == 2
    assert counts_of(captured, "crm_customrecord") == []


def test_filtered_counts_still_count_and_are_exact(api, workspace, actor):
    first, *_ = people(workspace, actor, "sales", "sales", "sales", "support")
    delete_record(workspace, "person", first["id"], actor)

    with CaptureQueriesContext(connection) as captured:
        body = api.get("/rest/people?limit=1&filter=jobTitle[eq]:sales").json()
    assert body["totalCount"] == 2
    assert len(counts_of(captured, Person._meta.db_table)) == 1
    trash = api.get("/rest/people?limit=0&filter=deletedAt[is]:NOT_NULL").json()
    assert trash["totalCount"] == 1
    everything = api.get("/rest/people?limit=1&filter=or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)").json()
    assert everything["totalCount"] == 4
    assert api.get("/rest/people?limit=1").json()["totalCount"] == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_creates_in_a_workspace_are_all_counted():
    """The first records of a workspace race to create its count row: none is lost."""
    workspace = create_workspace("racing", "Racing")
    actor = Actor(source="API", name="Racer")
    start, errors = threading.Barrier(4), []

    def create() -> None:
        try:
            start.wait()
            for _ in range(3):
                create_records(workspace, "person", [{"jobTitle": "racer"}] * 2, actor)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert_total(workspace, "person", 24)


@pytest.mark.django_db(transaction=True)
def test_records_written_on_one_connection_and_deleted_on_another_are_counted():
    """Each connection adds to a slot of its own; a delete on another connection takes
    from whichever slot holds the count."""
    workspace = create_workspace("slots", "Slots")
    actor = Actor(source="API", name="Writer")
    created: list[dict] = []

    def create() -> None:
        try:
            created.extend(people(workspace, actor, "a", "b", "c"))
        finally:
            connection.close()

    thread = threading.Thread(target=create)
    thread.start()
    thread.join()
    people(workspace, actor, "d")
    destroy_record(workspace, "person", created[0]["id"], actor)
    delete_record(workspace, "person", created[1]["id"], actor)

    assert_total(workspace, "person", 2)


def trigger_names() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        return set(cursor.fetchall())


def test_every_record_table_has_the_triggers_that_keep_its_count(db):
    """Django rebuilds a SQLite table for many column changes, dropping its triggers: a
    migration that does so must install them again (migration 0008's install_triggers)."""
    tables = {model._meta.db_table for model in apps.get_models() if issubclass(model, Record)}
    assert len(tables) >= 8
    wanted = {(table, f"{table}_live_count_{op}") for table in tables for op in ("insert", "update", "delete")}
    assert wanted - trigger_names() == set()


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_counts_the_records_already_there():
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        [("crm", "0007_merge_0005_custom_objects_0006_rich_text_bodies")],
        [("crm", "0008_live_record_counts")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    try:
        workspace = old.get_model("crm", "Workspace").objects.create(slug="old", name="Old")
        moment = timezone.now()
        record = {"workspace": workspace, "created_at": moment, "updated_at": moment}
        old.get_model("crm", "Person").objects.bulk_create(
            [old.get_model("crm", "Person")(**record) for _ in range(3)]
            + [old.get_model("crm", "Person")(deleted_at=moment, **record)]
        )
        objects = old.get_model("crm", "ObjectMetadata").objects
        project = objects.create(workspace=workspace, name_singular="project", name_plural="projects", is_custom=True)
        old.get_model("crm", "CustomRecord").objects.create(object=project, **record)

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        counts = executor.loader.project_state(after).apps.get_model("crm", "LiveRecordCount").objects
        assert dict(counts.filter(workspace_id=workspace.id).values_list("object_key", "live")) == {
            "crm_person": 3,
            uuid.UUID(str(project.id)).hex: 1,
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
