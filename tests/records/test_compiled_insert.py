"""Creates write through INSERTs built once (crm.query.compiled_insert): the rows they
write read back exactly as the ORM's own ``bulk_create`` would have written them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Company, CustomRecord, Note, Opportunity, Person, Task
from crm.query import compiled_insert
from crm.services.records import create_records
from webhooks.models import Event


def _company(workspace, name: str, **values) -> Company:
    now = datetime(2024, 2, 29, 12, 30, 15, 123456, tzinfo=UTC)
    return Company(id=uuid.uuid4(), workspace=workspace, created_at=now, updated_at=now, name=name, **values)


def _stored(model, ids) -> list[dict]:
    return list(model.objects.filter(id__in=ids).order_by("name").values())


def test_rows_read_back_as_the_orm_writes_them(workspace):
    values = {"custom": {"tier": "gold", "scores": [1, 2.5, None], "nested": {"ok": True}}, "employees": 12}
    ours = [_company(workspace, "A", **values), _company(workspace, "B", position=-3.5)]
    theirs = [_company(workspace, "A", **values), _company(workspace, "B", position=-3.5)]

    compiled_insert.insert(Company, ours)
    Company.objects.bulk_create(theirs)

    def without_id(rows):
        return [{name: value for name, value in row.items() if name != "id"} for row in rows]

    assert without_id(_stored(Company, [c.id for c in ours])) == without_id(_stored(Company, [c.id for c in theirs]))
    assert all(not company._state.adding for company in ours)


def test_a_batch_beyond_the_databases_parameter_limit_is_written_whole(workspace, actor):
    # 150 people of ~25 columns: more parameters than SQLite takes in one statement.
    items = [{"name": {"firstName": "Ada", "lastName": f"No. {n}"}} for n in range(150)]

    created = create_records(workspace, "person", items, actor, max_batch=150)

    stored = Person.objects.filter(workspace=workspace).values_list("name_last_name", flat=True)
    assert len(created) == 150 and sorted(stored) == sorted(f"No. {n}" for n in range(150))


def test_one_create_is_one_insert_of_the_record(workspace, actor):
    with CaptureQueriesContext(connection) as queries:
        create_records(workspace, "company", [{"name": "Acme"}], actor)

    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "crm_company"')]
    assert len(inserts) == 1


def test_events_get_their_creation_time_as_with_the_orm(workspace, actor):
    before = datetime.now(UTC)

    (record,) = create_records(workspace, "company", [{"name": "Acme"}], actor)

    event = Event.objects.get(record_id=record["id"])
    assert event.name == "company.created" and event.created_at >= before and event.record["name"] == "Acme"


UNCHANGED_SAMPLES = {str: "Ada", float: -3.5, bool: True, uuid.UUID: uuid.uuid4(), type(None): None}


@pytest.mark.parametrize("model", [Person, Company, Opportunity, Note, Task, CustomRecord, Event], ids=repr)
def test_values_that_skip_preparing_are_those_preparing_leaves_unchanged(model):
    # The insert skips get_db_prep_save for these (type, field) pairs: it must be a no-op there.
    preparers = compiled_insert._preparers(model)
    assert preparers is not None
    for field, unchanged in preparers:
        for kind in unchanged:
            sample = UNCHANGED_SAMPLES[kind]
            prepared = field.get_db_prep_save(sample, connection)
            assert prepared is sample, f"{model.__name__}.{field.name} changes a {kind.__name__}"


def test_values_of_other_types_are_still_prepared(workspace):
    # An int in a text column is written as the ORM writes it (as text), not as it came.
    company = _company(workspace, "Acme", domain_name_primary_link_url=42)

    compiled_insert.insert(Company, [company])

    assert Company.objects.get(id=company.id).domain_name_primary_link_url == "42"
