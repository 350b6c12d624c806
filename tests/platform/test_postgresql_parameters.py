"""A statement with more parameters than PostgreSQL binds (65,535) still runs, its values
written into the SQL (config/postgresql), while the API's statements stay bound by the
server; a long statement's placeholders are rewritten once, not on every execute."""

from __future__ import annotations

import pytest
from django.db import connection
from psycopg import _queries

from crm.models import Person, Workspace
from crm.services.actor import SYSTEM
from crm.services.records import create_record

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's limit on bound parameters")

MORE_THAN_A_STATEMENT_BINDS = 70_000


def _copies_of(person_id, count: int) -> None:
    """``count`` copies of a person, written by SQL: the API would take minutes."""
    columns = ", ".join(
        connection.ops.quote_name(field.column) for field in Person._meta.concrete_fields if field.column != "id"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO crm_person (id, {columns}) SELECT gen_random_uuid(), {columns}"
            " FROM crm_person, generate_series(1, %s) WHERE id = %s",
            [count, person_id],
        )


@pytest.mark.slow
def test_a_workspace_with_more_people_than_a_statement_binds_is_deleted(workspace):
    person = create_record(workspace, "person", {"name": {"firstName": "Ada"}}, SYSTEM)
    _copies_of(person["id"], MORE_THAN_A_STATEMENT_BINDS)

    Workspace.objects.filter(pk=workspace.pk).delete()

    assert not Person.objects.filter(workspace_id=workspace.pk).exists()


def test_a_long_in_list_is_answered(workspace):
    person = create_record(workspace, "person", {"name": {"firstName": "Ada"}}, SYSTEM)
    ids = [person["id"], *(f"00000000-0000-0000-0000-{n:012d}" for n in range(MORE_THAN_A_STATEMENT_BINDS))]

    assert list(Person.objects.filter(id__in=ids).values_list("name_first_name", flat=True)) == ["Ada"]


def test_statements_of_usual_size_are_still_bound_by_the_server(workspace):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::int + %s::int", [1, 2])
        assert cursor.fetchone() == (3,)
        # The text PostgreSQL received held placeholders, not the values.
        assert cursor.cursor._query.query == b"SELECT $1::int + $2::int"


def test_a_long_statement_is_rewritten_for_postgresql_once(db):
    # Over psycopg's own bounds for keeping a rewrite (4 KiB, 50 parameters), as a REST
    # page of people with their companies is.
    statement = "SELECT %s::int" + " + %s::int" * 120 + " + 0" * 1000
    assert len(statement) > 4096
    with connection.cursor() as cursor:
        cursor.execute(statement, [1] + [0] * 120)
        kept = _queries._query2pg.cache_info().hits
        cursor.execute(statement, [2] + [0] * 120)
        assert cursor.fetchone() == (2,)

    assert _queries._query2pg.cache_info().hits == kept + 1
