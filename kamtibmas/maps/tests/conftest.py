"""A map's worth of Kota Bekasi, built through the services: the §1 dialogue in
RT 001/RW 024 Kayuringin Jaya with its inspection, a dialogue in Margahayu without
coordinates, and aspirations of every privacy mode, some of them in a kelurahan
(Pekayon Jaya) where nothing public is known."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from kamtibmas.areas.models import AreaKind, AreaLevel
from kamtibmas.areas.services import area_create, area_rt_get_or_create
from kamtibmas.aspirations.models import Privacy, Source
from kamtibmas.aspirations.services import aspiration_submit
from kamtibmas.engagements.models import DialogueType, FindingResult, InspectionItem
from kamtibmas.engagements.services import FindingInput, dialogue_record_past, inspection_record

# The exact places of the non-public cases: they must never appear on a map.
SECRET_CONFIDENTIAL = (-6.239173, 106.976831)
SECRET_ANONYMOUS = (-6.251391, 106.993617)
SECRET_PEKAYON = (-6.264171, 106.972334)
PUBLIC_CASE = (-6.246113, 106.988221)
NGOPI = (-6.2449, 106.9873)
# What the non-public cases' reporters and words must never leak.
PERSONAL = [
    "Siti Rahasia",
    "081298765432",
    "Rudi Tersembunyi",
    "081377775555",
    "SENTINEL-CONFIDENTIAL",
    "SENTINEL-ANONYMOUS",
    "SENTINEL-PEKAYON",
    "SENTINEL-NOTE",
]


def submit(area, privacy, text, *, category="lingkungan", at=None, **extra):
    latitude, longitude = at if at else (None, None)
    return aspiration_submit(
        text=text,
        area=area,
        privacy=privacy,
        source=Source.WEB,
        category=category,
        urgency="sedang",
        latitude=latitude,
        longitude=longitude,
        **extra,
    ).aspiration


@pytest.fixture
def mapdata(bekasi):
    rt001 = area_rt_get_or_create(rw=bekasi.rw024, number=1)
    pekayon = area_create(
        code="32.75.04.1004",
        name="Pekayon Jaya",
        level=AreaLevel.VILLAGE,
        kind=AreaKind.KELURAHAN,
        parent=bekasi.selatan,
    )
    ngopi = dialogue_record_past(
        actor=bekasi.officer_selatan,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi Kamtibmas bersama warga RW 024",
        area=rt001,
        unit=bekasi.polsek_selatan,
        venue_name="Slum Area samping lokasi setempat",
        start=datetime(2025, 7, 31, 3, 10, tzinfo=UTC),
        end=datetime(2025, 7, 31, 5, 0, tzinfo=UTC),
        latitude=NGOPI[0],
        longitude=NGOPI[1],
    )
    inspection_record(
        actor=bekasi.officer_selatan,
        dialogue=ngopi,
        inspected_at=datetime(2025, 7, 31, 5, 30, tzinfo=UTC),
        findings=[
            FindingInput(
                item=InspectionItem.objects.get(code="penerangan_jalan"),
                result=FindingResult.PROBLEM,
                note="Lampu gang mati, kata Pak Rudi Tersembunyi SENTINEL-NOTE",
            ),
            FindingInput(
                item=InspectionItem.objects.get(code="cctv"),
                result=FindingResult.OK,
            ),
        ],
    )
    curhat = dialogue_record_past(
        actor=bekasi.officer_timur,
        type=DialogueType.objects.get(code="jumat_curhat"),
        title="Jumat Curhat Margahayu",
        area=bekasi.margahayu,
        unit=bekasi.polsek_timur,
        venue_name="Masjid Al-Ikhlas",
        start=datetime(2025, 8, 8, 6, 0, tzinfo=UTC),
        end=datetime(2025, 8, 8, 8, 0, tzinfo=UTC),
    )
    public_case = submit(
        rt001,
        Privacy.PUBLIC,
        "Lampu jalan di gang RT 001 mati sudah seminggu.",
        at=PUBLIC_CASE,
        reporter_name="Budi Santoso",
        reporter_phone="0812-3456-7890",
    )
    confidential = submit(
        rt001,
        Privacy.CONFIDENTIAL,
        "Ada peredaran narkoba di gang belakang SENTINEL-CONFIDENTIAL.",
        category="narkoba",
        at=SECRET_CONFIDENTIAL,
        reporter_name="Siti Rahasia",
        reporter_phone="081298765432",
    )
    anonymous = submit(
        rt001,
        Privacy.ANONYMOUS,
        "Sering ada balap liar tengah malam SENTINEL-ANONYMOUS.",
        category="remaja",
        at=SECRET_ANONYMOUS,
    )
    margahayu_case = submit(bekasi.margahayu, Privacy.PUBLIC, "Saluran air tersumbat di Margahayu.")
    pekayon_grid = submit(
        pekayon,
        Privacy.CONFIDENTIAL,
        "Pemalakan di pasar SENTINEL-PEKAYON.",
        category="ketertiban",
        at=SECRET_PEKAYON,
        reporter_name="Rudi Tersembunyi",
        reporter_phone="081377775555",
    )
    pekayon_nowhere = submit(
        pekayon, Privacy.ANONYMOUS, "Ada pencurian motor di parkiran.", category="pencurian"
    )
    return SimpleNamespace(
        **vars(bekasi),
        rt001=rt001,
        pekayon=pekayon,
        ngopi=ngopi,
        curhat=curhat,
        public_case=public_case,
        confidential=confidential,
        anonymous=anonymous,
        margahayu_case=margahayu_case,
        pekayon_grid=pekayon_grid,
        pekayon_nowhere=pekayon_nowhere,
    )
