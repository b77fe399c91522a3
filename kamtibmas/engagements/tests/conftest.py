"""Dialogues for the engagement tests, built through the services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from kamtibmas.areas.services import area_rt_get_or_create
from kamtibmas.engagements.models import DialogueType
from kamtibmas.engagements.services import dialogue_plan, dialogue_record_past


@pytest.fixture
def rt001(bekasi):
    return area_rt_get_or_create(rw=bekasi.rw024, number=1)


@pytest.fixture
def ngopi(bekasi, rt001):
    """The reference dialogue of 31 July 2025, 10.10 WIB (03.10 UTC), as held."""
    return dialogue_record_past(
        actor=bekasi.officer_selatan,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi Kamtibmas bersama warga RW 024",
        area=rt001,
        unit=bekasi.polsek_selatan,
        venue_name="Slum Area samping lokasi setempat",
        start=datetime(2025, 7, 31, 3, 10, tzinfo=UTC),
        end=datetime(2025, 7, 31, 5, 0, tzinfo=UTC),
        latitude=-6.2449,
        longitude=106.9873,
    )


@pytest.fixture
def planned(bekasi):
    """A Jumat Curhat next week in Margahayu, organised by Polsek Bekasi Timur."""
    start = (timezone.now() + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    return dialogue_plan(
        actor=bekasi.officer_timur,
        type=DialogueType.objects.get(code="jumat_curhat"),
        title="Jumat Curhat Margahayu",
        area=bekasi.margahayu,
        unit=bekasi.polsek_timur,
        venue_name="Masjid Al-Ikhlas",
        planned_start=start,
        planned_end=start + timedelta(hours=2),
    )
