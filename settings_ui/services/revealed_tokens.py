"""A new API key's token travels from the POST that made it to the page that shows it
through the session, and is removed as soon as that page reads it: it is shown once
and kept nowhere after."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.base import SessionBase

SESSION_KEY = "revealed_api_tokens"


def stash_token(session: SessionBase, key_id: Any, token: str) -> None:
    pending = dict(session.get(SESSION_KEY, {}))
    pending[str(key_id)] = token
    session[SESSION_KEY] = pending


def take_token(session: SessionBase, key_id: Any) -> str | None:
    """The token waiting for this key, removed from the session; None once it has been shown."""
    pending = dict(session.get(SESSION_KEY, {}))
    token = pending.pop(str(key_id), None)
    if token is not None:
        if pending:
            session[SESSION_KEY] = pending
        else:
            del session[SESSION_KEY]
    return token
