"""Django's handler for the web process, with the busiest API views answered beside the
middleware chain instead of through it.

Django hands every request down the chain of ``settings.MIDDLEWARE``: each middleware
wraps the next with its own exception guard, then the handler looks for view middleware
and atomic views. An API request is passed on by eight of the twelve
(crm/page_middleware.py, crm/middleware.py, and whitenoise, which serves static files
only), and the other four only refuse a malformed request or add headers to the answer.
Walking all of it was about a tenth of the web process's CPU to read one record
(MEASURED below).

So for the views in ``LANE_VIEWS`` the handler does to the request what the chain would
do, with the same middleware instances' own methods:

1. Ask the request steps that could stop it: SecurityMiddleware (the HTTPS redirect),
   the malformed Content-Length check, CommonMiddleware (host, user agent, ``www.``).
   If any of them would answer instead of the view, or the request is for another view,
   it goes down the whole chain as usual: the lane only takes requests the chain would
   have passed to one of its views untouched.
2. Call the view, as the chain's innermost step would: every lane view is CSRF-exempt
   (the one view middleware, CsrfViewMiddleware's check, would pass it) and none is
   atomic; a template response (DRF's) is rendered, and an exception becomes Django's
   error answer, as the chain's guard makes it.
3. Let the response steps act on the answer, innermost first: X-Frame-Options, then
   CommonMiddleware's (the slash redirect of a 404, Content-Length), then
   SecurityMiddleware's headers.

The lane is on only while ``settings.MIDDLEWARE`` is the list it was written for
(``MIRRORED_MIDDLEWARE``); with any other, every request takes the chain.
tests/platform/test_api_lane.py sends a table of requests through Django's plain handler
and through this one and compares the answers and what was logged, and the test suite's
client answers through this handler (tests/conftest.py), as the web process does.

MEASURED: two granian servers (2 workers x 2 threads each) answering REST get-one at
concurrency 4 in eight alternated rounds, one with Django's plain handler, one with this
one: 0.560 against 0.504 ms of server CPU per request, 2,046 against 2,265 requests per
second. In process, without a server, the difference is smaller (361 against 341 µs,
minimum of 20 rounds): it is mostly code not run, which costs more on a busy machine
than in a loop that keeps it all in the CPU's caches.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import ResolverMatch, URLPattern, get_resolver, set_urlconf
from django.utils.log import log_response

from crm import content_length_middleware
from crm.graphql.views import core_graphql_view
from crm.page_middleware import is_api_request
from crm.rest.views.records import record_route, records_route

# Reading and creating records over REST, and the records' GraphQL endpoint.
LANE_VIEWS = frozenset({records_route, record_route, core_graphql_view})

# What the lane does in their place is written for exactly these, in this order.
MIRRORED_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "crm.content_length_middleware.MalformedContentLengthMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "crm.page_middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "crm.page_middleware.CsrfViewMiddleware",
    "crm.page_middleware.AuthenticationMiddleware",
    "crm.page_middleware.MessageMiddleware",
    "crm.page_middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "crm.middleware.CurrentWorkspaceMiddleware",
    "crm.page_middleware.AxesMiddleware",
)


def _not_in_a_chain(request: HttpRequest) -> HttpResponse:
    raise AssertionError("the lane calls its middleware's steps, never a next middleware")


class ApiLane:
    """The answer to a request for one of ``LANE_VIEWS``, made past the middleware chain."""

    def __init__(self) -> None:
        self.on = tuple(settings.MIDDLEWARE) == MIRRORED_MIDDLEWARE
        self.urlconf = settings.ROOT_URLCONF
        self.patterns = leading_lane_patterns(get_resolver(self.urlconf).url_patterns)
        # Made as the chain makes them, so they read the settings as the chain's do.
        self.security = SecurityMiddleware(_not_in_a_chain)
        self.common = CommonMiddleware(_not_in_a_chain)
        self.frame_options = XFrameOptionsMiddleware(_not_in_a_chain)

    def response(self, request: HttpRequest) -> HttpResponse | None:
        """The answer, or None when the request must go down the chain."""
        # The API check first, so pages pay nothing for the lane. A test that changes the
        # URLconf under a running handler leaves the patterns found here out of date.
        if not self.on or not is_api_request(request) or settings.ROOT_URLCONF != self.urlconf:
            return None
        match = self._match(request.path_info)
        if match is None:
            return None
        # As Django's get_response does first: the request steps may reverse URLs.
        set_urlconf(self.urlconf)
        if self._stopped_before_the_view(request):
            return None
        request.resolver_match = match
        response = self._view_response(request, match)
        for step in (self.frame_options, self.common, self.security):
            response = step.process_response(request, response)
        return response

    def _match(self, path_info: str) -> ResolverMatch | None:
        # The URLconf's own patterns, asked in its order: as they lead it, the first to
        # match is the one Django's resolver would find.
        path = path_info[1:]
        for pattern in self.patterns:
            match = pattern.resolve(path)
            if match is not None:
                return match
        return None

    def _stopped_before_the_view(self, request: HttpRequest) -> bool:
        if self.security.process_request(request) is not None:
            return True
        if content_length_middleware.refusal(request) is not None:
            return True
        try:
            return self.common.process_request(request) is not None
        except DisallowedHost:
            return True

    def _view_response(self, request: HttpRequest, match: ResolverMatch) -> HttpResponse:
        # What CurrentWorkspaceMiddleware sets on an API request: no session workspace.
        request.membership = None  # type: ignore[attr-defined]
        request.workspace = None  # type: ignore[attr-defined]
        try:
            response = match.func(request, *match.args, **match.kwargs)
            if response is None:  # what Django's check_response refuses
                raise ValueError(f"The view {match.func.__qualname__} didn't return an HttpResponse object.")
            # DRF's answers are template responses, rendered once the view has made them.
            if callable(getattr(response, "render", None)):
                response = response.render()
            return response
        except Exception as error:  # as the chain's guard around the view answers it
            return response_for_exception(request, error)


def leading_lane_patterns(url_patterns: list[Any]) -> list[URLPattern]:
    """The URLconf's first patterns, up to the first whose view is not in ``LANE_VIEWS``."""
    leading = []
    for pattern in url_patterns:
        if not isinstance(pattern, URLPattern) or pattern.callback not in LANE_VIEWS:
            break
        leading.append(pattern)
    return leading


class AnswersInLane:
    """A Django handler whose ``get_response`` gives ``ApiLane`` the first try."""

    lane: ApiLane

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async)  # type: ignore[misc]
        self.lane = ApiLane()  # when the chain is made, from the same settings

    def get_response(self, request: HttpRequest) -> HttpResponse:
        response = self.lane.response(request)
        if response is None:
            return super().get_response(request)  # type: ignore[misc]
        # What Django's get_response does around its chain.
        response._resource_closers.append(request.close)
        if response.status_code >= 400:
            log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)
        return response


class LaneWSGIHandler(AnswersInLane, WSGIHandler):
    pass
