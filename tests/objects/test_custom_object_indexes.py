"""On PostgreSQL, filtering and sorting a custom object's records use indexes of its own:
an expression index per field, partial on the object, made and dropped with the field."""

from __future__ import annotations

import uuid

import pytest
from custom_object_setup import make_projects
from django.db import connection
from django.utils import timezone

from crm.metadata.schema import get_workspace_schema
from crm.models import CustomRecord, FieldMetadata, ObjectMetadata
from crm.query.ast import Condition, OrderBy
from crm.query.compile import filter_to_q, order_by_expressions
from crm.query.record_queries import records
from crm.services.custom_record_indexes import object_index_names
from crm.services.fields import create_custom_field, delete_custom_field
from crm.services.objects import delete_object

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="expression indexes are PostgreSQL's: run with DATABASE_URL=postgres://...",
)


def fill(workspace, obj: ObjectMetadata, count: int) -> None:
    now = timezone.now()
    CustomRecord.objects.bulk_create(
        CustomRecord(
            id=uuid.uuid4(),
            workspace=workspace,
            object=obj,
            created_at=now,
            updated_at=now,
            custom={"name": f"P{i:05d}", "priority": i % 50, "budget": {"amountMicros": i, "currencyCode": "USD"}},
        )
        for i in range(count)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE crm_customrecord")


def plan(queryset) -> str:
    return queryset.explain()


def test_filters_and_orders_on_fields_use_the_object_s_indexes(workspace):
    project = make_projects(workspace)
    fill(workspace, project, 5000)
    obj = get_workspace_schema(workspace).by_singular("project")
    indexes = set(object_index_names(project))
    assert len(indexes) >= len(FieldMetadata.objects.filter(object=project, is_system=False)) - 2  # multi-select, o2m

    by_name = records(workspace, obj).filter(filter_to_q(obj, Condition(("name",), "eq", "P00042")))
    by_budget = records(workspace, obj).filter(filter_to_q(obj, Condition(("budget", "amountMicros"), "gt", "4990")))
    sorted_by_name = records(workspace, obj).order_by(*order_by_expressions(obj, [OrderBy(("name",))]))[:60]

    for queryset in (by_name, by_budget, sorted_by_name):
        used = plan(queryset)
        assert "Seq Scan" not in used, used
        assert any(name in used for name in indexes), used


def test_indexes_come_and_go_with_fields_and_objects(workspace):
    project = make_projects(workspace)
    before = set(object_index_names(project))
    field = create_custom_field(workspace, {"objectName": "project", "name": "code", "label": "Code", "type": "TEXT"})
    added = set(object_index_names(project)) - before
    assert len(added) == 2  # the value, and the value lowered (what a list sorts text by)

    delete_custom_field(workspace, field.id)
    assert set(object_index_names(project)) == before

    delete_object(workspace, "project")
    assert object_index_names(project) == []


def test_an_object_s_indexes_cover_only_its_records(workspace):
    project = make_projects(workspace)
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [sorted(object_index_names(project))[0]])
        (definition,) = cursor.fetchone()
    assert f"object_id = '{project.id}'::uuid" in definition and "deleted_at IS NULL" in definition
