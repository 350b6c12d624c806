"""Sending REST requests in tests: JSON bodies when there is one, nothing otherwise."""

from __future__ import annotations

from typing import Any

from django.test import Client


def send(api: Client, method: str, path: str, body: object = None) -> Any:
    if body is None:
        return getattr(api, method)(path)
    return getattr(api, method)(path, body, content_type="application/json")


def post(api: Client, path: str, body: object = None) -> Any:
    return send(api, "post", path, body)


def patch(api: Client, path: str, body: object) -> Any:
    return send(api, "patch", path, body)
