"""Django's session, login, messages and CSRF middleware, django-csp's and django-axes's,
run for pages only.

API requests authenticate with a key and never use the session (the in-app playground
sends its requests with ``credentials: "omit"``), so loading a session, a user and a
message store for them is work thrown away on the busiest path. So is building a
Content-Security-Policy: it tells a browser what a page may load and run, and API
answers are JSON that no browser renders as a page. And no API request logs in with a
password, so none can be locked out. Each class here is the original, passed by on API
paths; they subclass the originals so Django's system checks still find them in
``MIDDLEWARE``.

CSRF stays fail-closed on API paths: Django still runs its view check there, and a
view that is not ``csrf_exempt`` (every API view is) would be refused on unsafe methods.
"""

from __future__ import annotations

from typing import Any

from axes import middleware as axes
from csp import middleware as csp
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest
from django.middleware import csrf

# First path segments of the key-authenticated APIs: /rest/..., /graphql, /metadata.
API_ROOTS = frozenset({"rest", "graphql", "metadata"})


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.split("/", 2)[1] in API_ROOTS


class _PagesOnly:
    get_response: Any

    def __call__(self, request: HttpRequest) -> Any:
        if is_api_request(request):
            return self.get_response(request)
        return super().__call__(request)  # type: ignore[misc]


class SessionMiddleware(_PagesOnly, sessions.SessionMiddleware):
    pass


class CsrfViewMiddleware(_PagesOnly, csrf.CsrfViewMiddleware):
    pass


class AuthenticationMiddleware(_PagesOnly, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(_PagesOnly, messages.MessageMiddleware):
    pass


class CSPMiddleware(_PagesOnly, csp.CSPMiddleware):
    pass


class AxesMiddleware(_PagesOnly, axes.AxesMiddleware):
    """Turns a login refused for too many failures into the lockout answer (crm/login_throttling.py)."""
