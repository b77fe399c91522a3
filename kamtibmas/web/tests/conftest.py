"""Browser fixtures: Playwright's sync API driving Debian's Chromium, never a download.

``browser_page`` skips when ``/usr/bin/chromium`` or the ``playwright`` package is
missing, unless ``KAMTIBMAS_REQUIRE_BROWSER=1`` (CI), where a missing browser fails.
``KAMTIBMAS_CHROMIUM`` names another Chromium binary (other distributions).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.db import connections

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path(os.environ.get("KAMTIBMAS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-dev-shm-usage",
]
PHONE_VIEWPORT = {"width": 412, "height": 915}


def _browser_missing_reason() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture
def chromium(monkeypatch) -> Iterator[Browser]:
    """A headless Chromium for one test.

    Not session-scoped on purpose: while Playwright's sync API is alive its asyncio
    loop counts as running in this thread, and Django refuses ORM calls from a thread
    with a running loop unless DJANGO_ALLOW_ASYNC_UNSAFE is set; that must not leak
    into the tests that follow.
    """
    reason = _browser_missing_reason()
    if reason:
        if os.environ.get("KAMTIBMAS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"KAMTIBMAS_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    # Generous waits: CI machines are shared and a loaded core makes pages slow, not wrong.
    expect.set_options(timeout=15_000)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
        # ORM calls made while Playwright's loop runs get their own connections
        # (asgiref keys them by async context); close them here, in that context.
        connections.close_all()


def phone_page(chromium, live_server, *, service_workers: str = "block") -> Iterator[Page]:
    """A fresh phone-sized page whose relative URLs go to ``live_server``; nothing
    leaves the machine (any request to another origin is aborted as a bug)."""
    context = chromium.new_context(
        base_url=live_server.url,
        viewport=PHONE_VIEWPORT,
        locale="id-ID",
        service_workers=service_workers,
    )
    context.route(lambda url: not url.startswith(live_server.url), lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture
def browser_page(chromium, live_server) -> Iterator[Page]:
    """A phone page with service workers blocked (they would cache between tests)."""
    yield from phone_page(chromium, live_server)
