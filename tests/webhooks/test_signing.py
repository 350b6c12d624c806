import base64
import hashlib
import hmac
import json
import time

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from webhooks.signing import build_headers, generate_secret, sign, signature_header, twenty_headers

BODY = json.dumps({"id": "evt_1", "event": "person.created", "data": {"name": "Zoë"}}).encode()


def test_generated_secret_is_whsec_and_32_random_bytes():
    first, second = generate_secret(), generate_secret()
    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32
    assert first != second


def test_standard_webhooks_library_verifies_our_signature():
    secret = generate_secret()
    headers = build_headers(msg_id="msg_1", body=BODY, secrets=[secret])

    assert Webhook(secret).verify(BODY, headers) == json.loads(BODY)


def test_signature_is_v1_base64_of_id_timestamp_body():
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    expected = hmac.new(b"k" * 32, b"msg_1.1700000000." + BODY, hashlib.sha256).digest()

    assert sign(secret, "msg_1", 1700000000, BODY) == "v1," + base64.b64encode(expected).decode()


def test_during_rotation_both_current_and_previous_secret_verify():
    current, previous = generate_secret(), generate_secret()
    headers = build_headers(msg_id="msg_2", body=BODY, secrets=[current, previous])

    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(current).verify(BODY, headers)
    Webhook(previous).verify(BODY, headers)


def test_wrong_secret_fails_verification():
    headers = build_headers(msg_id="msg_3", body=BODY, secrets=[generate_secret()])

    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(BODY, headers)


def test_tampered_body_fails_verification():
    secret = generate_secret()
    headers = build_headers(msg_id="msg_4", body=BODY, secrets=[secret])

    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"Zo", b"Jo"), headers)


def test_signature_header_signs_with_each_secret_in_order():
    one, two = generate_secret(), generate_secret()

    assert signature_header([one, two], "m", 5, BODY) == f"{sign(one, 'm', 5, BODY)} {sign(two, 'm', 5, BODY)}"


def test_twenty_signature_is_hex_hmac_of_timestamp_colon_body_keyed_with_the_secret_string():
    secret = generate_secret()
    headers = twenty_headers(secret, BODY, 1700000000123, "nonce-1")

    expected = hmac.new(secret.encode(), b"1700000000123:" + BODY, hashlib.sha256).hexdigest()
    assert headers == {
        "X-Twenty-Webhook-Signature": expected,
        "X-Twenty-Webhook-Timestamp": "1700000000123",
        "X-Twenty-Webhook-Nonce": "nonce-1",
    }


def test_build_headers_gives_every_delivery_header_from_one_moment():
    secret = generate_secret()
    now = time.time()
    headers = build_headers(msg_id="msg_5", body=BODY, secrets=[secret], now=now, nonce="n")

    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "CRM-Webhooks/1.0"
    assert headers["webhook-id"] == "msg_5"
    assert headers["webhook-timestamp"] == str(int(now))
    assert headers["X-Twenty-Webhook-Timestamp"] == str(int(now * 1000))
    assert headers["X-Twenty-Webhook-Nonce"] == "n"
    assert (
        headers["X-Twenty-Webhook-Signature"]
        == twenty_headers(secret, BODY, int(now * 1000), "n")["X-Twenty-Webhook-Signature"]
    )


def test_each_attempt_gets_a_fresh_nonce():
    secret = generate_secret()
    first = build_headers(msg_id="m", body=BODY, secrets=[secret])
    second = build_headers(msg_id="m", body=BODY, secrets=[secret])

    assert first["X-Twenty-Webhook-Nonce"] != second["X-Twenty-Webhook-Nonce"]


def test_signing_without_a_secret_is_an_error():
    with pytest.raises(ValueError):
        build_headers(msg_id="m", body=BODY, secrets=[])


def test_a_chosen_secret_that_is_not_base64_signs_with_its_own_bytes():
    secret = "my-own-signing-secret!"
    headers = build_headers(msg_id="msg_5", body=BODY, secrets=[secret])

    # A Standard Webhooks library verifies with "whsec_" + base64 of the secret's bytes...
    library_secret = "whsec_" + base64.b64encode(secret.encode()).decode()
    assert Webhook(library_secret).verify(BODY, headers) == json.loads(BODY)
    # ...and a Twenty receiver with the secret as it is.
    timestamp = headers["X-Twenty-Webhook-Timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}:".encode() + BODY, hashlib.sha256).hexdigest()
    assert headers["X-Twenty-Webhook-Signature"] == expected
