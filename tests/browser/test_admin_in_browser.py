"""Django's admin in a real browser, under the app's Content-Security-Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from crm.models import User, Workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_admin_logs_in_lists_and_edits_with_its_scripts_running(browser, live_server, workspace: Workspace):
    User.objects.create_superuser("root@acme.example.com", "correct-horse")
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto("/admin/")
    page.get_by_label("Email").fill("root@acme.example.com")
    page.get_by_label("Password").fill("correct-horse")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    page.get_by_role("link", name="Workspaces").first.click()
    # The select-all box works only when the admin's actions.js runs.
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")

    page.get_by_role("link", name="Acme").click()
    page.get_by_label("Name").fill("Acme Corporation")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Acme Corporation")
    assert not errors, errors
    context.close()
