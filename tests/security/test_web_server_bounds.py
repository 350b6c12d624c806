"""The web server `make run` starts (the Procfile's web line: gunicorn with
config/gunicorn.conf.py) holds a bounded number of database connections: a flood of
clients, each on a fresh TCP connection, is answered without a single 5xx, and PostgreSQL
never sees more connections to the database than workers × threads."""

from __future__ import annotations

import http.client
import os
import runpy
import shlex
import socket
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from child_processes import BASE_DIR, database_url, start_in_own_group, stop_group
from django.db import connection

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
HOST = "127.0.0.1"


def procfile_command(name: str) -> list[str]:
    for line in (BASE_DIR / "Procfile").read_text().splitlines():
        process, _, command = line.partition(":")
        if process.strip() == name:
            return shlex.split(command)
    raise LookupError(f"the Procfile has no {name} process")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class WebServer:
    port: int
    workers: int
    threads: int
    log_path: Path

    def get(self, path: str, headers: dict[str, str] | None = None) -> int:
        """One request on a connection of its own, closed after the answer."""
        client = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            client.request("GET", path, headers={"Connection": "close", **(headers or {})})
            response = client.getresponse()
            response.read()
            return response.status
        finally:
            client.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]


@pytest.fixture
def web_server(transactional_db: None, tmp_path: Path) -> Iterator[WebServer]:
    # The test's environment is the server's: both read the same WEB_WORKERS and WEB_THREADS.
    config = runpy.run_path(str(BASE_DIR / "config" / "gunicorn.conf.py"))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "true",  # as `make run` serves
        "GUNICORN_CMD_ARGS": f"--bind={HOST}:{port}",
        # API requests must reach the database, not stop at the rate limit.
        "API_RATE_LIMIT_PER_MINUTE": "1000000",
        # The file cache and broker folder of this run, not the project's var/.
        "VAR_DIR": str(tmp_path / "var"),
    }
    log_path = tmp_path / "web.log"
    process = start_in_own_group(procfile_command("web"), env, log_path)
    server = WebServer(port, config["workers"], config["threads"], log_path)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the web server did not start:\n{server.log()}")
            try:
                server.get("/login/")
                break
            except OSError:
                time.sleep(0.1)
        yield server
    finally:
        # Before pytest-django flushes or drops the database the server is connected to.
        stop_group(process)


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
