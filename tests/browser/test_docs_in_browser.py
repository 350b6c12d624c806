"""The documentation in a real browser: readable without an account, and its link to
the API playground leads there once the reader has logged in."""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from crm.models import Workspace
from crm.services.api_keys import create_api_key
from docs_site import extract
from docs_site.pages import DOCS_DIR

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture
def anonymous_page(browser, live_server):
    context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    yield page
    context.close()


def playground_link() -> str:
    text = (DOCS_DIR / "api-and-webhooks.md").read_text(encoding="utf-8")
    (url,) = re.findall(r"\[Open the playground\]\(([^)]+)\)", text)
    return url


def test_the_docs_are_readable_without_logging_in(anonymous_page, screenshot):
    page = anonymous_page
    page.goto("/docs/")
    assert page.get_by_role("heading", name="CRM documentation").is_visible()
    nav = page.get_by_role("navigation", name="Documentation")
    nav.get_by_role("link", name="API & Webhooks").click()
    page.wait_for_url("**/docs/api-and-webhooks")
    assert page.get_by_role("heading", name="API & Webhooks", level=1).is_visible()
    screenshot(page, "api-and-webhooks")

    nav.get_by_role("link", name="Authentication").click()
    page.wait_for_url("**/docs/api-and-webhooks#authentication")
    heading = page.locator("h2#authentication")
    assert heading.is_visible()
    assert heading.bounding_box()["y"] < VIEWPORT["height"] / 2

    # Code is highlighted by the served stylesheet, and the diagrams load.
    keyword_colour = page.locator(".codehilite .s2").first.evaluate("e => getComputedStyle(e).color")
    assert keyword_colour not in ("rgb(0, 0, 0)", "rgb(23, 23, 28)")
    for image in page.locator("article img").all():
        # Diagrams load lazily: bring each into view and wait for it.
        image.scroll_into_view_if_needed()
        width = image.evaluate(
            """img => img.complete && img.naturalWidth ? img.naturalWidth : new Promise(done => {
                img.addEventListener("load", () => done(img.naturalWidth));
                img.addEventListener("error", () => done(0));
            })"""
        )
        assert width > 0, image.get_attribute("src")
    assert not page.js_errors


def test_api_and_webhooks_is_a_getting_started_page(anonymous_page):
    page = anonymous_page
    page.goto("/docs/")
    nav = page.get_by_role("navigation", name="Documentation")
    getting_started = nav.get_by_role("list", name="Getting Started")
    expect(getting_started.locator(":scope > li > .nav-link")).to_have_text(
        ["Introduction", "Quickstart", "API & Webhooks"]
    )
    expect(nav.locator(".nav-group-label")).to_have_text(["Getting Started", "Self-hosting"])


def test_the_playground_link_leads_to_the_playground_after_logging_in(anonymous_page, screenshot):
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    _, token = create_api_key(Workspace.objects.get(slug="demo"), "Playground")
    target = urlsplit(playground_link())
    assert parse_qs(target.query) == {"playground": ["graphql"], "schema": ["core"]}
    page = anonymous_page
    page.goto("/docs/api-and-webhooks#the-playground")
    page.get_by_role("link", name="Open the playground").click()

    # The settings need a login, which then returns to the playground's address.
    page.wait_for_url("**/login/**")
    page.get_by_label("Email").fill("admin@example.com")
    page.get_by_label("Password").fill("admin")
    screenshot(page, "login-on-the-way-to-the-playground")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(re.escape(target.path) + r"\?"))
    landed = urlsplit(page.url)
    assert landed.path == "/settings/apis"
    assert parse_qs(landed.query) == parse_qs(target.query)

    # As the docs say: the playground needs a key first.
    card = page.locator("#playground-card")
    assert card.get_by_text("Paste an API key to open the GraphQL playground").is_visible()
    card.get_by_label("API key").fill(token)
    card.get_by_role("button", name="GraphQL").click()
    dialog = page.locator("dialog#playground-dialog")
    dialog.wait_for(state="visible")
    assert "GraphQL" in dialog.get_by_role("heading").inner_text()
    assert parse_qs(urlsplit(page.url).query) == parse_qs(target.query)
    dialog.frame_locator("iframe").locator(".graphiql-container").wait_for()
    screenshot(page, "playground-open")

    dialog.get_by_role("button", name="Close playground").click()
    dialog.wait_for(state="hidden")
    assert urlsplit(page.url).query == ""

    # With the key kept in the browser, the docs' link opens the playground straight away.
    page.goto(playground_link())
    dialog.wait_for(state="visible")
    assert not page.js_errors


def test_the_playground_link_is_one_the_docs_consistency_checks_cover():
    urls = {url for path in extract.markdown_files() for url in extract.url_mentions(extract.read(path))}
    assert playground_link() in urls
