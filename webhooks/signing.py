"""Webhook signatures: Standard Webhooks, plus Twenty-compatible headers.

Standard Webhooks lets receivers verify with any off-the-shelf library; the
X-Twenty-* headers keep receivers written for Twenty working unchanged.
"""

import base64
import binascii
import hmac
import secrets as random_source
import time

from webhooks.safe_http import USER_AGENT

SECRET_PREFIX = "whsec_"


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(random_source.token_bytes(32)).decode()


def _secret_key(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks secret: the bytes its base64 part encodes.

    A secret the user chose may be any text: when it is not base64 (after an optional
    "whsec_"), its UTF-8 bytes are the key, so it still signs every delivery.
    """
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error:
        return secret.encode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One Standard Webhooks signature: "v1,<base64 HMAC-SHA256 of 'id.timestamp.body'>"."""
    return _standard_signature(_secret_key(secret), msg_id, timestamp, body)


def _standard_signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    digest = hmac.digest(key, f"{msg_id}.{timestamp}.".encode() + body, "sha256")
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """Signatures by every given secret, space-separated.

    During a secret rotation the receiver may still hold the previous secret; it
    accepts the message when any one signature matches.
    """
    return " ".join(sign(secret, msg_id, timestamp, body) for secret in secrets)


def twenty_signature(secret: str, body: bytes, timestamp_ms: int) -> str:
    # Keyed with the secret string exactly as shown to the user (prefix included, not
    # base64-decoded): Twenty receivers feed the secret they copied straight into their
    # HMAC, so decoding it here would make every such receiver reject us.
    return _twenty_signature(secret.encode(), body, timestamp_ms)


def _twenty_signature(key: bytes, body: bytes, timestamp_ms: int) -> str:
    return hmac.digest(key, f"{timestamp_ms}:".encode() + body, "sha256").hex()


def twenty_headers(secret: str, body: bytes, timestamp_ms: int, nonce: str) -> dict[str, str]:
    return {
        "X-Twenty-Webhook-Signature": twenty_signature(secret, body, timestamp_ms),
        "X-Twenty-Webhook-Timestamp": str(timestamp_ms),
        "X-Twenty-Webhook-Nonce": nonce,
    }


class Signer:
    """Signs the deliveries of one endpoint with its secrets, their keys decoded once for
    a whole batch rather than for each delivery."""

    def __init__(self, secrets: list[str]) -> None:
        if not secrets:
            raise ValueError("at least one secret is needed to sign a delivery")
        self._standard_keys = [_secret_key(secret) for secret in secrets]
        # secrets[0] is the current secret and the only one used for the Twenty
        # signature, which carries one value.
        self._twenty_key = secrets[0].encode()

    def headers(
        self, msg_id: str, body: bytes, *, now: float | None = None, nonce: str | None = None
    ) -> dict[str, str]:
        """Every header of one delivery attempt.

        msg_id must be stable across retries (receivers deduplicate on it); the timestamp is
        the attempt's, so a retry hours later is not rejected as a replay.
        """
        now = time.time() if now is None else now
        timestamp = int(now)
        timestamp_ms = int(now * 1000)
        return {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": " ".join(
                _standard_signature(key, msg_id, timestamp, body) for key in self._standard_keys
            ),
            "X-Twenty-Webhook-Signature": _twenty_signature(self._twenty_key, body, timestamp_ms),
            "X-Twenty-Webhook-Timestamp": str(timestamp_ms),
            "X-Twenty-Webhook-Nonce": nonce or random_source.token_hex(16),
        }


def build_headers(
    *,
    msg_id: str,
    body: bytes,
    secrets: list[str],
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Every header of one delivery attempt (see Signer.headers)."""
    return Signer(secrets).headers(msg_id, body, now=now, nonce=nonce)
