"""The staff dialogue pages (§4 C1): list and calendar, plan and record, the capture
page and the dialogue page. Each write is tried with good input and with the bad input
the issue lists; a refusal answers 400 with the reason next to the form, in the
officer's language, and changes nothing."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from kamtibmas.accounts.models import Role
from kamtibmas.areas.models import Area, AreaKind, AreaLevel, UnitKind
from kamtibmas.areas.services import area_create, unit_create
from kamtibmas.conftest import make_user
from kamtibmas.engagements.models import (
    Dialogue,
    DialogueOfficial,
    DialoguePhoto,
    DialogueStatus,
    DialogueType,
    FollowUp,
    FollowUpStatus,
    Inspection,
    InspectionItem,
    OutreachTopic,
    SpotAnswer,
    TopicDelivered,
)
from kamtibmas.engagements.photos import MAX_UPLOAD_BYTES
from kamtibmas.engagements.services import (
    attendee_sign_in,
    dialogue_answer_add,
    dialogue_official_add,
    dialogue_plan,
    dialogue_record_past,
    follow_up_create,
)
from kamtibmas.privacy.models import AuditEntry
from kamtibmas.web.tests.test_views import assert_no_inline_code, parse

WIB = ZoneInfo("Asia/Jakarta")


# ---- fixtures and helpers ----------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def sign_in(client, user, language: str = "en"):
    client.force_login(user)
    client.cookies["kamtibmas_language"] = language
    return client


@pytest.fixture
def officer(client, bekasi):
    """Bhabinkamtibmas of Polsek Bekasi Selatan, reading English."""
    return sign_in(client, bekasi.officer_selatan)


def wib_today() -> date:
    return timezone.now().astimezone(WIB).date()


@pytest.fixture
def held(bekasi):
    """A Ngopi Kamtibmas in RW 024 Kayuringin Jaya that took place yesterday."""
    start = (timezone.now() - timedelta(days=1)).replace(second=0, microsecond=0)
    return dialogue_record_past(
        actor=bekasi.officer_selatan,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi Kamtibmas RW 024",
        area=bekasi.rw024,
        unit=bekasi.polsek_selatan,
        venue_name="Pos ronda RW 024",
        start=start,
        end=start + timedelta(hours=2),
    )


@pytest.fixture
def upcoming(bekasi):
    """A Jumat Curhat in Kayuringin Jaya in three days."""
    start = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    return dialogue_plan(
        actor=bekasi.officer_selatan,
        type=DialogueType.objects.get(code="jumat_curhat"),
        title="Jumat Curhat Kayuringin",
        area=bekasi.kayuringin,
        unit=bekasi.polsek_selatan,
        venue_name="Masjid Al-Falah",
        planned_start=start,
        planned_end=start + timedelta(hours=2),
    )


def url(name: str, *args) -> str:
    return reverse(f"web:{name}", args=args)


def error_next_to(response, field: str) -> str:
    """The error text shown under ``field`` (``id_<field>_error``)."""
    page = parse(response)
    return " ".join(page.one("ul", id=f"id_{field}_error").text.split())


def section_text(page, labelled_by: str) -> str:
    [section] = [e for e in page.all("section") if e.attrs.get("aria-labelledby") == labelled_by]
    return section.text


def errors_above(response) -> str:
    page = parse(response)
    return " ".join(" ".join(e.text.split()) for e in page.all("div", class_="error-summary"))


def refused(response) -> None:
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()


def plan_data(bekasi, **overrides) -> dict[str, str]:
    day = wib_today() + timedelta(days=5)
    data = {
        "type": str(DialogueType.objects.get(code="ngopi_kamtibmas").pk),
        "title": "Ngopi Kamtibmas RT 001",
        "unit": str(bekasi.polsek_selatan.pk),
        "host": "",
        "visibility": "",
        "village": str(bekasi.kayuringin.pk),
        "rw": "24",
        "rt": "1",
        "venue_name": "Warung Bu Sri",
        "latitude": "-6.2449",
        "longitude": "106.9873",
        "day": day.isoformat(),
        "start_time": "19:30",
        "end_time": "21:00",
    }
    data.update(overrides)
    return data


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (6.0, 14.0, 41.64)
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 60, 30)).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


# ---- list, follow-ups, calendar ----------------------------------------------------


def test_list_shows_the_units_dialogues_and_not_another_units(officer, held, upcoming, bekasi):
    other = dialogue_plan(
        actor=bekasi.officer_timur,
        type=DialogueType.objects.get(code="jumat_curhat"),
        title="Jumat Curhat Margahayu",
        area=bekasi.margahayu,
        unit=bekasi.polsek_timur,
        venue_name="Masjid",
        planned_start=upcoming.planned_start,
        planned_end=upcoming.planned_end,
    )
    response = officer.get(url("dialogue-list"))
    assert response.status_code == 200
    text = parse(response).text
    assert "Ngopi Kamtibmas RW 024" in text
    assert "Jumat Curhat Kayuringin" in text
    assert other.title not in text
    assert "RW 024, Kayuringin Jaya" in text
    assert "2 dialogues" in text
    assert "no-store" in response["Cache-Control"]
    assert_no_inline_code(parse(response))


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"status": "held"}, "Ngopi Kamtibmas RW 024", "Jumat Curhat Kayuringin"),
        ({"type": "jumat_curhat"}, "Jumat Curhat Kayuringin", "Ngopi Kamtibmas RW 024"),
        ({"start": "TODAY"}, "Jumat Curhat Kayuringin", "Ngopi Kamtibmas RW 024"),
        ({"end": "TODAY"}, "Ngopi Kamtibmas RW 024", "Jumat Curhat Kayuringin"),
    ],
    ids=["status", "type", "from", "until"],
)
def test_list_filters(officer, held, upcoming, query, shown, hidden):
    query = {k: wib_today().isoformat() if v == "TODAY" else v for k, v in query.items()}
    text = parse(officer.get(url("dialogue-list"), query)).text
    assert shown in text
    assert hidden not in text


def test_list_filter_by_area_includes_its_rw_and_rt(officer, held, bekasi):
    ids = {"area": str(bekasi.kayuringin.pk)}
    assert "Ngopi Kamtibmas RW 024" in parse(officer.get(url("dialogue-list"), ids)).text


def test_list_filter_refuses_an_area_outside_the_unit_and_says_so(officer, held, bekasi):
    response = officer.get(url("dialogue-list"), {"area": str(bekasi.margahayu.pk)})
    assert response.status_code == 200
    assert error_next_to(response, "area") == "Choose a desa/kelurahan covered by your unit."
    assert "Ngopi Kamtibmas RW 024" in parse(response).text


def test_my_follow_ups_and_the_overdue_ones(officer, held, bekasi):
    follow_up_create(
        dialogue=held,
        title="Pasang lampu jalan di gang 3",
        owner=bekasi.officer_selatan,
        due_date=wib_today() + timedelta(days=3),
    )
    late = follow_up_create(
        dialogue=held,
        title="Koordinasi portal dengan Ketua RW",
        owner=bekasi.commander_selatan,
        due_date=wib_today(),
    )
    FollowUp.objects.filter(pk=late.pk).update(due_date=wib_today() - timedelta(days=2))
    page = parse(officer.get(url("dialogue-list")))
    mine = section_text(page, "my-follow-ups")
    overdue = section_text(page, "overdue-follow-ups")
    assert "Pasang lampu jalan di gang 3" in mine
    assert "Koordinasi portal" not in mine
    assert "Koordinasi portal dengan Ketua RW" in overdue
    assert "kapolsek.selatan" in overdue
    assert "Pasang lampu" not in overdue


def test_list_page_queries_do_not_grow_with_the_number_of_dialogues(
    officer, bekasi, django_assert_max_num_queries
):
    ngopi = DialogueType.objects.get(code="ngopi_kamtibmas")
    start = (timezone.now() - timedelta(days=40)).replace(microsecond=0)
    for number in range(30):
        dialogue = dialogue_record_past(
            actor=bekasi.officer_selatan,
            type=ngopi,
            title=f"Ngopi {number}",
            area=bekasi.rw024,
            unit=bekasi.polsek_selatan,
            venue_name="Pos ronda",
            start=start + timedelta(days=number),
            end=start + timedelta(days=number, hours=1),
        )
        follow_up_create(
            dialogue=dialogue,
            title=f"Tindak lanjut {number}",
            owner=bekasi.officer_selatan,
            due_date=wib_today(),
        )
    FollowUp.objects.update(due_date=wib_today() - timedelta(days=1))
    with django_assert_max_num_queries(12):
        response = officer.get(url("dialogue-list"))
    assert response.status_code == 200
    page = parse(response)
    assert len(page.all("li", class_="dialogue-card")) == 25
    assert "30 dialogues" in page.text


def test_calendar_puts_a_dialogue_on_its_local_day(officer, bekasi):
    # 00:30 WIB on 1 August is still 31 July in UTC.
    start = datetime(2025, 7, 31, 17, 30, tzinfo=UTC)
    dialogue_record_past(
        actor=bekasi.officer_selatan,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ronda tengah malam",
        area=bekasi.kayuringin,
        unit=bekasi.polsek_selatan,
        venue_name="Pos ronda",
        start=start,
        end=start + timedelta(hours=1),
    )
    response = officer.get(url("dialogue-calendar"), {"month": "2025-08"})
    assert response.status_code == 200
    page = parse(response)
    assert page.one("h2", id="month-title").text == "August 2025"
    [cell] = [
        td
        for td in page.all("td")
        if "Ronda tengah malam" in td.text and "calendar__cell--other" not in td.attrs["class"]
    ]
    assert cell.text.split()[0] == "1"
    agenda = section_text(page, "agenda-title")
    assert "Friday, 1 August 2025" in agenda
    assert "00:30 WIB" in agenda
    july = parse(officer.get(url("dialogue-calendar"), {"month": "2025-07"}))
    assert "Ronda tengah malam" not in section_text(july, "agenda-title")
    assert_no_inline_code(page)


@pytest.mark.parametrize("month", ["2025-13", "0001-01", "2025", "juli", "9999-12"])
def test_calendar_falls_back_to_this_month_on_nonsense(officer, month):
    response = officer.get(url("dialogue-calendar"), {"month": month})
    assert response.status_code == 200
    assert parse(response).one("h2", id="month-title").text.endswith(str(wib_today().year))


# ---- plan, record, change ----------------------------------------------------------


def test_plan_a_dialogue_in_local_time_down_to_the_rt(officer, bekasi):
    data = plan_data(bekasi)
    response = officer.post(url("dialogue-new"), data)
    dialogue = Dialogue.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("dialogue", dialogue.pk)
    day = date.fromisoformat(data["day"])
    assert dialogue.planned_start == datetime.combine(day, time(19, 30), WIB)
    assert dialogue.planned_end == datetime.combine(day, time(21, 0), WIB)
    assert dialogue.area.code == "32.75.04.1005.024.001"
    assert dialogue.status == DialogueStatus.PLANNED
    assert dialogue.host == bekasi.officer_selatan
    assert (dialogue.latitude, dialogue.longitude) == (-6.2449, 106.9873)
    page = parse(officer.get(response["Location"]))
    assert "19:30 WIB" in page.text
    assert "RT 001/RW 024, Kayuringin Jaya" in page.text


def test_the_plan_form_offers_only_the_units_kelurahan(officer, bekasi):
    response = officer.get(url("dialogue-new"))
    page = parse(response)
    village = page.one("select", name="village")
    options = [option.text for option in page.all("option", inside=village)]
    assert "Kayuringin Jaya" in options
    assert "Margahayu" not in options
    assert_no_inline_code(page)


def test_times_are_read_in_the_zone_of_the_chosen_area(client, db):
    """A Polsek in Bali: 19:30 typed on the form is 19:30 WITA (11:30 UTC)."""
    bali = area_create(
        code="51", name="Bali", level=AreaLevel.PROVINCE, kind=AreaKind.PROVINSI, parent=None
    )
    denpasar = area_create(
        code="51.71", name="Kota Denpasar", level=AreaLevel.REGENCY, kind=AreaKind.KOTA, parent=bali
    )
    selatan = area_create(
        code="51.71.01",
        name="Denpasar Selatan",
        level=AreaLevel.DISTRICT,
        kind=AreaKind.KECAMATAN,
        parent=denpasar,
    )
    sanur = area_create(
        code="51.71.01.1006",
        name="Sanur",
        level=AreaLevel.VILLAGE,
        kind=AreaKind.KELURAHAN,
        parent=selatan,
    )
    polsek = unit_create(name="Polsek Denpasar Selatan", kind=UnitKind.POLSEK, coverage=[selatan])
    officer = sign_in(client, make_user("bhabin.sanur", Role.COMMUNITY_OFFICER, polsek))
    day = wib_today() + timedelta(days=4)
    response = officer.post(
        url("dialogue-new"),
        {
            "type": str(DialogueType.objects.get(code="ngopi_kamtibmas").pk),
            "title": "Ngopi Kamtibmas Sanur",
            "unit": str(polsek.pk),
            "village": str(sanur.pk),
            "venue_name": "Balai Banjar",
            "day": day.isoformat(),
            "start_time": "19:30",
            "end_time": "21:00",
        },
    )
    assert response.status_code == 302
    dialogue = Dialogue.objects.get()
    assert dialogue.planned_start == datetime.combine(day, time(11, 30), UTC)
    assert "19:30 WITA" in parse(officer.get(response["Location"])).text


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"day": "PAST"},
            "day",
            "A planned dialogue must start in the future.",
        ),
        (
            {"start_time": "21:00", "end_time": "19:30"},
            "end_time",
            "The end must come after the start.",
        ),
        (
            {"village": "MARGAHAYU", "rw": "", "rt": ""},
            "village",
            "Choose a desa/kelurahan covered by your unit.",
        ),
        (
            {"rw": "", "rt": "3"},
            "rt",
            "An RT lies inside an RW: give the RW number as well.",
        ),
        (
            {"rw": "1000"},
            "rw",
            "Ensure this value is less than or equal to 999.",
        ),
        (
            {"longitude": ""},
            "longitude",
            "Give both latitude and longitude, or neither.",
        ),
        (
            {"unit": "TIMUR"},
            "unit",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
    ],
    ids=["past", "end-before-start", "area-of-another-unit", "rt-without-rw", "rw-999",
         "half-coordinates", "unit-of-another-branch"],
)  # fmt: skip
def test_plan_refuses_bad_input_with_a_clear_message_and_changes_nothing(
    officer, bekasi, overrides, field, message
):
    placeholders = {
        "PAST": (wib_today() - timedelta(days=1)).isoformat(),
        "MARGAHAYU": str(bekasi.margahayu.pk),
        "TIMUR": str(bekasi.polsek_timur.pk),
    }
    overrides = {k: placeholders.get(v, v) for k, v in overrides.items()}
    # RW 030 and RT 005 do not exist yet: a refused plan must not leave them behind.
    data = plan_data(bekasi, rw="30", rt="5")
    data.update(overrides)
    areas = Area.objects.count()
    response = officer.post(url("dialogue-new"), data)
    refused(response)
    assert error_next_to(response, field) == message
    assert not Dialogue.objects.exists()
    assert Area.objects.count() == areas


def test_plan_refusal_reads_in_indonesian_for_an_indonesian_officer(client, bekasi):
    officer = sign_in(client, bekasi.officer_selatan, language="id")
    data = plan_data(bekasi, day=(wib_today() - timedelta(days=1)).isoformat())
    response = officer.post(url("dialogue-new"), data)
    assert response.status_code == 400
    assert error_next_to(response, "day") == "Dialog yang direncanakan harus dimulai di masa depan."


def test_record_a_past_dialogue_and_continue_on_its_capture_page(officer, bekasi):
    yesterday = (wib_today() - timedelta(days=1)).isoformat()
    response = officer.post(url("dialogue-record"), plan_data(bekasi, day=yesterday))
    dialogue = Dialogue.objects.get()
    assert response["Location"] == url("dialogue-capture", dialogue.pk)
    assert dialogue.status == DialogueStatus.HELD
    assert dialogue.actual_start == dialogue.planned_start


def test_a_past_dialogue_cannot_lie_in_the_future(officer, bekasi):
    response = officer.post(url("dialogue-record"), plan_data(bekasi))
    refused(response)
    assert error_next_to(response, "day") == (
        "A dialogue that took place cannot start in the future."
    )
    assert not Dialogue.objects.exists()


def test_change_a_planned_dialogue(officer, upcoming, bekasi):
    response = officer.get(url("dialogue-edit", upcoming.pk))
    page = parse(response)
    assert page.one("input", name="title").attrs["value"] == "Jumat Curhat Kayuringin"
    data = plan_data(bekasi, title="Jumat Curhat RW 024", rt="")
    data.pop("unit")
    response = officer.post(url("dialogue-edit", upcoming.pk), data)
    assert response.status_code == 302
    upcoming.refresh_from_db()
    assert upcoming.title == "Jumat Curhat RW 024"
    assert upcoming.area == bekasi.rw024
    assert upcoming.planned_start.astimezone(WIB).time() == time(19, 30)


def test_a_held_dialogue_keeps_its_times_when_its_details_change(officer, held, bekasi):
    page = parse(officer.get(url("dialogue-edit", held.pk)))
    assert not page.all("input", name="day")
    data = plan_data(bekasi, title="Ngopi Kamtibmas RW 024 (revisi)", rw="24", rt="")
    for name in ("unit", "day", "start_time", "end_time"):
        data.pop(name)
    before = (held.planned_start, held.actual_start, held.host)
    response = officer.post(url("dialogue-edit", held.pk), data)
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.title == "Ngopi Kamtibmas RW 024 (revisi)"
    assert (held.planned_start, held.actual_start, held.host) == before


def test_changing_a_plan_to_the_past_is_refused(officer, upcoming, bekasi):
    data = plan_data(bekasi, day=(wib_today() - timedelta(days=2)).isoformat())
    response = officer.post(url("dialogue-edit", upcoming.pk), data)
    refused(response)
    assert error_next_to(response, "day") == "A planned dialogue must start in the future."
    before = upcoming.planned_start
    upcoming.refresh_from_db()
    assert upcoming.planned_start == before


# ---- status: held, cancelled -------------------------------------------------------


def test_cancel_a_planned_dialogue_with_a_reason(officer, upcoming):
    response = officer.post(url("dialogue-cancel", upcoming.pk), {"reason": "Hujan deras"})
    assert response.status_code == 302
    upcoming.refresh_from_db()
    assert (upcoming.status, upcoming.cancel_reason) == (DialogueStatus.CANCELLED, "Hujan deras")
    page = parse(officer.get(url("dialogue", upcoming.pk)))
    assert "Cancelled: Hujan deras" in page.text


def test_cancelling_needs_a_reason(officer, upcoming):
    response = officer.post(url("dialogue-cancel", upcoming.pk), {"reason": "  "})
    refused(response)
    assert error_next_to(response, "reason") == "Say why the dialogue is cancelled."
    upcoming.refresh_from_db()
    assert upcoming.status == DialogueStatus.PLANNED


def test_a_held_dialogue_cannot_be_cancelled(officer, held):
    response = officer.post(url("dialogue-cancel", held.pk), {"reason": "Salah input"})
    refused(response)
    assert "Only a planned dialogue can be cancelled." in errors_above(response)
    held.refresh_from_db()
    assert held.status == DialogueStatus.HELD


def test_mark_held_from_the_capture_page(officer, upcoming):
    now = timezone.now().astimezone(WIB)
    response = officer.post(
        url("dialogue-held", upcoming.pk),
        {"day": now.date().isoformat(), "start_time": f"{now:%H:%M}", "end_time": ""},
    )
    assert response["Location"] == url("dialogue-capture", upcoming.pk) + "#held"
    upcoming.refresh_from_db()
    assert upcoming.status == DialogueStatus.HELD
    assert upcoming.actual_start == now.replace(second=0, microsecond=0)
    assert upcoming.actual_end is None


def test_held_in_the_future_is_refused(officer, upcoming):
    tomorrow = (wib_today() + timedelta(days=1)).isoformat()
    response = officer.post(
        url("dialogue-held", upcoming.pk), {"day": tomorrow, "start_time": "10:00"}
    )
    refused(response)
    assert error_next_to(response, "start_time") == (
        "A dialogue that took place cannot start in the future."
    )
    upcoming.refresh_from_db()
    assert upcoming.status == DialogueStatus.PLANNED


def test_held_ending_before_it_started_is_refused(officer, held):
    day = wib_today().isoformat()
    response = officer.post(
        url("dialogue-held", held.pk), {"day": day, "start_time": "00:30", "end_time": "00:10"}
    )
    refused(response)
    assert error_next_to(response, "end_time") == "The end must come after the start."


# ---- capture sections --------------------------------------------------------------


def test_attendance_by_group(officer, held):
    response = officer.post(
        url("dialogue-attendance", held.pk), {"residents": 25, "leaders": 5, "children": 10}
    )
    assert response["Location"] == url("dialogue-capture", held.pk) + "#attendance"
    held.refresh_from_db()
    assert (held.residents_count, held.leaders_count, held.children_count) == (25, 5, 10)
    assert "40" in parse(officer.get(url("dialogue", held.pk))).one("section", id="attendance").text


@pytest.mark.parametrize(
    ("counts", "field", "message"),
    [
        ({"residents": -1}, "residents", "Ensure this value is greater than or equal to 0."),
        ({"residents": "banyak"}, "residents", "Enter a whole number."),
        ({"children": 100_001}, None, "Attendance counts run from 0 to 100,000."),
    ],
    ids=["negative", "not-a-number", "too-many"],
)
def test_bad_attendance_is_refused(officer, held, counts, field, message):
    data = {"residents": 25, "leaders": 5, "children": 10, **counts}
    response = officer.post(url("dialogue-attendance", held.pk), data)
    refused(response)
    shown = error_next_to(response, field) if field else errors_above(response)
    assert shown == message
    held.refresh_from_db()
    assert held.attendance_total == 0


def test_attendance_waits_until_the_dialogue_took_place(officer, upcoming):
    response = officer.post(
        url("dialogue-attendance", upcoming.pk), {"residents": 3, "leaders": 0, "children": 0}
    )
    refused(response)
    assert errors_above(response) == "Record this once the dialogue has taken place."


def test_topics_ticked_with_notes_and_unticked_again(officer, held):
    response = officer.post(
        url("dialogue-topics", held.pk),
        {
            "topic_tawuran": "on",
            "notes_tawuran": "Tawuran pelajar di jembatan",
            "topic_narkoba": "on",
        },
    )
    assert response.status_code == 302
    delivered = {row.topic.code: row.notes for row in TopicDelivered.objects.filter(dialogue=held)}
    assert delivered == {"tawuran": "Tawuran pelajar di jembatan", "narkoba": ""}
    officer.post(url("dialogue-topics", held.pk), {"topic_narkoba": "on"})
    assert [row.topic.code for row in TopicDelivered.objects.filter(dialogue=held)] == ["narkoba"]


def test_topics_wait_until_the_dialogue_took_place(officer, upcoming):
    response = officer.post(url("dialogue-topics", upcoming.pk), {"topic_tawuran": "on"})
    refused(response)
    assert errors_above(response) == "Record this once the dialogue has taken place."
    assert not TopicDelivered.objects.exists()


def test_an_inactive_topic_already_recorded_stays_and_can_be_removed(officer, held):
    officer.post(url("dialogue-topics", held.pk), {"topic_bullying": "on"})
    OutreachTopic.objects.filter(code="bullying").update(is_active=False)
    page = parse(officer.get(url("dialogue-capture", held.pk)))
    assert page.one("input", name="topic_bullying").attrs.get("checked") is not None
    assert page.all("input", name="topic_judi_online")
    officer.post(url("dialogue-topics", held.pk), {})
    assert not TopicDelivered.objects.exists()


def test_officials_added_and_removed(officer, held):
    response = officer.post(
        url("dialogue-official-add", held.pk),
        {"position": "Ketua RW 024", "institution": "RW 024", "name": "Pak Darto"},
    )
    assert response["Location"] == url("dialogue-capture", held.pk) + "#officials"
    official = DialogueOfficial.objects.get(dialogue=held)
    assert str(official) == "Ketua RW 024, Pak Darto"
    officer.post(url("dialogue-official-remove", held.pk, official.pk))
    assert not DialogueOfficial.objects.exists()


def test_an_official_needs_a_position(officer, held):
    response = officer.post(url("dialogue-official-add", held.pk), {"name": "Pak Darto"})
    refused(response)
    assert error_next_to(response, "position") == "Give the official's position."
    assert not DialogueOfficial.objects.exists()


def test_answers_on_the_spot(officer, held):
    response = officer.post(
        url("dialogue-answer-add", held.pk),
        {
            "question": "Kapan patroli malam ditambah?",
            "answer": "Mulai minggu depan",
            "answered_by": "Kapolsek",
        },
    )
    assert response["Location"] == url("dialogue-capture", held.pk) + "#answers"
    answer = SpotAnswer.objects.get(dialogue=held)
    assert (answer.answer, answer.answered_by) == ("Mulai minggu depan", "Kapolsek")


def test_an_answer_needs_its_question(officer, held):
    response = officer.post(url("dialogue-answer-add", held.pk), {"answer": "Ya"})
    refused(response)
    assert error_next_to(response, "question") == "Write down the question or concern."
    assert not SpotAnswer.objects.exists()


def test_minutes(officer, held, upcoming):
    officer.post(url("dialogue-minutes", held.pk), {"minutes": "Warga mengeluhkan parkir liar."})
    held.refresh_from_db()
    assert held.minutes == "Warga mengeluhkan parkir liar."
    response = officer.post(url("dialogue-minutes", upcoming.pk), {"minutes": "Terlalu awal"})
    refused(response)
    upcoming.refresh_from_db()
    assert upcoming.minutes == ""


def test_the_capture_page_fits_one_form_per_section(officer, held):
    response = officer.get(url("dialogue-capture", held.pk))
    assert response.status_code == 200
    page = parse(response)
    actions = [form.attrs["action"] for form in page.all("form", method="post")]
    for name in ("held", "attendance", "topics", "official-add", "answer-add", "minutes",
                 "photo-add"):  # fmt: skip
        assert url(f"dialogue-{name}", held.pk) in actions
    assert page.one("form", action=url("dialogue-photo-add", held.pk)).attrs["enctype"] == (
        "multipart/form-data"
    )
    assert "no-store" in response["Cache-Control"]
    assert_no_inline_code(page)


def test_a_cancelled_dialogue_has_nothing_to_capture(officer, upcoming):
    officer.post(url("dialogue-cancel", upcoming.pk), {"reason": "Banjir"})
    page = parse(officer.get(url("dialogue-capture", upcoming.pk)))
    assert "This dialogue was cancelled" in page.text
    assert not page.all("form", action=url("dialogue-attendance", upcoming.pk))


# ---- photos ------------------------------------------------------------------------


def test_photo_upload_is_served_only_through_the_staff_view_without_gps(officer, held, media):
    response = officer.post(
        url("dialogue-photo-add", held.pk),
        {"photo": io.BytesIO(jpeg_with_gps()), "caption": "Suasana dialog"},
    )
    assert response["Location"] == url("dialogue-capture", held.pk) + "#photos"
    photo = DialoguePhoto.objects.get(dialogue=held)
    served = officer.get(url("dialogue-photo", held.pk, photo.pk))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "private, no-store"
    body = b"".join(served.streaming_content)
    with Image.open(io.BytesIO(body)) as image:
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    page = parse(officer.get(url("dialogue", held.pk)))
    [img] = page.all("img", src=url("dialogue-photo", held.pk, photo.pk))
    assert img.attrs["alt"] == "Suasana dialog"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
         "This file is not a photo we can read. Send a JPEG, PNG or WebP picture."),
        (b"\xff\xd8\xff" + b"\0" * MAX_UPLOAD_BYTES,
         "This photo is too large: at most 8 MB and 25 megapixels."),
    ],
    ids=["pdf-named-jpg", "over-8-mb"],
)  # fmt: skip
def test_a_bad_photo_is_refused_and_nothing_is_stored(officer, held, media, data, message):
    upload = io.BytesIO(data)
    upload.name = "foto.jpg"
    response = officer.post(url("dialogue-photo-add", held.pk), {"photo": upload})
    refused(response)
    assert error_next_to(response, "photo") == message
    assert not DialoguePhoto.objects.exists()
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def test_a_photo_needs_a_file(officer, held, media):
    response = officer.post(url("dialogue-photo-add", held.pk), {"caption": "Tanpa foto"})
    refused(response)
    assert error_next_to(response, "photo") == "This field is required."


# ---- the dialogue page: sign-ins, inspection, follow-ups ---------------------------


def test_the_dialogue_page_shows_everything(officer, held, bekasi):
    dialogue_official_add(dialogue=held, position="Lurah Kayuringin Jaya", name="Ibu Ani")
    dialogue_answer_add(dialogue=held, question="Parkir liar?", answer="Ditertibkan")
    attendee_sign_in(dialogue=held, name="Budi Santoso", phone="0812-3456-7890", consent=True)
    audits = AuditEntry.objects.count()
    response = officer.get(url("dialogue", held.pk))
    assert response.status_code == 200
    text = parse(response).text
    for shown in ("Ngopi Kamtibmas RW 024", "Pos ronda RW 024", "RW 024, Kayuringin Jaya",
                  "Polsek Bekasi Selatan", "Lurah Kayuringin Jaya: Ibu Ani", "Parkir liar?",
                  "Ditertibkan", "Budi Santoso", "Held"):  # fmt: skip
        assert shown in text, shown
    assert "3456" not in text, "phone numbers stay off the page"
    assert "no-store" in response["Cache-Control"]
    assert AuditEntry.objects.count() == audits + 1
    assert_no_inline_code(parse(response))


def test_a_named_sign_in_needs_consent(officer, held):
    response = officer.post(
        url("dialogue-sign-in", held.pk), {"name": "Budi", "group": "resident", "consent": ""}
    )
    refused(response)
    assert error_next_to(response, "consent") == (
        "A name is only listed when the person agrees; count them instead."
    )
    response = officer.post(
        url("dialogue-sign-in", held.pk), {"name": "Budi", "group": "resident", "consent": "on"}
    )
    assert response.status_code == 302
    assert held.attendees.get().name == "Budi"


def test_inspection_checklist_with_a_problem_becomes_a_follow_up(officer, held, bekasi):
    response = officer.post(
        url("dialogue-inspection", held.pk),
        {
            "day": wib_today().isoformat(),
            "time": "09:15",
            "result_penerangan_jalan": "problem",
            "note_penerangan_jalan": "Lampu gang 3 mati",
            "result_cctv": "ok",
            "result_drainase": "na",
            "follow_up_owner": str(bekasi.officer_selatan.pk),
            "follow_up_due": (wib_today() + timedelta(days=10)).isoformat(),
        },
    )
    assert response["Location"] == url("dialogue", held.pk) + "#inspection"
    inspection = Inspection.objects.get(dialogue=held)
    assert inspection.inspected_at == datetime.combine(wib_today(), time(9, 15), WIB)
    assert {f.item.code: f.result for f in inspection.findings.all()} == {
        "penerangan_jalan": "problem",
        "cctv": "ok",
        "drainase": "na",
    }
    follow_up = FollowUp.objects.get(dialogue=held)
    assert follow_up.title == "Penerangan jalan: Lampu gang 3 mati"
    assert follow_up.due_date == wib_today() + timedelta(days=10)
    page = parse(officer.get(url("dialogue", held.pk)))
    assert "Lampu gang 3 mati" in page.one("section", id="inspection").text
    assert page.one("input", name="note_penerangan_jalan").attrs["value"] == "Lampu gang 3 mati"


def test_a_problem_without_a_description_is_refused(officer, held):
    response = officer.post(
        url("dialogue-inspection", held.pk),
        {"day": wib_today().isoformat(), "time": "09:15", "result_cctv": "problem"},
    )
    refused(response)
    assert errors_above(response) == (
        "Describe every problem found, so that someone can act on it."
    )
    assert not Inspection.objects.exists()
    assert not FollowUp.objects.exists()


def test_the_checklist_offers_every_active_item(officer, held):
    page = parse(officer.get(url("dialogue", held.pk)))
    for item in InspectionItem.objects.filter(is_active=True):
        values = {e.attrs["value"] for e in page.all("input", name=f"result_{item.code}")}
        assert values == {"ok", "problem", "na"}


def test_inspection_waits_until_the_dialogue_took_place(officer, upcoming):
    response = officer.post(
        url("dialogue-inspection", upcoming.pk),
        {"day": wib_today().isoformat(), "time": "09:15", "result_cctv": "ok"},
    )
    refused(response)
    assert errors_above(response) == "Record this once the dialogue has taken place."


def test_follow_up_added_completed_and_dropped(officer, held, bekasi):
    due = (wib_today() + timedelta(days=7)).isoformat()
    response = officer.post(
        url("dialogue-follow-up-add", held.pk),
        {"title": "Surati PLN", "owner": str(bekasi.officer_selatan.pk), "due_date": due},
    )
    assert response["Location"] == url("dialogue", held.pk) + "#follow-ups"
    first = FollowUp.objects.get()
    assert (first.owner, first.due_date.isoformat()) == (bekasi.officer_selatan, due)
    response = officer.post(
        url("dialogue-follow-up-complete", held.pk, first.pk),
        {f"f{first.pk}-outcome": "PLN memperbaiki"},
    )
    assert response["Location"] == url("dialogue", held.pk) + f"#follow-up-{first.pk}"
    first.refresh_from_db()
    assert (first.status, first.outcome) == (FollowUpStatus.DONE, "PLN memperbaiki")

    response = officer.post(url("dialogue-follow-up-complete", held.pk, first.pk), {})
    refused(response)
    assert "This follow-up is already closed." in errors_above(response)

    second = follow_up_create(
        dialogue=held, title="Portal", owner=bekasi.officer_selatan, due_date=wib_today()
    )
    response = officer.post(url("dialogue-follow-up-cancel", held.pk, second.pk), {})
    refused(response)
    assert error_next_to(response, f"f{second.pk}-outcome") == ("Say why the follow-up is dropped.")
    officer.post(
        url("dialogue-follow-up-cancel", held.pk, second.pk),
        {f"f{second.pk}-outcome": "Sudah ditangani RW"},
    )
    second.refresh_from_db()
    assert second.status == FollowUpStatus.CANCELLED


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"due_date": "PAST"}, "due_date", "The due date cannot lie in the past."),
        ({"title": " "}, "title", "Say what is to be done."),
        (
            {"owner": "TIMUR"},
            "owner",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
    ],
    ids=["due-in-past", "no-title", "owner-of-another-unit"],
)
def test_bad_follow_ups_are_refused(officer, held, bekasi, overrides, field, message):
    placeholders = {
        "PAST": (wib_today() - timedelta(days=2)).isoformat(),
        "TIMUR": str(bekasi.officer_timur.pk),
    }
    data = {
        "title": "Surati PLN",
        "owner": str(bekasi.officer_selatan.pk),
        "due_date": (wib_today() + timedelta(days=7)).isoformat(),
    }
    data.update({k: placeholders.get(v, v) for k, v in overrides.items()})
    response = officer.post(url("dialogue-follow-up-add", held.pk), data)
    refused(response)
    assert error_next_to(response, field) == message
    assert not FollowUp.objects.exists()


def test_post_only_actions_refuse_get(officer, held):
    assert officer.get(url("dialogue-attendance", held.pk)).status_code == 405
