"""The web process: ``python -m config.web`` (the Procfile's web line, and the command
self-hosting.md gives for production) serves the Django app with granian
(``config.web_app``, which says why it is not ``config.wsgi`` as it is). ``make bench``
serves its floor app with the same settings: ``python -m config.web bench.floor:app``.

granian reads and writes HTTP in Rust and hands Python only the WSGI call. gunicorn's
gthread worker, which served before, spent about 250 µs of CPU in Python on every
request before the app saw it: a third of what reading one record costs all told.

The bound on database connections lives here. Django keeps one database connection per
thread that serves requests (reused for ``CONN_MAX_AGE``), so a server that starts a
thread per client connection opens a database connection per client: a burst of clients
fills PostgreSQL's ``max_connections`` and every request after that fails. granian runs
a WSGI app on a fixed pool of blocking threads in each worker process, so one web server
opens at most ``WEB_WORKERS × WEB_THREADS`` database connections, however many clients
connect.
"""

from __future__ import annotations

import sys

import environ

env = environ.Env()

workers = env.int("WEB_WORKERS", default=2)
threads = env.int("WEB_THREADS", default=4)
if workers < 1 or threads < 1:
    raise ValueError(f"WEB_WORKERS and WEB_THREADS must be 1 or more, got {workers} and {threads}")
# Its own variable, as PORT may be set for something else (honcho sets it for `make run`).
bind = env.str("WEB_BIND", default="127.0.0.1:8000")


def serve(target: str = "config.web_app:application") -> None:
    from granian import Granian
    from granian.constants import Interfaces

    host, _, port = bind.rpartition(":")
    Granian(
        target,
        interface=Interfaces.WSGI,
        address=host.strip("[]") or "127.0.0.1",
        port=int(port),
        workers=workers,
        blocking_threads=threads,
        # A worker that dies is replaced, as a process manager would expect.
        respawn_failed_workers=True,
        websockets=False,
        log_access=False,
    ).serve()


if __name__ == "__main__":
    serve(*sys.argv[1:2])
