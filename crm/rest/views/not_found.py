"""The last route under /rest/: whatever path no API route matched.

Without it an unmatched API path would reach Django's 404 handling, which with
DEBUG=True (as in development) answers with the HTML debug page instead of going
through ``handler404``. As a route, it answers the API's JSON error shape in every mode.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from crm.rest.errors import json_error


# API clients send no CSRF token; the answer is the same 404 for every method.
@method_decorator(csrf_exempt, name="dispatch")
class ApiRouteNotFoundView(View):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return json_error(404, [f"No API route matches {request.method} {request.path[:200]}."])
