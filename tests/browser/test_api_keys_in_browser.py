"""API keys in a real browser: the token is shown once and can go straight to the
playground, revoked and expired keys are tucked away and can be deleted, the old
settings URL redirects."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from crm.models import ApiKey, User, WorkspaceMember
from crm.services.api_keys import authenticate_token
from crm.services.workspaces import add_member

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
    page.wait_for_url("**/settings/apis?show=inactive#api-keys")
    key.refresh_from_db()
    assert key.is_revoked
    # The list shows it, revoked, rather than seem to have lost it.
    expect(page.get_by_test_id("api-keys-table").get_by_role("link", name="Zapier")).to_be_visible()
    screenshot(page, "after-revoke")


def test_the_old_developers_url_lands_on_apis(login_page, admin_user, live_server, screenshot):
    page = login_page(admin_user)
    response = page.goto("/settings/developers")
    assert page.url == f"{live_server.url}/settings/apis"
    assert response.status == 200
    assert page.get_by_role("heading", name="APIs", exact=True).is_visible()
    screenshot(page, "apis")


def kept_keys(page) -> list[str]:
    return page.evaluate("Object.keys(localStorage).filter(name => name.startsWith('crm.playground.apiKey'))")


def test_a_new_key_goes_to_the_playground_of_every_tab_until_logout(login_page, admin_user, workspace, live_server):
    page = login_page(admin_user)
    page.goto("/settings/apis/keys/new")
    page.get_by_label("Name").fill("Playground")
    page.get_by_role("button", name="Create API key").click()
    token = page.locator("#api-token").inner_text().strip()

    page.get_by_role("link", name="Use in playground").click()
    page.wait_for_url("**/settings/apis#playground-card")
    assert token not in page.url
    expect(page.get_by_label("API key", exact=True)).to_have_value(token)

    # Another tab of this browser has it too, and launches without pasting it.
    other_tab = page.context.new_page()
    other_tab.goto("/settings/apis")
    expect(other_tab.get_by_label("API key", exact=True)).to_have_value(token)
    other_tab.get_by_role("button", name="GraphQL", exact=True).click()
    expect(other_tab.locator("dialog.playground-dialog[data-state='ready']")).to_be_visible(timeout=20_000)
    other_tab.close()

    # Someone else logging in on this browser does not get it.
    colleague = User.objects.create_user("colleague@acme.example.com", "correct-horse")
    add_member(workspace, colleague, WorkspaceMember.Role.ADMIN)
    colleague_client = Client()
    colleague_client.force_login(colleague)
    colleague_tab = page.context.new_page()
    page.context.add_cookies(
        [{"name": "sessionid", "value": colleague_client.cookies["sessionid"].value, "url": live_server.url}]
    )
    colleague_tab.goto("/settings/apis")
    expect(colleague_tab.get_by_label("API key", exact=True)).to_have_value("")
    assert len(kept_keys(colleague_tab)) == 1

    # Logging out forgets it.
    colleague_tab.get_by_role("button", name="Log out").click()
    colleague_tab.wait_for_url("**/login/**")
    assert kept_keys(colleague_tab) == []


def test_use_in_playground_waits_for_the_script_that_keeps_the_key(login_page, admin_user):
    # On a slow connection the page shows before its scripts run; a click then would
    # open the playground without the key.
    page = login_page(admin_user)
    page.goto("/settings/apis/keys/new")
    page.get_by_label("Name").fill("Slow network")
    release_script = []
    page.route("**/js/api_key*.js", lambda route: release_script.append(route))
    page.get_by_role("button", name="Create API key").click()
    token = page.locator("#api-token").inner_text().strip()
    use_in_playground = page.get_by_role("link", name="Use in playground")
    assert not use_in_playground.is_visible()

    page.wait_for_timeout(300)
    release_script.pop().continue_()
    use_in_playground.click()
    page.wait_for_url("**/settings/apis#playground-card")
    expect(page.get_by_label("API key", exact=True)).to_have_value(token)


def test_a_logout_sent_before_the_page_scripts_ran_still_forgets_the_key(login_page, admin_user, workspace):
    page = login_page(admin_user)
    page.goto("/settings/apis")
    scope = page.locator("meta[name='api-key-scope']").get_attribute("content")
    page.evaluate("scope => localStorage.setItem(`crm.playground.apiKey:${scope}`, 'a-kept-key')", scope)
    assert len(kept_keys(page)) == 1

    # The next page's shared script never arrives, so its logout form has no listener.
    page.route("**/js/app*.js", lambda route: None)
    page.goto("/settings/apis", wait_until="commit")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/**")

    assert kept_keys(page) == []


def test_revoked_and_expired_keys_are_tucked_away_and_can_be_deleted(login_page, admin_user, workspace, screenshot):
    from datetime import timedelta

    from django.utils import timezone

    from crm.services.api_keys import create_api_key, revoke_api_key

    create_api_key(workspace, "Zapier")
    revoke_api_key(create_api_key(workspace, "Leaked")[0])
    expired, _ = create_api_key(workspace, "Trial", lifetime_days=15)
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))

    page = login_page(admin_user)
    page.goto("/settings/apis")
    table = page.get_by_test_id("api-keys-table")
    expect(table.get_by_role("link", name="Zapier")).to_be_visible()
    for name in ("Leaked", "Trial"):
        expect(table.get_by_role("link", name=name)).to_be_hidden()
    screenshot(page, "inactive-keys-hidden")

    page.get_by_role("switch", name="Show revoked and expired").check()
    expect(table.get_by_role("link", name="Leaked")).to_be_visible()
    expect(table.get_by_role("link", name="Trial")).to_be_visible()
    expect(table.get_by_role("button", name="Delete Zapier")).to_have_count(0)  # it still works
    screenshot(page, "inactive-keys-shown")

    table.get_by_role("button", name="Delete Leaked").click()
    confirm = page.get_by_role("dialog", name="Delete “Leaked”?")
    expect(confirm).to_contain_text("no longer works")
    confirm.get_by_role("button", name="Delete key").click()
    expect(page.get_by_text("“Leaked” deleted.")).to_be_visible()
    assert not ApiKey.objects.filter(workspace=workspace, name="Leaked").exists()
    # The expired key is still listed, and still shown: there is more to tidy up.
    expect(page.get_by_role("switch", name="Show revoked and expired")).to_be_checked()
    expect(table.get_by_role("link", name="Trial")).to_be_visible()
