"""API keys: hashed storage, expiry, revocation, deletion, and why a key is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import ApiKey
from crm.services.api_access import authenticate_header_and_count
from crm.services.api_keys import (
    ApiKeyError,
    create_api_key,
    delete_api_key,
    hash_token,
    regenerate_api_key,
    revoke_api_key,
)


def authenticate(header: str) -> ApiKey:
    """The key an API request with this Authorization header acts as (what REST and GraphQL call)."""
    return authenticate_header_and_count(header)[0]


def test_token_is_prefixed_high_entropy_and_stored_only_as_a_hash(workspace):
    key, token = create_api_key(workspace, "Zapier")
    assert token.startswith("crm_") and len(token) >= 40
    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.token_hash == hash_token(token)
    assert token not in {str(value) for value in stored.__dict__.values()}


def test_valid_key_resolves_to_its_workspace_and_records_last_use(workspace, api_token):
    key = authenticate(f"Bearer {api_token}")
    assert key.workspace == workspace
    assert ApiKey.objects.get(pk=key.pk).last_used_at is not None


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Missing API key"),
        ("", "Missing API key"),
        ("Basic abc", "Malformed"),
        ("Bearer", "Missing API key"),
        ("Bearer crm_notarealkey", "Invalid API key"),
        ("Bearer something-else", "Invalid API key"),
    ],
)
def test_missing_malformed_and_unknown_keys_are_refused_with_a_reason(db, header, message):
    with pytest.raises(ApiKeyError, match=message):
        authenticate(header)


def test_expired_key_is_refused(workspace):
    key, token = create_api_key(workspace, "Old", lifetime_days=15)
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ApiKeyError, match="expired"):
        authenticate(f"Bearer {token}")


def test_revoked_key_is_refused(workspace):
    key, token = create_api_key(workspace, "Leaked")
    revoke_api_key(key)
    with pytest.raises(ApiKeyError, match="revoked"):
        authenticate(f"Bearer {token}")


def test_never_expiring_key_has_no_expiry(workspace):
    key, _ = create_api_key(workspace, "Forever", lifetime_days=None)
    assert key.expires_at is None and key.status == "active"


def test_regenerating_revokes_the_old_key_and_keeps_name_access_and_lifetime(workspace):
    old, old_token = create_api_key(workspace, "CI", lifetime_days=30, read_only=True)
    new, new_token = regenerate_api_key(old)
    assert (new.name, new.read_only, new.lifetime_days) == ("CI", True, 30)
    assert new_token != old_token
    with pytest.raises(ApiKeyError, match="revoked"):
        authenticate(f"Bearer {old_token}")
    assert authenticate(f"Bearer {new_token}") == new


def test_a_key_needs_a_name(workspace):
    with pytest.raises(ValueError, match="name"):
        create_api_key(workspace, "   ")


def test_a_deleted_key_is_refused_as_an_unknown_one(workspace):
    key, token = create_api_key(workspace, "Leaked")
    revoke_api_key(key)
    delete_api_key(key)
    assert not ApiKey.objects.filter(pk=key.pk).exists()
    with pytest.raises(ApiKeyError, match="Invalid API key"):
        authenticate(f"Bearer {token}")


def test_an_expired_key_can_be_deleted(workspace):
    key, _ = create_api_key(workspace, "Old", lifetime_days=15)
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    key.refresh_from_db()
    delete_api_key(key)
    assert not ApiKey.objects.filter(pk=key.pk).exists()


def test_a_working_key_must_be_revoked_before_it_is_deleted(workspace):
    key, token = create_api_key(workspace, "In use")
    with pytest.raises(ValueError, match="revoke it before deleting it"):
        delete_api_key(key)
    assert authenticate(f"Bearer {token}") == key
