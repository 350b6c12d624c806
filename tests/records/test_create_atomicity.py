"""A create is all or nothing: a refused or failed create changes nothing, and the
connection serves the next request as usual."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import IntegrityError, connection

from crm.models import Person
from crm.services.actor import Actor
from crm.services.record_input import RecordValidationError
from crm.services.records import create_record
from crm.services.workspaces import create_workspace
from tests.rest_client import post


def test_a_create_refused_mid_transaction_leaves_nothing_and_the_next_one_works(api, workspace):
    missing_company = str(uuid.uuid4())

    refused = post(api, "/rest/people", {"name": {"firstName": "Ada"}, "companyId": missing_company})
    created = post(api, "/rest/people", {"name": {"firstName": "Grace"}})

    assert refused.status_code == 400
    assert created.status_code == 201
    assert list(Person.objects.filter(workspace=workspace).values_list("name_first_name", flat=True)) == ["Grace"]


@pytest.mark.django_db(transaction=True)
def test_two_creates_racing_for_one_id_write_one_record_and_leave_both_connections_usable():
    workspace = create_workspace("race", "Race")
    actor = Actor(source="API", name="Racer")
    record_id = str(uuid.uuid4())
    start, outcomes = threading.Barrier(2), []

    def create(first_name: str) -> None:
        try:
            start.wait()
            try:
                create_record(workspace, "person", {"id": record_id, "name": {"firstName": first_name}}, actor)
                outcomes.append("created")
            except (IntegrityError, RecordValidationError):  # the database's refusal, or the service's
                outcomes.append("refused")
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                outcomes.append(cursor.fetchone())
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(name,)) for name in ("Ada", "Grace")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(map(str, outcomes)) == ["(1,)", "(1,)", "created", "refused"]
    assert Person.objects.filter(workspace=workspace).count() == 1
