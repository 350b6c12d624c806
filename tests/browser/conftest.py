"""Real-browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Every test here is marked ``browser``. Without /usr/bin/chromium they are skipped, unless
BROWSER_TESTS_REQUIRED=1 (CI), where a missing browser is a failure. Screenshots of each
page under test go to test-artifacts/screenshots/, named after the run's summary.

Every page and frame the tests open is watched for Content-Security-Policy violations
(csp_violations.py): a test whose pages made the browser refuse a script, a style or a
request fails, even when what it checks passed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from csp_violations import CspViolations, WatchedBrowser
from django.test import Client

# CHROMIUM_PATH exists to check the skip/fail behaviour; CI and developers use the default.
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
MISSING_BROWSER = "Chromium not found: apt-get install chromium"
# A laptop screen: the narrowest the pages are designed for.
VIEWPORT = {"width": 1280, "height": 800}

_screenshots_taken: list[Path] = []

# One for the run: the browser is shared by a module's tests, each test starts clean.
CSP_VIOLATIONS = CspViolations()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    CSP_VIOLATIONS.clear()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    result = yield
    CSP_VIOLATIONS.settle()
    if CSP_VIOLATIONS.found:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(CSP_VIOLATIONS.found))
    return result


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _screenshots_taken:
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"{len(_screenshots_taken)} screenshots in {SCREENSHOTS}")


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("BROWSER_TESTS_REQUIRED") == "1":
        pytest.fail(f"{MISSING_BROWSER} (BROWSER_TESTS_REQUIRED=1, so this is a failure, not a skip)")
    pytest.skip(MISSING_BROWSER)


@pytest.fixture(scope="module")
def browser(django_db_setup: None) -> Iterator[object]:
    """Chromium for one test module. Not kept for the session: while Playwright runs, its
    event loop makes Django refuse ORM calls in this thread, which would break the tests
    of other modules. The test database is created before the loop starts."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    # The ORM calls made beside Playwright are synchronous and safe; only this module's
    # tests (and their database set-up and flush) run with the check off.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            yield WatchedBrowser(chromium, CSP_VIOLATIONS)
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def csp_violations() -> CspViolations:
    """For a test that causes a violation on purpose: csp_violations.take() returns them."""
    return CSP_VIOLATIONS


@pytest.fixture
def login_page(browser, live_server) -> Iterator[Callable[..., object]]:
    """login_page(user) -> a Playwright page whose session belongs to that user."""
    contexts = []

    def open_as(user: object) -> object:
        client = Client()
        client.force_login(user)
        context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.js_errors = errors
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[object, str], Path]:
    """screenshot(page, "name"): a full-page PNG under test-artifacts/screenshots/."""
    test_name = re.sub(r"[^a-z0-9_]+", "-", request.node.name.lower()).strip("-")

    def take(page: object, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{test_name}--{name}.png"
        # Grow the window to the page's height instead of a full-page capture, so the
        # sticky, full-height menu is drawn as a person scrolling would see it.
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], height)})
        page.screenshot(path=str(path))
        page.set_viewport_size(VIEWPORT)
        _screenshots_taken.append(path)
        return path

    return take
