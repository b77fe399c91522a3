import re
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kamtibmas.areas.models import Area, AreaKind, AreaLevel, TimeZone
from kamtibmas.core.timefmt import format_local, format_local_date

# 10.10 WIB on Thursday 31 July 2025, the start of the Ngopi Kamtibmas in §1.
NGOPI = datetime(2025, 7, 31, 3, 10, tzinfo=UTC)


def test_the_dialogue_of_section_1_reads_as_the_press_release_wrote_it():
    assert format_local(NGOPI, zone=TimeZone.WIB, language="id") == (
        "Kamis, 31 Juli 2025 pukul 10.10 WIB"
    )


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Jakarta", "Kamis, 31 Juli 2025 pukul 10.10 WIB"),
        ("Asia/Makassar", "Kamis, 31 Juli 2025 pukul 11.10 WITA"),
        ("Asia/Jayapura", "Kamis, 31 Juli 2025 pukul 12.10 WIT"),
        ("WITA", "Kamis, 31 Juli 2025 pukul 11.10 WITA"),
        ("wit", "Kamis, 31 Juli 2025 pukul 12.10 WIT"),
        (None, "Kamis, 31 Juli 2025 pukul 10.10 WIB"),
    ],
)
def test_the_same_instant_in_each_indonesian_zone(zone, expected):
    assert format_local(NGOPI, zone=zone, language="id") == expected


def test_an_area_brings_its_own_zone():
    jayapura = Area(
        code="91.71",
        name="Jayapura",
        level=AreaLevel.REGENCY,
        kind=AreaKind.KOTA,
        timezone=TimeZone.WIT,
    )
    assert format_local(NGOPI, zone=jayapura, language="id").endswith("pukul 12.10 WIT")


def test_the_date_rolls_over_at_local_midnight_not_at_utc_midnight():
    late_evening_utc = datetime(2025, 7, 31, 15, 30, tzinfo=UTC)
    assert format_local(late_evening_utc, zone="Asia/Jakarta", language="id") == (
        "Kamis, 31 Juli 2025 pukul 22.30 WIB"
    )
    assert format_local(late_evening_utc, zone="Asia/Jayapura", language="id") == (
        "Jumat, 1 Agustus 2025 pukul 00.30 WIT"
    )
    assert format_local_date(late_evening_utc, zone="Asia/Jayapura", language="id") == (
        "Jumat, 1 Agustus 2025"
    )


def test_a_datetime_in_another_offset_is_converted_not_relabelled():
    in_bangkok = NGOPI.astimezone(timezone(timedelta(hours=7)))
    in_new_york = NGOPI.astimezone(ZoneInfo("America/New_York"))
    assert format_local(in_new_york, zone="WITA", language="id") == (
        format_local(in_bangkok, zone="WITA", language="id")
    )


def test_english_follows_the_active_language():
    with translation.override("en"):
        assert format_local(NGOPI, zone="Asia/Jakarta") == "Thursday, 31 July 2025 at 10:10 WIB"
        assert format_local(NGOPI, zone="Asia/Makassar") == "Thursday, 31 July 2025 at 11:10 WITA"
        assert format_local_date(NGOPI) == "Thursday, 31 July 2025"
    with translation.override("id"):
        assert format_local(NGOPI) == "Kamis, 31 Juli 2025 pukul 10.10 WIB"


def test_regional_language_variants_use_their_base_language():
    assert format_local(NGOPI, language="en-gb") == "Thursday, 31 July 2025 at 10:10 WIB"
    assert format_local(NGOPI, language="id-ID") == "Kamis, 31 Juli 2025 pukul 10.10 WIB"


def test_an_unsupported_language_falls_back_to_indonesian():
    assert format_local(NGOPI, language="ja") == "Kamis, 31 Juli 2025 pukul 10.10 WIB"


def test_a_plain_date_is_formatted_as_it_is():
    assert format_local_date(date(2025, 8, 17), language="id") == "Minggu, 17 Agustus 2025"


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive datetime"):
        format_local(datetime(2025, 7, 31, 10, 10))


def test_unknown_zones_are_refused():
    with pytest.raises(ValueError, match="Unknown Indonesian time zone 'Europe/Paris'"):
        format_local(NGOPI, zone="Europe/Paris")


def test_template_filters():
    template = Template(
        "{% load kamtibmas_time %}{{ when|local_datetime:area }}|{{ when|local_date:'WIT' }}"
        "|{{ when|local_datetime }}|{{ missing|local_datetime:area }}"
    )
    makassar = Area(
        code="73.71",
        name="Makassar",
        level=AreaLevel.REGENCY,
        kind=AreaKind.KOTA,
        timezone=TimeZone.WITA,
    )
    with translation.override("id"):
        rendered = template.render(Context({"when": NGOPI, "area": makassar}))
    assert rendered == (
        "Kamis, 31 Juli 2025 pukul 11.10 WITA|Kamis, 31 Juli 2025"
        "|Kamis, 31 Juli 2025 pukul 10.10 WIB|"
    )


_CLOCK = re.compile(r"(\d{2})[.:](\d{2}) (WIB|WITA|WIT)$")


@given(
    instant=st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(2100, 12, 31),
        timezones=st.just(UTC),
    ),
    zone=st.sampled_from(list(TimeZone)),
    language=st.sampled_from(["id", "en"]),
)
def test_output_ends_with_the_zone_and_round_trips_the_local_time(instant, zone, language):
    text = format_local(instant, zone=zone, language=language)
    match = _CLOCK.search(text)
    assert match is not None, text
    assert match.group(3) == zone.label
    local = instant.astimezone(ZoneInfo(zone.value))
    assert (int(match.group(1)), int(match.group(2))) == (local.hour, local.minute)
    assert text.startswith(format_local_date(instant, zone=zone, language=language))
