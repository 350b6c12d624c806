"""The publisher: writes hand their endpoints to a thread of their process, which
publishes them (how a write's message reaches a worker, and what happens when the broker
does not take it, is in test_webhook_worker.py and test_webhook_nudges.py)."""

from __future__ import annotations

from webhooks.services.publisher import publisher


def test_each_process_gets_its_own_publisher(monkeypatch):
    parent = publisher()
    assert publisher() is parent

    monkeypatch.setattr("os.getpid", lambda: -1)  # as after a fork: the parent's thread is not there
    assert publisher() is not parent


def test_a_publisher_with_nothing_handed_over_is_flushed_at_once():
    assert publisher().flush(timeout=0.1)
