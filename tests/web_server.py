"""The web server `make run` starts (the Procfile's web line: granian, set up by
config/web.py), run by a test as processes of its own against the test database."""

from __future__ import annotations

import http.client
import os
import runpy
import shlex
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from child_processes import BASE_DIR, database_url, start_in_own_group, stop_group

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

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes | None = None
    ) -> tuple[int, bytes]:
        """One request on a connection of its own, closed after the answer: (status, body)."""
        client = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            client.request(method, path, body=body, headers={"Connection": "close", **(headers or {})})
            response = client.getresponse()
            return response.status, response.read()
        finally:
            client.close()

    def get(self, path: str, headers: dict[str, str] | None = None) -> int:
        return self.request("GET", path, headers)[0]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]


@contextmanager
def running_web_server(tmp_path: Path, environment: dict[str, str] | None = None) -> Iterator[WebServer]:
    """Start the web server on a free port, with ``environment`` added to the test's own;
    stop it (before the test's database goes) on exit."""
    # The test's environment is the server's: both read the same WEB_WORKERS and WEB_THREADS.
    config = runpy.run_path(str(BASE_DIR / "config" / "web.py"))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "true",  # as `make run` serves
        "WEB_BIND": f"{HOST}:{port}",
        # API requests must reach the database, not stop at the rate limit.
        "API_RATE_LIMIT_PER_MINUTE": "1000000",
        # The file cache and broker folder of this run, not the project's var/.
        "VAR_DIR": str(tmp_path / "var"),
        **(environment or {}),
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
        stop_group(process)
