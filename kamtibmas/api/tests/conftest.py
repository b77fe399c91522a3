"""Fixtures of the API tests. The browser comes from the web tests' fixtures."""

from __future__ import annotations

from kamtibmas.web.tests.conftest import chromium  # noqa: F401  (a fixture)
