"""The iCalendar form of announced dialogues (``engagements.ical``), read back with
icalendar's own parser: local times in WIB, WITA and WIT, stable UIDs, cancellations,
revisions, and nothing personal."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from kamtibmas.areas.models import AreaKind, AreaLevel, UnitKind
from kamtibmas.areas.services import area_create, unit_create
from kamtibmas.engagements.ical import (
    CalendarEntry,
    calendar_build,
    dialogue_entry,
    dialogue_uid,
    sequence_for,
)
from kamtibmas.engagements.models import Dialogue, DialogueType, OutreachTopic
from kamtibmas.engagements.selectors import dialogue_public_places
from kamtibmas.engagements.services import (
    attendee_sign_in,
    dialogue_cancel,
    dialogue_record_past,
    dialogue_set_attendance,
    dialogue_set_minutes,
    dialogue_topic_set,
    dialogue_update,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
REFERENCE_START_UTC = datetime(2025, 7, 31, 3, 10, tzinfo=UTC)


def calendar_of(*dialogues, language: str = "id") -> bytes:
    with translation.override(language):
        places = dialogue_public_places(list(dialogues))
        entries = [
            dialogue_entry(
                dialogue,
                host="kamtibmas.example",
                url=f"https://kamtibmas.example/events/{dialogue.pk}/",
                place=str(places[dialogue.area_id]),
            )
            for dialogue in dialogues
        ]
        return calendar_build(entries, name="Dialog Kamtibmas", uid="dialogues@kamtibmas.example")


def parsed(body: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(body)


def start_of(event: icalendar.Event) -> datetime:
    start = event.start
    assert isinstance(start, datetime), "a timed event, not an all-day one"
    return start


def end_of(event: icalendar.Event) -> datetime:
    end = event.end
    assert isinstance(end, datetime), "a timed event, not an all-day one"
    return end


def only_event(body: bytes) -> icalendar.Event:
    (event,) = parsed(body).events
    return event


@pytest.fixture
def eastern(db, bekasi):
    """A kelurahan in Denpasar (Bali, WITA) and one in Jayapura (Papua, WIT), each with
    its Polresta, built through the services."""

    def chain(province_code: str, names: tuple[str, str, str, str]):
        province = area_create(
            code=province_code,
            name=names[0],
            level=AreaLevel.PROVINCE,
            kind=AreaKind.PROVINSI,
            parent=None,
        )
        city = area_create(
            code=f"{province_code}.71",
            name=names[1],
            level=AreaLevel.REGENCY,
            kind=AreaKind.KOTA,
            parent=province,
        )
        district = area_create(
            code=f"{province_code}.71.01",
            name=names[2],
            level=AreaLevel.DISTRICT,
            kind=AreaKind.KECAMATAN,
            parent=city,
        )
        village = area_create(
            code=f"{province_code}.71.01.1001",
            name=names[3],
            level=AreaLevel.VILLAGE,
            kind=AreaKind.KELURAHAN,
            parent=district,
        )
        unit = unit_create(
            name=names[1].replace("Kota", "Polresta"), kind=UnitKind.POLRES, coverage=[city]
        )
        return village, unit

    bali, denpasar_police = chain("51", ("Bali", "Kota Denpasar", "Denpasar Selatan", "Sesetan"))
    papua, jayapura_police = chain(
        "91", ("Papua", "Kota Jayapura", "Jayapura Utara", "Bhayangkara")
    )
    ngopi = DialogueType.objects.get(code="ngopi_kamtibmas")

    def held(area, unit, title):
        return dialogue_record_past(
            actor=bekasi.admin,
            type=ngopi,
            title=title,
            area=area,
            unit=unit,
            venue_name="Balai banjar",
            start=REFERENCE_START_UTC,
            end=REFERENCE_START_UTC + timedelta(hours=2),
        )

    return (
        held(bali, denpasar_police, "Ngopi Kamtibmas Sesetan"),
        held(papua, jayapura_police, "Ngopi Kamtibmas Bhayangkara"),
    )


# The reference dialogue -------------------------------------------------------------


def test_the_reference_dialogue_starts_at_ten_past_ten_in_jakarta(ngopi):
    body = calendar_of(ngopi)
    event = only_event(body)

    assert event.start == datetime(2025, 7, 31, 10, 10, tzinfo=JAKARTA)
    assert start_of(event).astimezone(UTC) == REFERENCE_START_UTC
    assert end_of(event).astimezone(UTC) == datetime(2025, 7, 31, 5, 0, tzinfo=UTC)
    assert event["DTSTART"].params["TZID"] == "Asia/Jakarta"
    assert b"DTSTART;TZID=Asia/Jakarta:20250731T101000\r\n" in body
    (zone,) = parsed(body).timezones
    assert zone.tz_name == "Asia/Jakarta"
    assert zone.to_tz().utcoffset(datetime(2025, 7, 31, 10, 10)) == timedelta(hours=7)


def test_a_calendar_is_a_valid_rfc5545_document(ngopi):
    body = calendar_of(ngopi)
    calendar = parsed(body)

    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in body.split(b"\r\n")), "lines are folded at 75 octets"
    assert calendar["VERSION"] == "2.0"
    assert calendar.prodid.startswith("-//Kamtibmas//")
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar.refresh_interval == timedelta(hours=1), "phones poll hourly"
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in body
    event = calendar.events[0]
    for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
        assert required in event, required
    assert calendar.get_missing_tzids() == set(), "every TZID has its VTIMEZONE"


def test_the_event_says_what_where_and_who_organises(ngopi, bekasi):
    unit = bekasi.polsek_selatan
    unit.phone = "(021) 8841234"
    unit.save()
    ngopi.refresh_from_db()
    dialogue_topic_set(dialogue=ngopi, topic=OutreachTopic.objects.get(code="narkoba"))
    dialogue_set_attendance(dialogue=ngopi, residents=25, leaders=4, children=1)

    event = only_event(calendar_of(ngopi))

    assert event["SUMMARY"] == "Ngopi Kamtibmas bersama warga RW 024"
    assert event["LOCATION"] == (
        "Slum Area samping lokasi setempat, RT 001/RW 024, Kelurahan Kayuringin Jaya, "
        "Kecamatan Bekasi Selatan, Kota Bekasi"
    )
    assert event["URL"] == f"https://kamtibmas.example/events/{ngopi.pk}/"
    assert event["CONTACT"] == "Polsek Bekasi Selatan, (021) 8841234"
    assert event.categories == ["Ngopi Kamtibmas"]
    assert event["STATUS"] == "CONFIRMED"
    assert event["TRANSP"] == "TRANSPARENT"
    description = str(event["DESCRIPTION"])
    assert "Bahaya penyalahgunaan narkoba" in description


def test_the_description_follows_the_language(ngopi):
    dialogue_topic_set(dialogue=ngopi, topic=OutreachTopic.objects.get(code="narkoba"))
    dialogue_set_attendance(dialogue=ngopi, residents=25, leaders=4, children=1)
    event = only_event(calendar_of(ngopi, language="en"))
    assert str(event["DESCRIPTION"]).splitlines() == [
        "Ngopi Kamtibmas (coffee dialogue) · Held",
        "Organised by Polsek Bekasi Selatan",
        "Outreach topics: Dangers of drug abuse",
        "Attendance: 30",
        f"https://kamtibmas.example/events/{ngopi.pk}/",
    ]
    assert event.categories == ["Ngopi Kamtibmas (coffee dialogue)"]


def test_places_are_named_from_the_rt_up_to_the_city_in_one_query(
    ngopi, planned, eastern, bekasi, django_assert_num_queries
):
    at_rw = dialogue_record_past(
        actor=bekasi.officer_selatan,
        type=DialogueType.objects.get(code="jumat_curhat"),
        title="Jumat Curhat RW 024",
        area=bekasi.rw024,
        unit=bekasi.polsek_selatan,
        venue_name="Balai RW 024",
        start=REFERENCE_START_UTC,
        end=REFERENCE_START_UTC + timedelta(hours=1),
    )
    dialogues = list(
        Dialogue.objects.filter(pk__in=[ngopi.pk, planned.pk, at_rw.pk, eastern[0].pk])
        .select_related("area")
        .order_by("pk")
    )
    with translation.override("id"), django_assert_num_queries(1):
        places = dialogue_public_places(dialogues)
        names = [str(places[dialogue.area_id]) for dialogue in dialogues]

    assert names == [
        "RT 001/RW 024, Kelurahan Kayuringin Jaya, Kecamatan Bekasi Selatan, Kota Bekasi",
        "Kelurahan Margahayu, Kecamatan Bekasi Timur, Kota Bekasi",
        "Kelurahan Sesetan, Kecamatan Denpasar Selatan, Kota Denpasar",
        "RW 024, Kelurahan Kayuringin Jaya, Kecamatan Bekasi Selatan, Kota Bekasi",
    ]
    assert places[planned.area_id].short == "Kelurahan Margahayu, Kecamatan Bekasi Timur"
    assert places[ngopi.area_id].neighbourhood == "RT 001/RW 024"


# Time zones -------------------------------------------------------------------------


def test_dialogues_in_bali_and_papua_keep_their_own_local_time(eastern):
    in_bali, in_papua = eastern
    body = calendar_of(in_bali, in_papua)
    calendar = parsed(body)
    by_uid = {event.uid: event for event in calendar.events}

    bali = by_uid[dialogue_uid(in_bali.pk, "kamtibmas.example")]
    papua = by_uid[dialogue_uid(in_papua.pk, "kamtibmas.example")]
    assert bali["DTSTART"].params["TZID"] == "Asia/Makassar"
    assert bali.start == datetime(2025, 7, 31, 11, 10, tzinfo=ZoneInfo("Asia/Makassar"))
    assert papua["DTSTART"].params["TZID"] == "Asia/Jayapura"
    assert papua.start == datetime(2025, 7, 31, 12, 10, tzinfo=ZoneInfo("Asia/Jayapura"))
    assert start_of(bali).astimezone(UTC) == start_of(papua).astimezone(UTC) == REFERENCE_START_UTC
    assert b"DTSTART;TZID=Asia/Makassar:20250731T111000\r\n" in body
    assert b"DTSTART;TZID=Asia/Jayapura:20250731T121000\r\n" in body
    assert sorted(zone.tz_name for zone in calendar.timezones) == [
        "Asia/Jayapura",
        "Asia/Makassar",
    ]
    offsets = {
        zone.tz_name: zone.to_tz().utcoffset(datetime(2025, 7, 31)) for zone in calendar.timezones
    }
    assert offsets == {"Asia/Makassar": timedelta(hours=8), "Asia/Jayapura": timedelta(hours=9)}


def entry(start: datetime, zone: str, **overrides: Any) -> CalendarEntry:
    plain = CalendarEntry(
        uid="dialogue-1@kamtibmas.example",
        summary="Ngopi",
        start=start,
        end=start + timedelta(hours=2),
        zone=zone,
        cancelled=False,
        created=datetime(2025, 7, 1, tzinfo=UTC),
        updated=datetime(2025, 7, 2, tzinfo=UTC),
    )
    return replace(plain, **overrides)


@given(
    start=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]),
)
def test_any_instant_survives_the_round_trip_in_any_indonesian_zone(start, zone):
    body = calendar_build([entry(start, zone)], name="x", uid="x@kamtibmas.example")
    event = only_event(body)
    assert start_of(event).astimezone(UTC) == start.replace(microsecond=0)
    assert start_of(event).tzinfo is not None
    assert start_of(event).utcoffset() == start.astimezone(ZoneInfo(zone)).utcoffset()
    assert event.end > event.start


def test_an_end_before_the_start_never_makes_a_negative_event():
    start = datetime(2025, 7, 31, 3, 10, tzinfo=UTC)
    event = only_event(
        calendar_build(
            [entry(start, "Asia/Jakarta", end=start - timedelta(minutes=30))],
            name="x",
            uid="x@kamtibmas.example",
        )
    )
    assert event.end - event.start == timedelta(hours=1)


# Identity and revisions -------------------------------------------------------------


def test_uids_name_the_dialogue_and_the_site_only(ngopi):
    event = only_event(calendar_of(ngopi))
    assert event.uid == f"dialogue-{ngopi.pk}@kamtibmas.example"


def test_the_same_data_gives_the_same_bytes(ngopi, planned):
    assert calendar_of(ngopi, planned) == calendar_of(ngopi, planned)


def test_a_change_raises_the_sequence_and_the_last_modified_time(planned, bekasi):
    # Planned an hour ago (SEQUENCE counts whole seconds).
    Dialogue.objects.filter(pk=planned.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    planned.refresh_from_db()
    before = only_event(calendar_of(planned))
    dialogue_update(actor=bekasi.officer_timur, dialogue=planned, venue_name="Aula Kelurahan")
    planned.refresh_from_db()
    after = only_event(calendar_of(planned))

    assert after.uid == before.uid
    assert after.sequence > before.sequence
    assert after.last_modified == planned.updated_at.replace(microsecond=0)
    assert after.stamp == after.last_modified
    assert str(after.location).startswith("Aula Kelurahan, ")


def test_sequence_numbers_grow_with_time_and_fit_32_bits():
    first = sequence_for(datetime(2025, 7, 31, 3, 10, tzinfo=UTC))
    assert first < sequence_for(datetime(2025, 7, 31, 3, 10, 1, tzinfo=UTC))
    assert sequence_for(datetime(2090, 12, 31, tzinfo=UTC)) < 2**31
    assert sequence_for(datetime(2020, 1, 1, tzinfo=UTC)) == 0


# Cancellations and privacy ----------------------------------------------------------


def test_a_cancelled_dialogue_stays_in_the_calendar_marked_cancelled(planned):
    planned = dialogue_cancel(dialogue=planned, reason="Hujan deras dan banjir")
    event = only_event(calendar_of(planned))

    assert event["STATUS"] == "CANCELLED"
    assert "Hujan deras dan banjir" in str(event["DESCRIPTION"])
    assert "Jumat Curhat Margahayu" in str(event["SUMMARY"])
    assert str(event["SUMMARY"]) != "Jumat Curhat Margahayu", "the title says it is cancelled"


def test_nothing_personal_reaches_the_calendar(ngopi, bekasi):
    host = bekasi.officer_selatan
    host.first_name, host.last_name = "Siti", "Rahmawati"
    host.save()
    attendee_sign_in(dialogue=ngopi, name="Budi Santoso", phone="0812-3456-7890", consent=True)
    dialogue_set_minutes(dialogue=ngopi, minutes="Warga mengeluhkan parkir liar di gang 3.")

    body = calendar_of(ngopi).decode()

    for secret in (
        "Siti",
        "Rahmawati",
        "bhabin.selatan",
        "Budi Santoso",
        "3456",
        "parkir liar",
        "106.98",
        "-6.24",
    ):
        assert secret not in body, secret
