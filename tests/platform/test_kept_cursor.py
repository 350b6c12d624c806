"""The busiest statements run on one cursor kept per database connection
(crm/query/kept_cursor.py), and behave as on Django's own cursor: the same rows, Django's
errors, Django's refusal inside a broken transaction, a new cursor after a reconnect, and
counted wherever queries are watched."""

from __future__ import annotations

import pytest
from django.db import DataError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from crm.query.kept_cursor import fetch_all
from crm.services.actor import SYSTEM
from crm.services.records import create_record

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the kept cursor is PostgreSQL's")


def _kept():
    return getattr(connection, "kept_cursor", (None, None))


@postgresql_only
def test_api_reads_share_one_cursor_per_connection(api, workspace):
    people = [create_record(workspace, "person", {"name": {"firstName": name}}, SYSTEM) for name in ("Ada", "Alan")]

    first = api.get(f"/rest/people/{people[0]['id']}")
    cursor = _kept()[1]
    second = api.get(f"/rest/people/{people[1]['id']}")

    assert first.json()["data"]["person"]["name"]["firstName"] == "Ada"
    assert second.json()["data"]["person"]["name"]["firstName"] == "Alan"
    assert cursor is not None and _kept()[1] is cursor


def test_rows_are_those_of_a_plain_cursor(db):
    sql = "SELECT %s, %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [1, "two"])
        expected = cursor.fetchall()

    assert fetch_all(sql, [1, "two"]) == expected == [(1, "two")]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_closed_connection_is_opened_again_with_a_new_cursor():
    fetch_all("SELECT 1", [])
    before = _kept()[1]

    connection.close()

    assert fetch_all("SELECT 2", []) == [(2,)]
    assert _kept()[1] is not before


@postgresql_only
def test_errors_are_djangos_and_the_cursor_goes_on(db):
    with pytest.raises(DataError, match="division by zero"), transaction.atomic():
        fetch_all("SELECT 1 / %s", [0])

    assert fetch_all("SELECT 1 / %s", [1]) == [(1,)]


def test_a_broken_transaction_is_refused_as_django_refuses_it(db):
    with transaction.atomic():
        # As Django marks a transaction whose statement failed inside an inner atomic block.
        transaction.set_rollback(True)
        with pytest.raises(TransactionManagementError):
            fetch_all("SELECT 1", [])


def test_watched_queries_are_counted(db):
    with CaptureQueriesContext(connection) as queries:
        fetch_all("SELECT %s", [3])

    assert len(queries.captured_queries) == 1
    assert queries.captured_queries[0]["sql"].startswith("SELECT")
