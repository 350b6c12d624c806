"""Failed logins are throttled per account and per client address, on the site's login
page and the admin's; API keys are untouched. Real database, real cache (Redis when
REDIS_URL is set, the file cache otherwise)."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from io import StringIO

import pytest
from axes.handlers.proxy import AxesProxyHandler
from django.core.cache.backends.redis import RedisCache
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client, RequestFactory

from crm.login_throttling import client_address
from crm.models import User
from crm.page_middleware import AxesMiddleware

LOCKED = "Too many failed sign-in attempts. Try again in 15 minutes."
WRONG = "Please enter a correct email address and password."


@pytest.fixture(autouse=True)
def limits(settings):
    """The defaults (LOGIN_FAILURE_LIMIT, LOGIN_LOCKOUT_MINUTES unset), whatever the environment."""
    # Each test tries many passwords; a fast hash keeps them from taking seconds each
    # and changes nothing about what is counted.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.TRUSTED_PROXY_COUNT = 0


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def log_in(client: Client, email: str, password: str, path: str = "/login/", **extra: str) -> HttpResponse:
    return client.post(path, {"username": email, "password": password}, **extra)


def fail(client: Client, email: str, times: int, path: str = "/login/", **extra: str) -> list[HttpResponse]:
    return [log_in(client, email, f"wrong-{n}", path, **extra) for n in range(times)]


def page(response: HttpResponse) -> str:
    return response.content.decode()


def same_for_any_email(response: HttpResponse, email: str) -> str:
    """The page with what differs by nature (the email typed back, the CSRF token) blanked."""
    html = page(response).replace(email, "EMAIL")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)


@pytest.fixture
def staff_user(db) -> User:
    return User.objects.create_user("staff@example.com", "staff-password", is_staff=True, is_superuser=True)


# ---- The site's login page ------------------------------------------------------


def test_wrong_passwords_get_the_ordinary_error_until_the_limit_then_429(admin_user):
    client = from_address("192.0.2.10")

    before_the_limit = fail(client, admin_user.email, 4)
    at_the_limit = log_in(client, admin_user.email, "wrong-again")

    for response in before_the_limit:
        assert response.status_code == 200
        assert WRONG in page(response)
        assert LOCKED not in page(response)
    assert at_the_limit.status_code == 429
    html = page(at_the_limit)
    assert LOCKED in html
    assert WRONG not in html


def test_the_lockout_answer_is_the_login_form_with_the_sites_look(admin_user):
    client = from_address("192.0.2.11")
    fail(client, admin_user.email, 5)

    response = log_in(client, admin_user.email, "wrong-again")

    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "900"
    html = page(response)
    assert 'class="auth-card"' in html
    assert f'<div class="form-errors" role="alert">\n      <p>{LOCKED}</p>' in html
    assert f'value="{admin_user.email}"' in html
    assert 'type="password" name="password"' in html


def test_the_right_password_is_refused_while_locked_out(admin_user):
    client = from_address("192.0.2.12")
    fail(client, admin_user.email, 5)

    response = log_in(client, admin_user.email, "correct-horse")

    assert response.status_code == 429
    assert LOCKED in page(response)
    assert "_auth_user_id" not in client.session


def test_an_unknown_email_is_locked_out_the_same_way_and_answers_identically(admin_user):
    known = [log_in(from_address("192.0.2.20"), admin_user.email, f"wrong-{n}") for n in range(6)]
    unknown = [log_in(from_address("192.0.2.21"), "nobody@acme.example.com", f"wrong-{n}") for n in range(6)]

    assert [r.status_code for r in known] == [200, 200, 200, 200, 429, 429]
    assert [r.status_code for r in unknown] == [200, 200, 200, 200, 429, 429]
    for mine, theirs in zip(known, unknown, strict=True):
        assert same_for_any_email(mine, admin_user.email) == same_for_any_email(theirs, "nobody@acme.example.com")
        assert mine.headers.get("Retry-After") == theirs.headers.get("Retry-After")


def test_an_account_is_locked_out_from_every_address(admin_user):
    for n in range(5):
        log_in(from_address(f"198.51.100.{n + 1}"), admin_user.email, "wrong")

    response = log_in(from_address("198.51.100.99"), admin_user.email, "correct-horse")

    assert response.status_code == 429


def test_the_account_is_counted_whatever_the_case_of_its_email(admin_user):
    client = from_address("192.0.2.13")
    for email in ["Admin@acme.example.com", "ADMIN@ACME.EXAMPLE.COM", " admin@acme.example.com"] * 2:
        log_in(from_address("198.51.100.50"), email, "wrong")

    assert log_in(client, admin_user.email, "correct-horse").status_code == 429


def test_one_address_is_locked_out_across_different_emails(admin_user, member_user):
    attacker = from_address("203.0.113.5")
    for n in range(5):
        log_in(attacker, f"guess-{n}@acme.example.com", "wrong")

    from_there = log_in(attacker, member_user.email, "correct-horse")
    from_elsewhere = log_in(from_address("203.0.113.6"), member_user.email, "correct-horse")

    assert from_there.status_code == 429
    assert LOCKED in page(from_there)
    assert from_elsewhere.status_code == 302


def test_an_email_written_like_an_address_does_not_lock_that_address(admin_user):
    for _ in range(5):
        log_in(from_address("203.0.113.7"), "203.0.113.8", "wrong")

    assert log_in(from_address("203.0.113.8"), admin_user.email, "correct-horse").status_code == 302


def test_the_lockout_ends_by_itself(admin_user, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    client = from_address("192.0.2.14")
    fail(client, admin_user.email, 5)
    assert log_in(client, admin_user.email, "correct-horse").status_code == 429

    time.sleep(1.5)
    response = log_in(client, admin_user.email, "correct-horse")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin_user.pk)


def test_trying_during_the_lockout_does_not_make_it_last_longer(admin_user, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=2)
    client = from_address("192.0.2.15")
    fail(client, admin_user.email, 5)

    time.sleep(1.2)
    assert log_in(client, admin_user.email, "wrong-while-locked").status_code == 429
    time.sleep(1.2)

    assert log_in(client, admin_user.email, "correct-horse").status_code == 302


def test_the_limit_and_the_lockout_are_settings(admin_user, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    client = from_address("192.0.2.16")

    first, second = fail(client, admin_user.email, 2)

    assert first.status_code == 200
    assert second.status_code == 429
    assert "Too many failed sign-in attempts. Try again in 1 minute." in page(second)
    assert second["Retry-After"] == "60"


def test_a_successful_login_below_the_limit_is_not_refused(admin_user):
    client = from_address("192.0.2.17")
    fail(client, admin_user.email, 4)

    assert log_in(client, admin_user.email, "correct-horse").status_code == 302


def test_an_operator_lifts_a_lockout_early(admin_user, member_user):
    for n in range(5):
        log_in(from_address(f"198.51.100.{n + 10}"), admin_user.email, "wrong")
    attacker = from_address("203.0.113.20")
    for n in range(5):
        log_in(attacker, f"guess-{n}@acme.example.com", "wrong")

    call_command("axes_reset_username", admin_user.email, stdout=StringIO())
    call_command("axes_reset_ip", "203.0.113.20", stdout=StringIO())

    assert log_in(from_address("198.51.100.99"), admin_user.email, "correct-horse").status_code == 302
    assert log_in(attacker, member_user.email, "correct-horse").status_code == 302


# ---- The admin's login page -----------------------------------------------------


def test_the_admin_login_is_throttled_too(staff_user):
    client = from_address("192.0.2.30")

    answers = fail(client, staff_user.email, 5, path="/admin/login/")
    right_password = log_in(client, staff_user.email, "staff-password", path="/admin/login/")

    assert [r.status_code for r in answers] == [200, 200, 200, 200, 429]
    for response in [answers[-1], right_password]:
        assert response.status_code == 429
        html = page(response)
        assert 'id="login-form"' in html
        assert f'<p class="errornote">\n    {LOCKED}\n</p>' in html
    assert "_auth_user_id" not in client.session


def test_failures_on_either_login_page_count_together(staff_user):
    client = from_address("192.0.2.31")
    fail(client, staff_user.email, 3, path="/admin/login/")
    fail(client, staff_user.email, 2)

    assert log_in(client, staff_user.email, "staff-password").status_code == 429
    assert log_in(client, staff_user.email, "staff-password", path="/admin/login/").status_code == 429


# ---- Client addresses -----------------------------------------------------------


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(admin_user):
    client = from_address("192.0.2.40")
    for n in range(5):
        log_in(client, f"guess-{n}@acme.example.com", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    response = log_in(client, admin_user.email, "correct-horse", HTTP_X_FORWARDED_FOR="198.51.100.200")

    assert response.status_code == 429


def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_apart(admin_user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = from_address("10.0.0.2")
    for n in range(5):
        # The client wrote the left entry itself; the proxy appended the right one.
        log_in(proxy, f"guess-{n}@acme.example.com", "wrong", HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 198.51.100.66")

    attacker = log_in(proxy, admin_user.email, "correct-horse", HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.66")
    someone_else = log_in(proxy, admin_user.email, "correct-horse", HTTP_X_FORWARDED_FOR="198.51.100.67")

    assert attacker.status_code == 429
    assert someone_else.status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "192.0.2.1"),
        (1, "", "192.0.2.1"),
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        (2, "6.6.6.6, 198.51.100.1, 203.0.113.9", "198.51.100.1"),
        (2, "198.51.100.1", "192.0.2.1"),
    ],
)
def test_the_client_address_is_taken_from_the_right_by_the_number_of_trusted_proxies(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().post("/login/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == expected


# ---- An unreachable cache ----------------------------------------------------------


def test_logins_go_through_uncounted_while_the_cache_is_unreachable(admin_user, monkeypatch, caplog):
    handler = AxesProxyHandler.get_implementation()
    monkeypatch.setattr(handler, "cache", RedisCache("redis://127.0.0.1:1/0", {}))  # nothing listens there
    client = from_address("192.0.2.50")

    failures = fail(client, admin_user.email, 6)
    right_password = log_in(client, admin_user.email, "correct-horse")

    assert [r.status_code for r in failures] == [200] * 6
    assert WRONG in page(failures[-1])
    assert right_password.status_code == 302
    assert "Failed login not counted: the cache is unreachable" in caplog.text
    assert "Login not checked for lockout: the cache is unreachable" in caplog.text


# ---- API keys -------------------------------------------------------------------


def test_api_keys_work_from_a_locked_out_address(client, admin_user, api_token):
    fail(client, admin_user.email, 5)
    assert log_in(client, admin_user.email, "correct-horse").status_code == 429

    rest = client.get("/rest/people", HTTP_AUTHORIZATION=f"Bearer {api_token}")
    graphql = client.post(
        "/graphql",
        {"query": "{ people { totalCount } }"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_token}",
    )

    assert rest.status_code == 200
    assert graphql.status_code == 200
    assert graphql.json()["data"]["people"]["totalCount"] == 0


def test_the_lockout_middleware_passes_api_requests_by():
    def locked_out_view(request):
        request.axes_locked_out = True
        return HttpResponse("the view's answer")

    middleware = AxesMiddleware(locked_out_view)

    for path in ["/rest/people", "/graphql", "/metadata"]:
        response = middleware(RequestFactory().post(path))
        assert (response.status_code, response.content) == (200, b"the view's answer"), path
    assert middleware(RequestFactory().post("/login/")).status_code == 429
