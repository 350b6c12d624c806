"""A create is written with its event and deliveries in one statement on PostgreSQL, with
no transaction around it (crm.services.record_changes.insert_and_announce), and in one
transaction elsewhere: all or nothing either way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from crm.models import Company
from crm.services.actor import Actor
from crm.services.records import create_record, create_records
from crm.services.workspaces import create_workspace
from webhooks.models import Delivery, Event
from webhooks.services.endpoints import create_endpoint

ACTOR = Actor(source="API", name="Tests")

REFUSE_EVENTS = {
    "postgresql": [
        "CREATE FUNCTION refuse_event() RETURNS trigger AS $$"
        " BEGIN RAISE EXCEPTION 'no events today'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_event BEFORE INSERT ON webhooks_event FOR EACH ROW EXECUTE FUNCTION refuse_event()",
    ],
    "sqlite": [
        "CREATE TRIGGER refuse_event BEFORE INSERT ON webhooks_event BEGIN SELECT RAISE(ABORT, 'no events today'); END"
    ],
}
ALLOW_EVENTS = {
    "postgresql": ["DROP TRIGGER refuse_event ON webhooks_event", "DROP FUNCTION refuse_event()"],
    "sqlite": ["DROP TRIGGER refuse_event"],
}


@contextmanager
def events_refused() -> Iterator[None]:
    """The database refuses every event, as a full disk or a broken constraint would."""
    with connection.cursor() as cursor:
        for sql in REFUSE_EVENTS[connection.vendor]:
            cursor.execute(sql)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for sql in ALLOW_EVENTS[connection.vendor]:
                cursor.execute(sql)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("names", [["Acme"], ["Acme", "Globex"]], ids=["one", "batch"])
def test_a_create_whose_event_is_refused_writes_nothing_and_the_next_one_works(names):
    workspace = create_workspace("atomic", "Atomic")

    with events_refused(), pytest.raises(DatabaseError):
        create_records(workspace, "company", [{"name": name} for name in names], ACTOR)

    assert not Company.objects.filter(workspace=workspace).exists()
    create_record(workspace, "company", {"name": "Initech"}, ACTOR)
    assert list(Company.objects.filter(workspace=workspace).values_list("name", flat=True)) == ["Initech"]
    assert Event.objects.filter(workspace=workspace).count() == 1


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_create_is_one_statement_with_its_event_and_deliveries():
    if connection.vendor != "postgresql":
        pytest.skip("one statement needs PostgreSQL's data-modifying WITH")
    workspace = create_workspace("single", "Single")
    endpoint = create_endpoint(workspace, target_url="https://hooks.example.com/in", operations=["company.created"])

    with CaptureQueriesContext(connection) as queries:
        record = create_record(workspace, "company", {"name": "Acme"}, ACTOR)

    writes = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    assert len(writes) == 1 and '"crm_company"' in writes[0] and '"webhooks_event"' in writes[0]
    event = Event.objects.get(record_id=record["id"])
    assert event.record == record
    assert list(Delivery.objects.filter(event=event).values_list("endpoint_id", flat=True)) == [endpoint.id]
