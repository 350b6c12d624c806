"""The web server `make run` starts (the Procfile's web line: granian, set up by
config/web.py) holds a bounded number of database connections: a flood of
clients, each on a fresh TCP connection, is answered without a single 5xx, and PostgreSQL
never sees more connections to the database than workers × threads."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection
from web_server import WebServer, running_web_server

from crm.services.records import create_record

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a bound on database connections is a PostgreSQL concern: run with DATABASE_URL=postgres://...",
    ),
]

REQUESTS = 2000
CLIENT_THREADS = 16


@pytest.fixture
def web_server(transactional_db: None, tmp_path: Path) -> Iterator[WebServer]:
    with running_web_server(tmp_path) as server:
        yield server


def database_connections() -> int:
    """Connections PostgreSQL has open to the test database, this one (the sampler's) aside."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_a_flood_of_fresh_connections_is_answered_within_a_bounded_number_of_database_connections(
    web_server: WebServer, workspace, api_token: str, actor
) -> None:
    for first_name in ("Ada", "Grace", "Linus"):
        create_record(workspace, "person", {"name": {"firstName": first_name, "lastName": "Test"}}, actor)
    api = {"Authorization": f"Bearer {api_token}"}
    # Pages that open a session, an API call that authenticates a key and lists records,
    # and a static file (served before any database work).
    requests = [("/login/", {}), ("/rest/people", api), ("/rest/people?limit=1", api), ("/static/css/app.css", {})]

    plan = [requests[i % len(requests)] for i in range(REQUESTS)]

    peak = 0
    with ThreadPoolExecutor(CLIENT_THREADS) as clients:
        answers = [clients.submit(web_server.get, path, headers) for path, headers in plan]
        while not all(answer.done() for answer in answers):
            peak = max(peak, database_connections())
            time.sleep(0.02)
    statuses = Counter((path, answer.result()) for (path, _), answer in zip(plan, answers, strict=True))

    assert all(status == 200 for _, status in statuses), f"{statuses}\n{web_server.log()}"
    assert sum(statuses.values()) == REQUESTS
    bound = web_server.workers * web_server.threads
    assert 0 < peak <= bound, f"{peak} database connections at once; the bound is {bound}"
