"""How failed logins are throttled: the parts of django-axes this project chooses itself.

django-axes counts failed logins in Django's cache, separately per account and per
client address (settings ``AXES_*`` in config/settings.py). These functions tell it
which account and which address an attempt comes from, how a refused attempt is
answered (the login form again, with why, as 429), and what happens while the cache
is unreachable.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import redis
from axes.handlers.cache import AxesCacheHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.forms.forms import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

logger = logging.getLogger(__name__)

# What a cache that cannot be reached raises: Redis down, or the file cache's disk failing.
CACHE_ERRORS = (redis.RedisError, OSError)

# axes names a counter by its value alone, so an account named like an address would
# share that address's counter: anyone could lock out a stranger's address by
# "logging in" as 203.0.113.7. Account counters get a prefix no address has.
ACCOUNT_PREFIX = "account:"


def account_key(email: str) -> str:
    """The name an account's failures are counted under: its email, in any case."""
    return ACCOUNT_PREFIX + email.strip().lower()


def account_of(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The account an attempt is counted against, from the email as typed."""
    if credentials is not None:
        email = credentials.get("username")
    else:
        email = request.POST.get("username")
    return account_key(str(email)) if email else None


def client_address(request: HttpRequest) -> str | None:
    """The address an attempt is counted against.

    The connection's own address, unless ``TRUSTED_PROXY_COUNT`` says that many reverse
    proxies stand in front: each appends the address it was reached from to
    X-Forwarded-For, so the client is that many entries from the right. Entries further
    left were written by the client and prove nothing.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [address for address in forwarded if address]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def lockout_seconds(request: HttpRequest | None = None) -> int:
    """How long a lockout lasts (``LOGIN_LOCKOUT_MINUTES``): it ends by itself after that."""
    return math.ceil(get_cool_off(request).total_seconds())


def lockout_message(request: HttpRequest | None = None) -> str:
    minutes = max(1, math.ceil(lockout_seconds(request) / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed sign-in attempts. Try again in {minutes} {unit}."


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """A refused attempt gets the login form it came from (the site's or the admin's),
    its one error now saying why, with status 429 and when to come back.

    The same answer whether the email belongs to an account or not, so a lockout tells
    nobody which emails exist.
    """
    message = lockout_message(request)
    retry_after = str(lockout_seconds(request))
    form = (getattr(original_response, "context_data", None) or {}).get("form")
    if not isinstance(original_response, TemplateResponse) or form is None:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = retry_after
        return response
    # The view rendered the form with "wrong email or password"; it is re-rendered, keeping
    # the response's headers (never-cache), with the lockout as its only error.
    form.errors.clear()
    form.errors[NON_FIELD_ERRORS] = form.error_class([message], error_class="nonfield", renderer=form.renderer)
    original_response.content = original_response.rendered_content
    original_response.status_code = 429
    original_response["Retry-After"] = retry_after
    return original_response


class CacheHandler(AxesCacheHandler):
    """axes's cache handler, letting logins through uncounted while the cache is
    unreachable, as the API's rate limit does: a Redis outage must not lock everyone
    out of the pages (nor answer them with a 500). Each such login logs a warning."""

    def reset_attempts(
        self, *, ip_address: str | None = None, username: str | None = None, ip_or_username: bool = False
    ) -> int:
        """Lets ``manage.py axes_reset_username`` name an account by its email."""
        if username is not None and not username.startswith(ACCOUNT_PREFIX):
            username = account_key(username)
        return super().reset_attempts(ip_address=ip_address, username=username, ip_or_username=ip_or_username)

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        try:
            return super().get_failures(request, credentials)
        except CACHE_ERRORS:
            logger.warning("Login not checked for lockout: the cache is unreachable", exc_info=True)
            return 0

    def user_login_failed(
        self, sender: object, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        try:
            super().user_login_failed(sender, credentials, request, **kwargs)
        except CACHE_ERRORS:
            logger.warning("Failed login not counted: the cache is unreachable", exc_info=True)
