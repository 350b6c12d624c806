"""Fan-out: the deliveries a write creates in its own transaction, and their queuing after commit."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from webhook_fixtures import use_broker

from crm.services.records import create_record, create_records, delete_record, update_record
from webhooks.models import Delivery, Event, WebhookEndpoint
from webhooks.operations import ACTIONS, covering_operations_sql, operation_matches
from webhooks.services import publisher
from webhooks.services.endpoints import create_endpoint, disable_endpoint
from webhooks.services.fan_out import create_deliveries
from webhooks.services.queueing import queue_endpoints

pytestmark = pytest.mark.usefixtures("private_networks_allowed")

URL = "http://127.0.0.1:9/hook"


@pytest.mark.parametrize(
    ("operation", "event", "matches"),
    [
        ("*.*", "person.created", True),
        ("person.*", "person.deleted", True),
        ("person.*", "company.deleted", False),
        ("*.created", "company.created", True),
        ("*.created", "company.updated", False),
        ("person.updated", "person.updated", True),
        ("person.updated", "person.restored", False),
    ],
)
def test_operations_match_events_with_wildcards_on_either_side(operation, event, matches):
    object_name, action = event.split(".")
    assert operation_matches(operation, object_name, action) is matches


def test_a_write_gets_one_delivery_per_active_endpoint_whose_operations_match(workspace, actor):
    everything = create_endpoint(workspace, target_url=URL, operations=["*.*"])
    people = create_endpoint(workspace, target_url=URL, operations=["person.*"])
    creations = create_endpoint(workspace, target_url=URL, operations=["*.created"])
    companies = create_endpoint(workspace, target_url=URL, operations=["company.*"])
    switched_off = create_endpoint(workspace, target_url=URL, operations=["*.*"])
    disable_endpoint(switched_off)

    person = create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)
    update_record(workspace, "person", person["id"], {"jobTitle": "Analyst"}, actor)

    created = Delivery.objects.filter(event__action="created").values_list("endpoint_id", flat=True)
    updated = Delivery.objects.filter(event__action="updated").values_list("endpoint_id", flat=True)
    assert set(created) == {everything.id, people.id, creations.id}
    assert set(updated) == {everything.id, people.id}
    assert companies.deliveries.count() == 0 and switched_off.deliveries.count() == 0
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}


def test_endpoints_of_another_workspace_get_nothing(workspace, other_workspace, actor):
    create_endpoint(other_workspace, target_url=URL)

    create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)

    assert Delivery.objects.count() == 0


def test_a_batch_fans_out_with_one_query_for_endpoints_and_one_insert(workspace, django_capture_on_commit_callbacks):
    for operations in (["*.*"], ["person.*"], ["*.created"]):
        create_endpoint(workspace, target_url=URL, operations=operations)
    with transaction.atomic():
        events = Event.objects.bulk_create(
            [
                Event(workspace=workspace, name="person.created", object_name="person", action="created", record={})
                for _ in range(60)
            ]
        )
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks():
            written = create_deliveries(events)

    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert written == 180
    assert statements[0].startswith("SELECT") and "webhooks_webhookendpoint" in statements[0]
    # One bulk INSERT (which SQLite splits by its limit on query parameters).
    inserts = statements[1:]
    batch = connection.ops.bulk_batch_size(Delivery._meta.concrete_fields, [None] * 180)
    assert all(s.startswith('INSERT INTO "webhooks_delivery"') for s in inserts)
    assert len(inserts) == -(-180 // batch)


def test_a_commit_sends_one_message_however_many_endpoints_and_deliveries(
    workspace, actor, webhook_broker, django_capture_on_commit_callbacks
):
    endpoints = [create_endpoint(workspace, target_url=URL) for _ in range(3)]
    before = webhook_broker.queued_messages()

    with django_capture_on_commit_callbacks() as callbacks:
        create_records(workspace, "person", [{"name": {"firstName": f"P{i}"}} for i in range(10)], actor)
        # Nothing is queued inside the transaction.
        assert webhook_broker.queued_messages() == before
    for callback in callbacks:
        callback()
    assert publisher.publisher().flush()

    # One message naming the three endpoints; the worker that gets it sends all 30 in batches.
    assert webhook_broker.queued_messages() == before + 1
    for endpoint in endpoints:
        assert endpoint.deliveries.count() == 10
        # Every delivery is covered by that message, so the sweeper leaves them alone.
        assert endpoint.deliveries.filter(queued_until__isnull=True).count() == 0


def test_a_rolled_back_write_leaves_no_delivery_and_queues_nothing(
    workspace, actor, webhook_broker, django_capture_on_commit_callbacks
):
    create_endpoint(workspace, target_url=URL)
    before = webhook_broker.queued_messages()

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        create_record(workspace, "person", {"name": {"firstName": "Ghost"}}, actor)
        raise RuntimeError("rolled back")

    assert callbacks == []
    assert Delivery.objects.count() == 0 and Event.objects.count() == 0
    assert webhook_broker.queued_messages() == before


def test_with_the_broker_down_deliveries_stay_due_for_the_sweeper(workspace, actor, webhook_broker):
    create_endpoint(workspace, target_url=URL)
    person = create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)
    delivery = Delivery.objects.get()
    assert delivery.queued_until is not None  # queue lease taken at fan-out

    use_broker("redis://127.0.0.1:1/0", {})
    try:
        assert queue_endpoints([delivery.endpoint_id]) is False
    finally:
        use_broker(webhook_broker.url, webhook_broker.transport_options)

    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.queued_until is None
    delete_record(workspace, "person", person["id"], actor)  # writes still work


def test_fan_out_ignores_endpoints_disabled_meanwhile(workspace, actor):
    endpoint = create_endpoint(workspace, target_url=URL)
    WebhookEndpoint.objects.filter(id=endpoint.id).update(is_active=False)

    create_record(workspace, "person", {"name": {"firstName": "Ada"}}, actor)

    assert Delivery.objects.count() == 0


def test_on_postgresql_a_write_and_its_deliveries_are_one_statement(
    workspace, actor, django_capture_on_commit_callbacks
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite selects the endpoints, then inserts (both local calls)")
    endpoints = [create_endpoint(workspace, target_url=URL, operations=["person.created"]) for _ in range(3)]
    create_endpoint(workspace, target_url=URL, operations=["company.*"])

    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
        create_records(workspace, "person", [{"name": {"firstName": f"P{i}"}} for i in range(4)], actor)

    webhook_statements = [q["sql"] for q in queries.captured_queries if "webhooks_" in q["sql"]]
    assert len(webhook_statements) == 1
    assert {d.endpoint_id for d in Delivery.objects.all()} == {e.id for e in endpoints}
    assert Delivery.objects.count() == 12 and Event.objects.count() == 4
    assert not Delivery.objects.filter(queued_until__isnull=True).exists()
    assert len(callbacks) == 1


OPERATIONS = ["*.*", "person.*", "company.*", "*.created", "*.restored", "person.updated", "task.destroyed"]
EVENTS = [(name, action) for name in ("person", "company", "task") for action in ACTIONS]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL form is PostgreSQL's (jsonb ?|)")
def test_the_sql_form_of_the_rule_agrees_with_the_python_form_for_every_operation_and_event(db):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.op, ev.object_name, ev.action, jsonb_build_array(o.op) ?| "  # noqa: S608
            f"{covering_operations_sql('ev.object_name', 'ev.action')} "
            "FROM unnest(%s::text[]) AS o(op), unnest(%s::text[], %s::text[]) AS ev(object_name, action)",
            [OPERATIONS, [name for name, _ in EVENTS], [action for _, action in EVENTS]],
        )
        answers = {(op, name, action): matches for op, name, action, matches in cursor.fetchall()}

    assert len(answers) == len(OPERATIONS) * len(EVENTS)
    for (op, name, action), matches in answers.items():
        assert matches is operation_matches(op, name, action), (op, name, action)
