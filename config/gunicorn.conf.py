"""gunicorn's settings for the web process: ``gunicorn -c config/gunicorn.conf.py``
(the Procfile's web line, and the command self-hosting.md gives for production).

The bound on database connections lives here. Django keeps one database connection per
thread that serves requests (reused for ``CONN_MAX_AGE``), so a server that starts a
thread per client connection opens a database connection per client: a burst of clients
fills PostgreSQL's ``max_connections`` and every request after that fails. gthread serves
with a fixed pool of threads, so one web process opens at most
``WEB_WORKERS × WEB_THREADS`` database connections, however many clients connect.
"""

import environ

env = environ.Env()

wsgi_app = "config.wsgi:application"
# Explicit, because gunicorn otherwise listens on 0.0.0.0:$PORT when PORT is set (as
# honcho sets it for `make run`). Production passes --bind (or GUNICORN_CMD_ARGS).
bind = "127.0.0.1:8000"
worker_class = "gthread"
workers = env.int("WEB_WORKERS", default=2)
threads = env.int("WEB_THREADS", default=4)
if workers < 1 or threads < 1:
    raise ValueError(f"WEB_WORKERS and WEB_THREADS must be 1 or more, got {workers} and {threads}")
# gunicorn's control socket can add workers at run time, past the bound above; and its
# path is shared by every gunicorn the same user runs, so a second server takes it over.
control_socket_disable = True
