"""The "Security" section of docs/self-hosting.md states what the app really does: the
policy it sends, the bound on database connections, the limits of a read-only key and
the webhook targets it refuses are each checked against the code here."""

from __future__ import annotations

import re
import runpy

import pytest
from django.conf import settings

from docs_site import extract
from webhooks.safe_http import UnsafeTargetError, validate_target_url

SELF_HOSTING = next(path for path in extract.markdown_files() if path.name == "self-hosting.md")


def security_section() -> str:
    text = extract.read(SELF_HOSTING)
    section = text.split("\n## Security\n", 1)[1].split("\n## ", 1)[0]
    return " ".join(section.split())


def test_the_section_covers_each_defence():
    section = security_section()
    for heading in (
        "Sign-in attempts",
        "Database connections",
        "Content-Security-Policy",
        "API keys",
        "Hostile input",
        "Webhook targets",
    ):
        assert f"### {heading}" in section


def test_the_documented_policy_is_the_one_pages_send():
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    sent = "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())

    assert f"`{sent}`" in security_section()


def test_the_documented_connection_bound_is_the_web_servers_default(monkeypatch):
    monkeypatch.delenv("WEB_WORKERS", raising=False)
    monkeypatch.delenv("WEB_THREADS", raising=False)
    config = runpy.run_path(str(settings.BASE_DIR / "config" / "web.py"))

    assert f"({config['workers'] * config['threads']} with the defaults)" in security_section()


def test_every_webhook_target_the_section_names_is_refused(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True  # the spellings name link-local addresses
    urls = re.findall(r"`(https?://[^`]+)`", security_section())

    assert len(urls) >= 2
    for url in urls:
        with pytest.raises(UnsafeTargetError, match="169.254.169.254"):
            validate_target_url(url)


def test_a_read_only_key_is_refused_what_the_section_says_it_is(client, workspace, read_only_token):
    assert "webhooks, their delivery logs and API keys need a full-access key" in security_section()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {read_only_token}"}

    assert client.get("/rest/webhooks", **headers).status_code == 403
    assert client.get("/rest/people", **headers).status_code == 200
