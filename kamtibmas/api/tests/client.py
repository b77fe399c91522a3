"""Test clients of the API: one per user, carrying a fresh API token."""

from __future__ import annotations

from typing import Any

from django.test import Client

from kamtibmas.accounts.services import api_token_issue


def api_client(user: Any, *, language: str | None = None) -> Client:
    """A client that sends ``Authorization: Bearer kmt_…`` of a new token of ``user``."""
    _token, raw = api_token_issue(user=user, name="tests")
    headers = {"Authorization": f"Bearer {raw}"}
    if language:
        headers["Accept-Language"] = language
    return Client(headers=headers)


def send(client: Client, method: str, url: str, body: Any = None, **extra: Any) -> Any:
    """``client.<method>(url, body)`` with a JSON body (none for GET and DELETE)."""
    call = getattr(client, method.lower())
    if method.upper() in {"GET", "DELETE"}:
        return call(url, **extra)
    return call(url, body if body is not None else {}, content_type="application/json", **extra)
