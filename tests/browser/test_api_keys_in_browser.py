"""API keys in a real browser: the token is shown once, the old settings URL redirects."""

from __future__ import annotations

import pytest

from crm.models import ApiKey
from crm.services.api_keys import authenticate_token

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_key_shows_its_token_once(login_page, admin_user, workspace, screenshot):
    page = login_page(admin_user)
    page.goto("/settings/apis")
    assert page.get_by_role("heading", name="No API keys yet").is_visible()
    assert page.locator("#playground-card").is_visible()
    screenshot(page, "apis-empty")

    page.get_by_role("link", name="Create API key").first.click()
    page.get_by_label("Name").fill("Nightly sync")
    page.get_by_label("Expiration").select_option(label="1 year")
    page.get_by_label("Read only").check()
    screenshot(page, "create-form")
    page.get_by_role("button", name="Create API key").click()

    token_block = page.locator("#api-token")
    token_block.wait_for()
    token = token_block.inner_text().strip()
    key = ApiKey.objects.get(workspace=workspace)
    assert authenticate_token(token) == key and key.read_only and key.lifetime_days == 365
    assert page.get_by_text("it will not be shown again").is_visible()
    assert token in page.locator("#example-rest").inner_text()
    assert f"{page.url.split('/settings')[0]}/graphql" in page.locator("#example-graphql").inner_text()
    screenshot(page, "token-shown-once")

    page.reload()
    assert page.locator("#api-token").count() == 0
    assert token not in page.content()
    assert "$CRM_API_KEY" in page.locator("#example-rest").inner_text()
    screenshot(page, "key-page-after-reload")

    page.goto("/settings/apis")
    assert page.get_by_role("link", name="Nightly sync").is_visible()
    screenshot(page, "apis-with-key")
    assert not page.js_errors


def test_revoking_asks_for_confirmation_first(login_page, admin_user, workspace, screenshot):
    from crm.services.api_keys import create_api_key

    key, _ = create_api_key(workspace, "Zapier")
    page = login_page(admin_user)
    page.goto(f"/settings/apis/keys/{key.id}")
    page.get_by_role("button", name="Revoke").click()
    dialog = page.locator("dialog#revoke-key")
    assert dialog.is_visible()
    assert "will stop working" in dialog.inner_text()
    screenshot(page, "revoke-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    assert not dialog.is_visible()
    key.refresh_from_db()
    assert not key.is_revoked

    page.get_by_role("button", name="Revoke").click()
    dialog.get_by_role("button", name="Revoke key").click()
    page.wait_for_url("**/settings/apis")
    key.refresh_from_db()
    assert key.is_revoked
    screenshot(page, "after-revoke")


def test_the_old_developers_url_lands_on_apis(login_page, admin_user, live_server, screenshot):
    page = login_page(admin_user)
    response = page.goto("/settings/developers")
    assert page.url == f"{live_server.url}/settings/apis"
    assert response.status == 200
    assert page.get_by_role("heading", name="APIs", exact=True).is_visible()
    screenshot(page, "apis")
