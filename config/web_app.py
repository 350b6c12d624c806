"""The WSGI app as the web process serves it (config/web.py): ``config.wsgi``'s, without
the process's environment variables in each request.

granian copies the process's environment into every request's WSGI environ, as CGI
did. Django would take those for request data: ``request.META`` would carry the
database URL and every other setting to debug pages and error reports, and a variable
named like a header (``HTTP_AUTHORIZATION``, ``HTTP_PROXY``) would pass for a header the
client never sent. So each request is rid of them again before Django sees it. A header
the client did send stays, unless its value is the variable's own.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from config.wsgi import application as django_application

# What a WSGI server sets itself, from the request or the connection, whatever the
# process's environment holds under the same names.
REQUEST_NAMES = frozenset(
    {
        "REQUEST_METHOD",
        "SCRIPT_NAME",
        "PATH_INFO",
        "QUERY_STRING",
        "CONTENT_TYPE",
        "CONTENT_LENGTH",
        "SERVER_NAME",
        "SERVER_PORT",
        "SERVER_PROTOCOL",
        "REMOTE_ADDR",
        "REMOTE_PORT",
        "GATEWAY_INTERFACE",
        "SERVER_SOFTWARE",
    }
)


def without_process_environment(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    process_environment = {name: value for name, value in os.environ.items() if name not in REQUEST_NAMES}

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        for name, value in process_environment.items():
            if environ.get(name) == value:
                del environ[name]
        return app(environ, start_response)

    return application


application = without_process_environment(django_application)
