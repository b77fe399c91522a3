from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import translation

from kamtibmas.areas.services import area_rt_get_or_create, area_rw_get_or_create


@pytest.fixture
def area(bekasi) -> SimpleNamespace:
    """The Bekasi slice plus RW 001 of Kayuringin Jaya, RT 001 of RW 024 and RW 003
    of Margahayu (another Polsek)."""
    return SimpleNamespace(
        **vars(bekasi),
        rw001=area_rw_get_or_create(village=bekasi.kayuringin, number=1),
        rt001=area_rt_get_or_create(rw=bekasi.rw024, number=1),
        rw003_margahayu=area_rw_get_or_create(village=bekasi.margahayu, number=3),
    )


@pytest.fixture(autouse=True)
def english():
    """Assertions read the English message ids; the Indonesian ones come with the
    catalogue."""
    with translation.override("en"):
        yield
