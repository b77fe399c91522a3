"""Public pages of dialogues: /events/, /events/<id>/, /events.ics and /events/<id>.ics
(§4 C1, §6). Only announced dialogues, nothing personal, local times, a feed that
phone calendars can subscribe to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import timezone

from kamtibmas.core.timefmt import format_local
from kamtibmas.engagements.models import DialogueType, OutreachTopic
from kamtibmas.engagements.services import (
    attendee_sign_in,
    checkin_code_issue,
    dialogue_cancel,
    dialogue_official_add,
    dialogue_plan,
    dialogue_record_past,
    dialogue_set_attendance,
    dialogue_set_minutes,
    dialogue_topic_set,
)
from kamtibmas.engagements.tests import conftest as engagement_fixtures
from kamtibmas.engagements.tests.test_ical import start_of
from kamtibmas.web.tests.test_views import PAGE_BUDGET_BYTES, assert_no_inline_code, parse

rt001 = engagement_fixtures.rt001
ngopi = engagement_fixtures.ngopi
planned = engagement_fixtures.planned

ENGLISH = {"cookie": f"{settings.LANGUAGE_COOKIE_NAME}=en"}
ICS = "text/calendar; charset=utf-8"


def days_ago_at_ten_past_ten_wib(days: int) -> datetime:
    """10.10 WIB (03.10 UTC) on a day ``days`` before today."""
    day = (timezone.now() - timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, 3, 10, tzinfo=UTC)


@pytest.fixture
def recent(bekasi, rt001):
    """A Ngopi Kamtibmas held three days ago at 10.10 WIB, with topics and attendance."""
    start = days_ago_at_ten_past_ten_wib(3)
    dialogue = dialogue_record_past(
        actor=bekasi.officer_selatan,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi Kamtibmas RT 001",
        area=rt001,
        unit=bekasi.polsek_selatan,
        venue_name="Warung Bu Ani",
        start=start,
        end=start + timedelta(hours=2),
    )
    dialogue_topic_set(dialogue=dialogue, topic=OutreachTopic.objects.get(code="tawuran"))
    return dialogue_set_attendance(dialogue=dialogue, residents=20, leaders=3, children=2)


@pytest.fixture
def cancelled(bekasi):
    start = (timezone.now() + timedelta(days=10)).replace(minute=0, second=0, microsecond=0)
    dialogue = dialogue_plan(
        actor=bekasi.officer_selatan,
        type=DialogueType.objects.get(code="minggu_kasih"),
        title="Minggu Kasih Kayuringin",
        area=bekasi.kayuringin,
        unit=bekasi.polsek_selatan,
        venue_name="Lapangan RW 024",
        planned_start=start,
        planned_end=start + timedelta(hours=2),
    )
    return dialogue_cancel(dialogue=dialogue, reason="Lapangan dipakai untuk vaksinasi")


@pytest.fixture
def home_visit(bekasi, rt001):
    """A sambang: not announced (its type is not public by default)."""
    start = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    return dialogue_plan(
        actor=bekasi.officer_selatan,
        type=DialogueType.objects.get(code="sambang"),
        title="Sambang rumah Pak Darto",
        area=rt001,
        unit=bekasi.polsek_selatan,
        venue_name="Rumah warga, Gang Melati 7",
        planned_start=start,
        planned_end=start + timedelta(hours=1),
        latitude=-6.2451,
        longitude=106.9871,
    )


def texts(page, css_class: str) -> list[str]:
    return [
        " ".join(e.text.split()) for e in page.elements if css_class in e.attrs.get("class", "")
    ]


def feed_events(response) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event.uid): event for event in calendar.events}


# /events/ ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_events_page_lists_what_is_coming_and_what_was_recently_held(
    client, planned, recent, cancelled, home_visit
):
    response = client.get("/events/", headers=ENGLISH)
    page = parse(response)

    assert response.status_code == 200
    upcoming, held = page.all("ul", class_="event-list")
    upcoming_titles = [" ".join(a.text.split()) for a in page.all("a", inside=upcoming)]
    assert upcoming_titles == ["Jumat Curhat Margahayu", "Minggu Kasih Kayuringin"]
    assert [" ".join(a.text.split()) for a in page.all("a", inside=held)] == [
        "Ngopi Kamtibmas RT 001"
    ]
    assert page.one("a", href=f"/events/{planned.pk}/")
    text = page.text
    assert format_local(planned.planned_start, zone=planned.area, language="en") in text
    assert format_local(recent.start, zone=recent.area, language="en") in text
    assert "Masjid Al-Ikhlas, Urban ward Margahayu, District Bekasi Timur" in text
    (cancelled_item,) = page.all("li", class_="event event--cancelled")
    assert "Cancelled" in cancelled_item.text
    assert "Sambang" not in text and "Gang Melati" not in text


@pytest.mark.django_db
def test_events_page_is_indonesian_with_local_times(client, planned):
    page = parse(client.get("/events/"))
    assert page.one("html").attrs["lang"] == "id"
    assert format_local(planned.planned_start, zone=planned.area, language="id") in page.text
    assert "Kelurahan Margahayu, Kecamatan Bekasi Timur" in page.text


@pytest.mark.django_db
def test_events_page_offers_the_calendar_feed_to_subscribe(client):
    page = parse(client.get("/events/", headers=ENGLISH))
    assert page.one("a", href="webcal://testserver/events.ics").text.strip() == (
        "Add to my calendar"
    )
    assert page.one("a", href="http://testserver/events.ics")


@pytest.mark.django_db
def test_events_page_costs_the_same_few_queries_however_many_dialogues(
    client, django_assert_num_queries, planned, recent, bekasi
):
    with django_assert_num_queries(3):  # upcoming, recent, their places
        client.get("/events/")
    for number in range(2, 7):
        start = days_ago_at_ten_past_ten_wib(number + 3)
        dialogue_record_past(
            actor=bekasi.officer_timur,
            type=DialogueType.objects.get(code="jumat_curhat"),
            title=f"Jumat Curhat {number}",
            area=bekasi.margahayu,
            unit=bekasi.polsek_timur,
            venue_name="Masjid",
            start=start,
            end=start + timedelta(hours=1),
        )
    with django_assert_num_queries(3):
        response = client.get("/events/")
    assert len(parse(response).all("li", class_="event")) == 7


@pytest.mark.django_db
def test_events_page_without_dialogues_says_so(client):
    page = parse(client.get("/events/", headers=ENGLISH))
    assert "No dialogues are announced yet." in page.text
    assert not page.all("ul", class_="event-list")


# /events/<id>/ ----------------------------------------------------------------------


@pytest.mark.django_db
def test_event_page_tells_a_resident_when_where_and_who(client, ngopi, bekasi):
    unit = bekasi.polsek_selatan
    unit.phone, unit.address = "(021) 8841234", "Jl. Ahmad Yani No. 1, Bekasi"
    unit.save()
    dialogue_topic_set(dialogue=ngopi, topic=OutreachTopic.objects.get(code="narkoba"))
    dialogue_topic_set(dialogue=ngopi, topic=OutreachTopic.objects.get(code="jam_belajar_malam"))
    dialogue_set_attendance(dialogue=ngopi, residents=25, leaders=4, children=1)
    dialogue_official_add(dialogue=ngopi, position="Ketua RW 024", name="H. Sutisna")

    response = client.get(f"/events/{ngopi.pk}/")
    page = parse(response)
    text = page.text

    assert response.status_code == 200
    assert page.one("h1").text == "Ngopi Kamtibmas bersama warga RW 024"
    assert "Ngopi Kamtibmas" in texts(page, "event__kind")[0]
    assert "Kamis, 31 Juli 2025 pukul 10.10 WIB" in text
    assert "Kamis, 31 Juli 2025 pukul 12.00 WIB" in text
    assert page.one("time", datetime="2025-07-31T03:10:00+00:00")
    assert "Slum Area samping lokasi setempat" in text
    assert "RT 001/RW 024, Kelurahan Kayuringin Jaya" in text
    assert "Kecamatan Bekasi Selatan, Kota Bekasi" in text
    assert "Polsek Bekasi Selatan" in text
    assert page.one("a", href="tel:(021) 8841234")
    assert "Jl. Ahmad Yani No. 1, Bekasi" in text
    topics = [
        " ".join(li.text.split()) for li in page.all("li", inside=page.one("ul", class_="topics"))
    ]
    assert topics == ["Bahaya penyalahgunaan narkoba", "Jam belajar malam"]
    assert "Ketua RW 024" in text
    assert page.one("a", href=f"/events/{ngopi.pk}.ics")


@pytest.mark.django_db
def test_event_page_in_english_gives_attendance_totals(client, ngopi):
    dialogue_set_attendance(dialogue=ngopi, residents=25, leaders=4, children=1)
    text = parse(client.get(f"/events/{ngopi.pk}/", headers=ENGLISH)).text
    assert "Thursday, 31 July 2025 at 10:10 WIB" in text
    assert "30 people" in text
    assert "Residents: 25 · Community leaders: 4 · Children: 1" in text
    assert "Held" in text


@pytest.mark.django_db
def test_event_page_shows_no_personal_data(client, ngopi, bekasi):
    host = bekasi.officer_selatan
    host.first_name, host.last_name, host.rank = "Siti", "Rahmawati", "Aipda"
    host.save()
    attendee_sign_in(dialogue=ngopi, name="Budi Santoso", phone="0812-3456-7890", consent=True)
    dialogue_set_minutes(dialogue=ngopi, minutes="Warga mengeluhkan parkir liar di gang 3.")
    dialogue_official_add(dialogue=ngopi, position="Ketua RW 024", name="H. Sutisna")

    pages = {
        "event": client.get(f"/events/{ngopi.pk}/").content.decode(),
        "event in English": client.get(f"/events/{ngopi.pk}/", headers=ENGLISH).content.decode(),
        "list": client.get("/events/").content.decode(),
        "event calendar": client.get(f"/events/{ngopi.pk}.ics").content.decode(),
        "feed": client.get("/events.ics").content.decode(),
    }
    assert "Ngopi Kamtibmas bersama warga RW 024" in pages["event"]
    for name, body in pages.items():
        for secret in (
            "Budi Santoso",
            "0812",
            "3456-7890",
            "81234567890",
            "parkir liar",
            "Siti",
            "Rahmawati",
            "bhabin.selatan",
            "Sutisna",
            "-6.2449",
            "106.9873",
        ):
            assert secret not in body, f"{secret!r} on the {name} page"


@pytest.mark.django_db
def test_cancelled_event_page_gives_the_reason(client, cancelled):
    page = parse(client.get(f"/events/{cancelled.pk}/", headers=ENGLISH))
    (notice,) = page.all("div", class_="notice notice--danger")
    assert "This dialogue was cancelled." in notice.text
    assert "Lapangan dipakai untuk vaksinasi" in notice.text
    assert not page.all("a", href=f"/events/{cancelled.pk}.ics"), "nothing to add to a calendar"


@pytest.mark.django_db
def test_planned_event_page_shows_no_record_of_what_happened(client, planned):
    page = parse(client.get(f"/events/{planned.pk}/", headers=ENGLISH))
    assert "Planned" in page.text
    assert "What happened" not in page.text
    assert not page.all("ul", class_="topics")


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["/", ".ics"])
def test_a_dialogue_that_is_not_announced_does_not_exist_publicly(client, home_visit, suffix):
    assert client.get(f"/events/{home_visit.pk}{suffix}").status_code == 404
    assert client.get(f"/events/{home_visit.pk + 1000}{suffix}").status_code == 404


@pytest.mark.django_db
def test_event_page_costs_a_fixed_number_of_queries(client, ngopi, django_assert_num_queries):
    with django_assert_num_queries(4):  # dialogue, topics, officials, places
        assert client.get(f"/events/{ngopi.pk}/").status_code == 200


# Markup, size and headers -------------------------------------------------------------


@pytest.mark.django_db
def test_event_pages_rely_on_no_inline_code(client, ngopi, cancelled, planned):
    for url in ("/events/", f"/events/{ngopi.pk}/", f"/events/{cancelled.pk}/"):
        response = client.get(url)
        page = parse(response)
        assert response.status_code == 200, url
        assert page.one("main")
        assert len(page.all("h1")) == 1, url
        assert_no_inline_code(page)


def page_weight(response) -> int:
    page = parse(response)
    references = [e.attrs["href"] for e in page.all("link") if "href" in e.attrs]
    references += [
        e.attrs["src"] for e in page.elements if e.tag in {"script", "img"} and "src" in e.attrs
    ]
    total = len(response.content)
    for url in references:
        assert url.startswith(settings.STATIC_URL), f"{url} is not served from this site"
        path = finders.find(url.removeprefix(settings.STATIC_URL))
        assert path, f"{url} does not exist"
        with open(path, "rb") as fh:
            total += len(fh.read())
    assert any(url.endswith(".css") for url in references)
    return total


@pytest.mark.django_db
def test_event_pages_stay_within_the_slow_phone_budget(client, ngopi, planned, recent, bekasi):
    """§9 P9: HTML plus every static file it pulls in, uncompressed, under 150 KB."""
    code = checkin_code_issue(actor=bekasi.officer_timur, dialogue=planned)
    for url in ("/events/", f"/events/{ngopi.pk}/", f"/checkin/{code.raw}/"):
        weight = page_weight(client.get(url))
        assert weight < PAGE_BUDGET_BYTES, f"{url} weighs {weight} bytes"


# /events.ics ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_feed_is_a_calendar_phones_can_subscribe_to(client, planned, recent):
    response = client.get("/events.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == ICS
    assert response["Content-Disposition"] == 'inline; filename="kamtibmas-dialogues.ics"'
    assert "public" in response["Cache-Control"]
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar.get_missing_tzids() == set()
    assert set(feed_events(response)) == {
        f"dialogue-{planned.pk}@testserver",
        f"dialogue-{recent.pk}@testserver",
    }


@pytest.mark.django_db
def test_the_feed_gives_local_times_with_their_zone(client, recent):
    event = feed_events(client.get("/events.ics"))[f"dialogue-{recent.pk}@testserver"]
    assert event["DTSTART"].params["TZID"] == "Asia/Jakarta"
    local = start_of(event)
    assert local.astimezone(UTC) == recent.start
    assert (local.hour, local.minute, local.utcoffset()) == (10, 10, timedelta(hours=7))
    assert event["URL"] == f"http://testserver/events/{recent.pk}/"


@pytest.mark.django_db
def test_the_feed_keeps_its_uids_and_bytes_from_one_request_to_the_next(
    client, planned, recent, cancelled
):
    first, second = client.get("/events.ics"), client.get("/events.ics")
    assert first.content == second.content
    assert list(feed_events(first)) == list(feed_events(second))
    assert first["ETag"] == second["ETag"]
    uids = list(feed_events(first))
    assert all(uid.startswith("dialogue-") and uid.endswith("@testserver") for uid in uids)


@pytest.mark.django_db
def test_the_feed_answers_a_repeated_poll_with_not_modified(client, planned):
    first = client.get("/events.ics")
    again = client.get("/events.ics", headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.django_db
def test_the_feed_marks_cancelled_dialogues_and_leaves_out_unannounced_ones(
    client, cancelled, home_visit
):
    events = feed_events(client.get("/events.ics"))
    assert list(events) == [f"dialogue-{cancelled.pk}@testserver"]
    assert events[f"dialogue-{cancelled.pk}@testserver"]["STATUS"] == "CANCELLED"
    assert "Lapangan dipakai untuk vaksinasi" in str(
        events[f"dialogue-{cancelled.pk}@testserver"]["DESCRIPTION"]
    )


@pytest.mark.django_db
def test_the_feed_keeps_half_a_year_of_history(client, bekasi, rt001):
    def held(days_ago: int):
        start = days_ago_at_ten_past_ten_wib(days_ago)
        return dialogue_record_past(
            actor=bekasi.officer_selatan,
            type=DialogueType.objects.get(code="ngopi_kamtibmas"),
            title=f"Ngopi {days_ago} hari lalu",
            area=rt001,
            unit=bekasi.polsek_selatan,
            venue_name="Pos ronda",
            start=start,
            end=start + timedelta(hours=1),
        )

    kept, dropped = held(170), held(200)
    uids = set(feed_events(client.get("/events.ics")))
    assert f"dialogue-{kept.pk}@testserver" in uids
    assert f"dialogue-{dropped.pk}@testserver" not in uids


@pytest.mark.django_db
def test_the_feed_of_an_empty_site_is_still_a_calendar(client):
    response = client.get("/events.ics")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert response.status_code == 200
    assert calendar.events == []


@pytest.mark.django_db
def test_the_feed_refuses_writes(client):
    assert client.post("/events.ics").status_code == 405


# /events/<id>.ics -------------------------------------------------------------------


@pytest.mark.django_db
def test_one_event_downloads_as_a_calendar_file_at_its_local_time(client, ngopi):
    response = client.get(f"/events/{ngopi.pk}.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == ICS
    assert response["Content-Disposition"] == (
        f'attachment; filename="kamtibmas-dialogue-{ngopi.pk}.ics"'
    )
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = calendar.events
    assert event.uid == f"dialogue-{ngopi.pk}@testserver"
    assert event.start == datetime(2025, 7, 31, 10, 10, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert start_of(event).astimezone(UTC) == datetime(2025, 7, 31, 3, 10, tzinfo=UTC)
    assert [zone.tz_name for zone in calendar.timezones] == ["Asia/Jakarta"]
    assert event.uid in {
        str(e.uid)
        for e in icalendar.Calendar.from_ical(client.get(f"/events/{ngopi.pk}.ics").content).events
    }


@pytest.mark.django_db
def test_calendar_uids_use_the_configured_site_domain(client, ngopi, settings):
    settings.KAMTIBMAS_SITE_DOMAIN = "kamtibmas.polri.example"
    body = client.get(f"/events/{ngopi.pk}.ics").content.decode()
    assert f"UID:dialogue-{ngopi.pk}@kamtibmas.polri.example" in body


@pytest.mark.django_db
def test_the_list_and_feed_narrow_to_an_area(client, bekasi, planned):
    """Kayuringin Jaya lies in Bekasi Selatan; Margahayu (the planned one) does not."""
    from datetime import timedelta

    from django.utils import timezone

    from kamtibmas.engagements.models import DialogueType
    from kamtibmas.engagements.services import dialogue_record_past

    start = timezone.now() - timedelta(days=2)
    held = dialogue_record_past(
        actor=bekasi.officer_selatan,
        type=DialogueType.objects.get(code="jumat_curhat"),
        title="Jumat Curhat Kayuringin",
        area=bekasi.kayuringin,
        unit=bekasi.polsek_selatan,
        venue_name="Musala",
        start=start,
        end=start + timedelta(hours=1),
    )
    page = client.get("/events/?area=32.75.04").content.decode()
    assert held.title in page and planned.title not in page
    assert "/events.ics?area=32.75.04" in page
    feed = client.get("/events.ics?area=32.75.04").content.decode()
    assert f"UID:dialogue-{held.pk}@" in feed and f"UID:dialogue-{planned.pk}@" not in feed
    everything = client.get("/events/?area=nonsense").content.decode()
    assert held.title in everything and planned.title in everything
