"""Who is calling the API and whether they may, in one step: the API key behind a bearer
token and the request counted against that key's rate limit.

The count goes to Redis with a read of the API keys' version, in one round trip; a key
this process has kept at that version needs no database round trip at all
(crm.services.api_key_cache).

The limit is counted per token (by its hash), which is per key: a key has one token,
and a regenerated key is a new key.
"""

from __future__ import annotations

from crm.models import ApiKey
from crm.services import api_key_cache, rate_limit
from crm.services.api_keys import authenticate_token, bearer_token, hash_token
from crm.services.rate_limit import RateLimitStatus

# What a read-only key may do, one rule for REST and GraphQL alike: read records and the
# data model (metadata, OpenAPI). Webhooks (target URLs often carry tokens), their
# deliveries (payloads and receivers' answers) and API keys are sensitive to read as well
# as to change, so every route and field that shows them needs a full-access key.
FULL_ACCESS_NEEDED = "This needs a full-access API key; this one is read-only."


def may_see_sensitive(key: ApiKey) -> bool:
    """Whether the key may see webhooks, deliveries and API keys (see FULL_ACCESS_NEEDED)."""
    return not key.read_only


def authenticate_and_count(token: str) -> tuple[ApiKey, RateLimitStatus]:
    """The token's key and the verdict of its rate limit; ``ApiKeyError`` when the token
    is not a usable key. A token that is no key is counted too, under a name no key has."""
    token_hash = hash_token(token)
    pending = rate_limit.start(token_hash, also_read=api_key_cache.VERSION_COUNTER)
    try:
        key = authenticate_token(token, pending.also_read(), token_hash=token_hash)
    finally:
        # Read whatever happens: the Redis connection is held until the answer is read.
        status = pending.result()
    return key, status


def authenticate_header_and_count(header: str | None) -> tuple[ApiKey, RateLimitStatus]:
    """``Authorization: Bearer <token>`` resolved as ``authenticate_and_count`` does."""
    return authenticate_and_count(bearer_token(header))
