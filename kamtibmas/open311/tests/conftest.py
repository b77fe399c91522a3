"""Open311 fixtures: the Bekasi slice with a kelurahan office, a partner's API key,
and a client that posts forms the way Open311 clients do."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.test import Client

from kamtibmas.areas.models import UnitKind
from kamtibmas.areas.services import unit_create
from kamtibmas.open311.services import api_key_create

BASE = "/open311/v2"
KAYURINGIN = "32.75.04.1005"
MARGAHAYU = "32.75.01.1002"


@pytest.fixture(autouse=True)
def fresh_throttles() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def o311(bekasi) -> SimpleNamespace:
    kelurahan = unit_create(
        name="Kelurahan Kayuringin Jaya",
        kind=UnitKind.KELURAHAN,
        coverage=[bekasi.kayuringin],
        area=bekasi.kayuringin,
    )
    key, raw = api_key_create(name="Aplikasi Warga Bekasi")
    return SimpleNamespace(**vars(bekasi), kelurahan=kelurahan, key=key, raw_key=raw)


def form(**fields: Any) -> dict[str, Any]:
    """A request that places a case in Kayuringin Jaya with sane defaults."""
    data: dict[str, Any] = {
        "service_code": "lingkungan",
        "address_id": KAYURINGIN,
        "description": "Lampu jalan di gang RT 001 mati sudah seminggu, rawan begal.",
    }
    data.update(fields)
    return {name: value for name, value in data.items() if value is not None}


class Open311Client:
    """Django's test client speaking Open311: English messages, form-encoded posts."""

    def __init__(self, language: str = "en") -> None:
        self.client = Client(HTTP_ACCEPT_LANGUAGE=language)

    def get(self, path: str, params: dict[str, Any] | str | None = None, **extra: Any) -> Any:
        query = params if isinstance(params, str) else urlencode(params or {}, doseq=True)
        return self.client.get(f"{BASE}/{path}" + (f"?{query}" if query else ""), **extra)

    def post(
        self,
        path: str,
        data: dict[str, Any] | list[tuple[str, Any]] | bytes | str,
        *,
        query: str = "",
        content_type: str = "application/x-www-form-urlencoded",
        **extra: Any,
    ) -> Any:
        body = data if isinstance(data, bytes | str) else urlencode(data, doseq=True)
        url = f"{BASE}/{path}" + (f"?{query}" if query else "")
        return self.client.post(url, body, content_type=content_type, **extra)

    def post_multipart(self, path: str, data: dict[str, Any], **extra: Any) -> Any:
        return self.client.post(f"{BASE}/{path}", data, **extra)


@pytest.fixture
def api() -> Open311Client:
    return Open311Client()
