"""API keys: creation, authentication, rotation, revocation and deletion."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.utils import timezone

from crm.models import ApiKey, User, Workspace
from crm.query.plain_select import PlainSelect
from crm.services import api_key_cache
from crm.services.api_key_input import api_key_values

TOKEN_PREFIX = "crm_"
# Choices offered when creating a key: label -> lifetime in days (None: never expires).
LIFETIME_CHOICES: dict[str, int | None] = {
    "15 days": 15,
    "30 days": 30,
    "90 days": 90,
    "1 year": 365,
    "2 years": 730,
    "Never": None,
}
# last_used_at is refreshed at most this often, so reads don't all turn into writes.
LAST_USED_PRECISION = timedelta(minutes=1)


MISSING = "Missing API key: send it as 'Authorization: Bearer <key>'."


class ApiKeyError(Exception):
    """Why a request's key was refused; the message is safe to show the caller.
    ``twenty_words`` say it as Twenty's REST API does, for clients that compare them."""

    def __init__(self, message: str, twenty_words: str = "Token invalid.") -> None:
        super().__init__(message)
        self.twenty_words = twenty_words

    @property
    def messages(self) -> list[str]:
        """Twenty's words first, then ours."""
        return [self.twenty_words, str(self)]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_key(
    workspace: Workspace,
    name: str,
    *,
    lifetime_days: int | None = 90,
    read_only: bool = False,
    created_by: User | None = None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with its token; the token is not kept anywhere.
    Invalid input raises ApiKeyValidationError (see crm.services.api_key_input)."""
    values = api_key_values({"name": name, "lifetimeDays": lifetime_days, "readOnly": read_only})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        workspace=workspace,
        name=values["name"],
        token_hash=hash_token(token),
        token_prefix=token[:10],
        read_only=values["read_only"],
        lifetime_days=values["lifetime_days"],
        expires_at=timezone.now() + timedelta(days=values["lifetime_days"]) if values["lifetime_days"] else None,
        created_by=created_by,
    )
    return key, token


def revoke_api_key(key: ApiKey) -> None:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])


def delete_api_key(key: ApiKey) -> None:
    """Delete a key that no longer works (revoked or expired), so lists keep only what
    matters. Its token then fails as an unknown one; a working key must be revoked first,
    so that deleting never stops a script by surprise."""
    if key.status == "active":
        raise ValueError(f"“{key.name}” still works: revoke it before deleting it.")
    key.delete()


def rename_api_key(key: ApiKey, name: str) -> None:
    key.name = api_key_values({"name": name}, partial=True)["name"]
    key.save(update_fields=["name"])


@transaction.atomic
def regenerate_api_key(key: ApiKey, created_by: User | None = None) -> tuple[ApiKey, str]:
    """Replace a key with a new one of the same name, access and lifetime."""
    revoke_api_key(key)
    return create_api_key(
        key.workspace,
        key.name,
        lifetime_days=key.lifetime_days,
        read_only=key.read_only,
        created_by=created_by or key.created_by,
    )


def bearer_token(header: str | None) -> str:
    """The token of ``Authorization: Bearer <token>``, or ``ApiKeyError`` saying what is wrong."""
    scheme, _, token = (header or "").strip().partition(" ")
    token = token.strip()
    if not header or (scheme.lower() == "bearer" and not token):
        raise ApiKeyError(MISSING, "Missing authentication token")
    if scheme.lower() != "bearer" or " " in token:
        raise ApiKeyError("Malformed Authorization header: expected 'Bearer <key>'.")
    return token


def authenticate_token(token: str, keys_version: int | None = None, *, token_hash: str | None = None) -> ApiKey:
    """The usable key of a token, or ``ApiKeyError``. With the ``keys_version`` Redis
    holds, a key this process read at that version is not read again (crm.services.api_key_cache).
    ``token_hash`` is the token's ``hash_token``, when the caller has it already."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise ApiKeyError("Invalid API key.")
    token_hash = token_hash or hash_token(token)
    key = api_key_cache.kept_key(token_hash, keys_version)
    if key is None:
        key = _key_by_hash(token_hash)
        if key is None:
            raise ApiKeyError("Invalid API key.")
        api_key_cache.keep_key(token_hash, keys_version, key)
    now = timezone.now()
    if key.revoked_at is not None:
        raise ApiKeyError("This API key has been revoked.")
    if key.is_expired(now):
        raise ApiKeyError("This API key has expired.", "Token has expired.")
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
        api_key_cache.used(token_hash, now)
    return key


KEY_FIELDS = [field.attname for field in ApiKey._meta.concrete_fields]
WORKSPACE_FIELDS = [field.attname for field in Workspace._meta.concrete_fields]


@cache
def _key_lookup() -> PlainSelect:
    quote = connection.ops.quote_name
    workspaces = quote(Workspace._meta.db_table)
    return PlainSelect(
        ApiKey,
        KEY_FIELDS,
        f"JOIN {workspaces} ON {workspaces}.{quote('id')} = {{table}}.{quote('workspace_id')}"
        f" WHERE {{table}}.{quote('token_hash')} = %s",
        joined=Workspace._meta.concrete_fields,
    )


def _key_by_hash(token_hash: str) -> ApiKey | None:
    """The key with its workspace in one query, without building a QuerySet: this runs
    whenever a process meets a key it has not kept (crm.services.api_key_cache)."""
    rows = _key_lookup().rows([token_hash])
    if not rows:
        return None
    row = rows[0]
    key = ApiKey.from_db(DEFAULT_DB_ALIAS, KEY_FIELDS, row[: len(KEY_FIELDS)])
    key.workspace = Workspace.from_db(DEFAULT_DB_ALIAS, WORKSPACE_FIELDS, row[len(KEY_FIELDS) :])
    return key
