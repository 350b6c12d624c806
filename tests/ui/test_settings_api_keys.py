"""The APIs settings page: API keys created, shown once, renamed, regenerated, revoked,
deleted once they no longer work."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.models import ApiKey
from crm.services.api_keys import ApiKeyError, authenticate_token, create_api_key, revoke_api_key
from settings_ui.services.revealed_tokens import SESSION_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client, admin_user) -> Client:
    client.force_login(admin_user)
    return client


@pytest.fixture
def member_client(client: Client, member_user) -> Client:
    client.force_login(member_user)
    return client


@pytest.fixture
def key(workspace, admin_user) -> ApiKey:
    return create_api_key(workspace, "Zapier", lifetime_days=30, created_by=admin_user)[0]


@pytest.fixture
def other_key(other_workspace) -> ApiKey:
    return create_api_key(other_workspace, "Theirs")[0]


def key_urls(key: ApiKey) -> list[tuple[str, str]]:
    return [
        ("get", reverse("settings_ui:api_key", args=[key.id])),
        ("post", reverse("settings_ui:api_key_rename", args=[key.id])),
        ("post", reverse("settings_ui:api_key_regenerate", args=[key.id])),
        ("post", reverse("settings_ui:api_key_revoke", args=[key.id])),
        ("post", reverse("settings_ui:api_key_delete", args=[key.id])),
    ]


def all_urls(key: ApiKey) -> list[tuple[str, str]]:
    return [
        ("get", reverse("settings_ui:apis")),
        ("get", reverse("settings_ui:api_key_new")),
        ("post", reverse("settings_ui:api_key_new")),
        *key_urls(key),
    ]


def test_every_page_redirects_anonymous_visitors_to_login(client, key):
    for method, url in all_urls(key):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next="), url


def test_members_who_are_not_admins_get_403_everywhere(member_client, key):
    for method, url in all_urls(key):
        assert getattr(member_client, method)(url, {"name": "x"}).status_code == 403, url
    key.refresh_from_db()
    assert key.name == "Zapier" and not key.is_revoked


def test_members_do_not_see_the_developer_links_in_the_menu(member_client):
    page = member_client.get(reverse("records:list", args=["people"])).content.decode()
    assert reverse("settings_ui:apis") not in page
    assert reverse("settings_ui:webhooks") not in page


def test_admins_see_the_developer_links_in_the_menu(admin_client):
    page = admin_client.get(reverse("settings_ui:apis")).content.decode()
    assert 'href="/settings/apis"' in page
    assert 'href="/settings/webhooks"' in page


def test_another_workspaces_key_is_404_for_an_admin(admin_client, other_key):
    for method, url in key_urls(other_key):
        assert getattr(admin_client, method)(url, {"name": "Mine now"}).status_code == 404, url
    other_key.refresh_from_db()
    assert other_key.name == "Theirs" and not other_key.is_revoked


def test_developers_page_redirects_permanently_to_apis(admin_client):
    for path in ("/settings/developers", "/settings/developers/"):
        response = admin_client.get(path)
        assert response.status_code == 301
        assert response["Location"] == "/settings/apis"


def test_apis_page_lists_the_keys_of_this_workspace_only(admin_client, key, other_key):
    revoked = create_api_key(key.workspace, "Old sync", read_only=True)[0]
    revoked.revoked_at = revoked.created_at
    revoked.save()
    response = admin_client.get(reverse("settings_ui:apis"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Zapier" in page and "Old sync" in page
    assert "Theirs" not in page
    assert "Read only" in page and "Full access" in page and "Revoked" in page
    assert 'id="playground-card"' in page


def test_apis_page_shows_an_empty_state_without_keys(admin_client):
    page = admin_client.get(reverse("settings_ui:apis")).content.decode()
    assert "No API keys yet" in page
    assert reverse("settings_ui:api_key_new") in page


def test_create_form_offers_every_lifetime_and_both_access_levels(admin_client):
    page = admin_client.get(reverse("settings_ui:api_key_new")).content.decode()
    for label in ("15 days", "30 days", "90 days", "1 year", "2 years", "Never"):
        assert f">{label}</option>" in page
    assert "Full access" in page and "Read only" in page


def test_creating_a_key_shows_its_token_once(admin_client, workspace):
    response = admin_client.post(
        reverse("settings_ui:api_key_new"), {"name": "  Nightly sync ", "expiration": "365", "access": "read_only"}
    )
    key = ApiKey.objects.get(workspace=workspace)
    assert response.status_code == 302
    assert response["Location"] == reverse("settings_ui:api_key", args=[key.id])
    assert key.name == "Nightly sync" and key.read_only and key.lifetime_days == 365

    page = admin_client.get(response["Location"]).content.decode()
    token = page.split('<code id="api-token">')[1].split("</code>")[0]
    assert authenticate_token(token) == key
    assert "will not be shown again" in page
    assert "created." in page  # the success message
    # The examples use the token and this server's own origin.
    assert "curl &#x27;http://testserver/rest/people" in page or "http://testserver/rest/people" in page
    assert "http://testserver/graphql" in page
    assert page.count(token) >= 3
    assert SESSION_KEY not in admin_client.session

    again = admin_client.get(response["Location"]).content.decode()
    assert token not in again
    assert "api-token" not in again
    assert "$CRM_API_KEY" in again


def test_a_key_that_never_expires_has_no_expiry(admin_client, workspace):
    admin_client.post(reverse("settings_ui:api_key_new"), {"name": "Forever", "expiration": "never", "access": "full"})
    key = ApiKey.objects.get(workspace=workspace)
    assert key.expires_at is None and key.lifetime_days is None and not key.read_only


@pytest.mark.parametrize(
    "data, field_error",
    [
        ({"name": "   ", "expiration": "90", "access": "full"}, "name"),
        ({"name": "Ok", "expiration": "12", "access": "full"}, "expiration"),
        ({"name": "Ok", "expiration": "90", "access": "admin"}, "access"),
        ({"name": "x" * 101, "expiration": "90", "access": "full"}, "name"),
    ],
)
def test_bad_create_input_re_renders_with_errors_and_creates_nothing(admin_client, workspace, data, field_error):
    response = admin_client.post(reverse("settings_ui:api_key_new"), data)
    assert response.status_code == 200
    assert field_error in response.context["form"].errors
    assert 'class="field has-error"' in response.content.decode()
    assert not ApiKey.objects.filter(workspace=workspace).exists()


def test_renaming_a_key(admin_client, key):
    response = admin_client.post(reverse("settings_ui:api_key_rename", args=[key.id]), {"name": "Make"})
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.name == "Make"


def test_renaming_to_a_blank_name_re_renders_with_an_error(admin_client, key):
    response = admin_client.post(reverse("settings_ui:api_key_rename", args=[key.id]), {"name": "  "})
    assert response.status_code == 200
    assert "name" in response.context["rename_form"].errors
    key.refresh_from_db()
    assert key.name == "Zapier"


def test_regenerating_revokes_the_old_key_and_shows_the_new_token_once(admin_client, key):
    response = admin_client.post(reverse("settings_ui:api_key_regenerate", args=[key.id]))
    key.refresh_from_db()
    new_key = ApiKey.objects.exclude(id=key.id).get()
    assert key.is_revoked
    assert new_key.name == "Zapier" and new_key.lifetime_days == 30 and not new_key.is_revoked
    assert response["Location"] == reverse("settings_ui:api_key", args=[new_key.id])
    page = admin_client.get(response["Location"]).content.decode()
    token = page.split('<code id="api-token">')[1].split("</code>")[0]
    assert authenticate_token(token) == new_key
    assert token not in admin_client.get(response["Location"]).content.decode()


def test_a_revoked_key_cannot_be_regenerated(admin_client, key):
    admin_client.post(reverse("settings_ui:api_key_revoke", args=[key.id]))
    response = admin_client.post(reverse("settings_ui:api_key_regenerate", args=[key.id]))
    assert response.status_code == 302
    assert ApiKey.objects.count() == 1


def test_revoking_a_key_stops_it(admin_client, key):
    response = admin_client.post(reverse("settings_ui:api_key_revoke", args=[key.id]), follow=True)
    key.refresh_from_db()
    assert key.is_revoked
    assert response.redirect_chain[-1][0] == reverse("settings_ui:apis") + "?show=inactive#api-keys"
    page = response.content.decode()
    assert "revoked" in page and 'id="show-inactive-keys" autocomplete="off" checked>' in page


def test_key_page_explains_what_revoking_does(admin_client, key):
    page = admin_client.get(reverse("settings_ui:api_key", args=[key.id])).content.decode()
    assert "will stop working" in page
    assert 'id="revoke-key"' in page and 'id="regenerate-key"' in page


def test_get_is_not_allowed_on_actions(admin_client, key):
    for _, url in key_urls(key)[1:]:
        assert admin_client.get(url).status_code == 405
    key.refresh_from_db()
    assert not key.is_revoked


def test_forms_are_csrf_protected(admin_user, key):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(reverse("settings_ui:api_key_revoke", args=[key.id])).status_code == 403
    assert (
        client.post(reverse("settings_ui:api_key_new"), {"name": "x", "expiration": "90", "access": "full"}).status_code
        == 403
    )
    key.refresh_from_db()
    assert not key.is_revoked
    assert ApiKey.objects.count() == 1
    # With the token from the form, the same request goes through.
    page = client.get(reverse("settings_ui:api_key_new")).content.decode()
    csrf = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post(
        reverse("settings_ui:api_key_new"),
        {"name": "x", "expiration": "90", "access": "full", "csrfmiddlewaretoken": csrf},
    )
    assert response.status_code == 302


def test_create_page_cancel_goes_back_to_apis(admin_client):
    page = admin_client.get(reverse("settings_ui:api_key_new")).content.decode()
    assert page.count('href="/settings/apis"') >= 3  # menu, back link, cancel


@pytest.fixture
def revoked_key(workspace) -> ApiKey:
    key, _ = create_api_key(workspace, "Old sync")
    revoke_api_key(key)
    return key


def delete_url(key: ApiKey) -> str:
    return reverse("settings_ui:api_key_delete", args=[key.id])


def test_deleting_a_revoked_key_removes_it_from_the_list(admin_client, key, revoked_key):
    response = admin_client.post(delete_url(revoked_key), follow=True)
    assert not ApiKey.objects.filter(pk=revoked_key.pk).exists()
    assert response.redirect_chain[-1][0] == reverse("settings_ui:apis") + "#api-keys"
    page = response.content.decode()
    assert "“Old sync” deleted." in page
    assert "Old sync</a>" not in page and "Zapier" in page


def test_deleting_an_expired_key_keeps_the_other_tucked_away_keys_shown(admin_client, workspace, revoked_key):
    expired, token = create_api_key(workspace, "Trial", lifetime_days=15)
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    response = admin_client.post(delete_url(expired))
    assert response["Location"] == reverse("settings_ui:apis") + "?show=inactive#api-keys"
    assert not ApiKey.objects.filter(pk=expired.pk).exists()
    with pytest.raises(ApiKeyError, match="Invalid API key"):
        authenticate_token(token)


def test_a_working_key_cannot_be_deleted(admin_client, key):
    response = admin_client.post(delete_url(key), follow=True)
    assert ApiKey.objects.filter(pk=key.pk).exists()
    assert response.redirect_chain[-1][0] == reverse("settings_ui:api_key", args=[key.id])
    assert "revoke it before deleting it" in response.content.decode()


def test_only_admins_can_delete_a_key(member_client, revoked_key):
    assert member_client.post(delete_url(revoked_key)).status_code == 403
    assert ApiKey.objects.filter(pk=revoked_key.pk).exists()


def test_another_workspaces_revoked_key_is_404_to_delete(admin_client, other_key):
    revoke_api_key(other_key)
    assert admin_client.post(delete_url(other_key)).status_code == 404
    assert ApiKey.objects.filter(pk=other_key.pk).exists()


def test_deleting_needs_the_csrf_token(admin_user, revoked_key):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(delete_url(revoked_key)).status_code == 403
    assert ApiKey.objects.filter(pk=revoked_key.pk).exists()
    page = client.get(reverse("settings_ui:apis")).content.decode()
    csrf = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert client.post(delete_url(revoked_key), {"csrfmiddlewaretoken": csrf}).status_code == 302
    assert not ApiKey.objects.filter(pk=revoked_key.pk).exists()


def test_revoked_and_expired_keys_are_tucked_behind_a_switch_that_is_off(admin_client, key, revoked_key):
    page = admin_client.get(reverse("settings_ui:apis")).content.decode()
    assert 'id="show-inactive-keys"' in page and "Show revoked and expired" in page
    assert 'autocomplete="off">' in page  # off: the switch carries no `checked`
    assert page.count('class="is-muted is-inactive"') == 1
    assert f'action="{delete_url(revoked_key)}"' in page and f'action="{delete_url(key)}"' not in page

    shown = admin_client.get(reverse("settings_ui:apis") + "?show=inactive").content.decode()
    assert 'autocomplete="off" checked>' in shown


def test_the_switch_is_left_out_while_every_key_works(admin_client, key):
    page = admin_client.get(reverse("settings_ui:apis")).content.decode()
    assert "show-inactive-keys" not in page


def test_the_page_of_a_revoked_key_offers_to_delete_it(admin_client, key, revoked_key):
    page = admin_client.get(reverse("settings_ui:api_key", args=[revoked_key.id])).content.decode()
    assert f'action="{delete_url(revoked_key)}"' in page
    working = admin_client.get(reverse("settings_ui:api_key", args=[key.id])).content.decode()
    assert delete_url(key) not in working
