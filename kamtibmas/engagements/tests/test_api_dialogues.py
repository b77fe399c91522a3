"""/api/v1/engagements: list, create, get, change, held and cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from kamtibmas.api.tests.client import api_client
from kamtibmas.areas.models import Area
from kamtibmas.core.reference import forget
from kamtibmas.engagements.models import Dialogue, DialogueStatus, DialogueType
from kamtibmas.engagements.services import dialogue_plan

URL = "/api/v1/engagements"
WIB = ZoneInfo("Asia/Jakarta")


def _at(days: float, zone: ZoneInfo = WIB) -> datetime:
    moment = timezone.now() + timedelta(days=days)
    return moment.astimezone(zone).replace(second=0, microsecond=0)


def _body(days: float = 3, **overrides):
    start = _at(days)
    body = {
        "type": "ngopi_kamtibmas",
        "title": "Ngopi Kamtibmas RW 024",
        "area": "32.75.04.1005",
        "rw": 24,
        "rt": 1,
        "venue_name": "Balai warga RW 024",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def _plan(bekasi, days: float, title: str = "Sambang") -> Dialogue:
    start = timezone.now() + timedelta(days=days)
    return dialogue_plan(
        actor=bekasi.officer_selatan,
        type=DialogueType.objects.get(code="sambang"),
        title=title,
        area=bekasi.kayuringin,
        unit=bekasi.polsek_selatan,
        venue_name="Rumah warga",
        planned_start=start,
        planned_end=start + timedelta(hours=1),
    )


# List ---------------------------------------------------------------------------------


def test_list_shows_only_the_callers_units_newest_first(bekasi, ngopi, planned):
    selatan = api_client(bekasi.officer_selatan).get(URL).json()
    polres = api_client(bekasi.commander_polres).get(URL).json()

    assert [item["id"] for item in selatan["items"]] == [ngopi.pk]
    assert [item["id"] for item in polres["items"]] == [planned.pk, ngopi.pk]
    assert selatan["next_cursor"] is None


def test_list_items_carry_times_in_the_areas_offset(bekasi, ngopi):
    item = api_client(bekasi.officer_selatan).get(URL).json()["items"][0]

    assert item["planned_start"] == "2025-07-31T10:10:00+07:00"
    assert item["actual_end"] == "2025-07-31T12:00:00+07:00"
    assert item["area"]["code"] == "32.75.04.1005.024.001"
    assert item["type"] == {"code": "ngopi_kamtibmas", "name": "Ngopi Kamtibmas"}
    assert item["unit"]["name"] == "Polsek Bekasi Selatan"
    assert item["attendance"] == {"residents": 0, "leaders": 0, "children": 0, "total": 0}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=held", ["ngopi"]),
        ("status=planned", ["planned"]),
        ("type=jumat_curhat", ["planned"]),
        ("area=32.75.04.1005", ["ngopi"]),
        ("area=32.75.04", ["ngopi"]),
        ("area=32.75", ["planned", "ngopi"]),
        ("from=2025-07-31&to=2025-07-31", ["ngopi"]),
        ("to=2025-07-30", []),
        ("from=2025-08-01", ["planned"]),
    ],
)
def test_list_filters(bekasi, ngopi, planned, query, expected):
    found = api_client(bekasi.commander_polres).get(f"{URL}?{query}").json()["items"]

    dialogues = {"ngopi": ngopi.pk, "planned": planned.pk}
    assert [item["id"] for item in found] == [dialogues[name] for name in expected]


def test_list_filter_by_area_id(bekasi, ngopi, planned):
    url = f"{URL}?area={bekasi.margahayu.pk}"

    found = api_client(bekasi.commander_polres).get(url).json()["items"]

    assert [item["id"] for item in found] == [planned.pk]


def test_from_and_to_are_calendar_days_in_wib(bekasi):
    # 1 August 2025 06.00 WIB is still 31 July in UTC.
    early = datetime(2025, 7, 31, 23, 0, tzinfo=UTC)
    from kamtibmas.engagements.services import dialogue_record_past

    dialogue = dialogue_record_past(
        actor=bekasi.officer_selatan,
        type=DialogueType.objects.get(code="sambang"),
        title="Sambang pagi",
        area=bekasi.kayuringin,
        unit=bekasi.polsek_selatan,
        venue_name="Rumah warga",
        start=early,
        end=early + timedelta(hours=1),
    )
    client = api_client(bekasi.officer_selatan)

    on_first = client.get(f"{URL}?from=2025-08-01&to=2025-08-01").json()["items"]
    on_last = client.get(f"{URL}?from=2025-07-31&to=2025-07-31").json()["items"]

    assert [item["id"] for item in on_first] == [dialogue.pk]
    assert on_last == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("area=99.99.99", "area"),
        ("status=done", "status"),
        ("from=31-07-2025", "from"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=WyJ4IiwxXQ", "cursor"),
    ],
)
def test_list_refuses_bad_filters_naming_the_field(bekasi, ngopi, query, field):
    response = api_client(bekasi.officer_selatan, language="en").get(f"{URL}?{query}")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_pages_follow_each_other_without_gaps_or_repeats(bekasi):
    made = [_plan(bekasi, days=day + 1, title=f"Sambang {day}") for day in range(7)]
    # Two at the very same start: the id breaks the tie.
    twin = dialogue_plan(
        actor=bekasi.officer_selatan,
        type=made[3].type,
        title="Sambang kembar",
        area=bekasi.kayuringin,
        unit=bekasi.polsek_selatan,
        venue_name="Rumah warga",
        planned_start=made[3].planned_start,
        planned_end=made[3].planned_end,
    )
    client = api_client(bekasi.officer_selatan)

    seen: list[int] = []
    url: str | None = f"{URL}?limit=3"
    pages = 0
    while url:
        page = client.get(url).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        url = f"{URL}?limit=3&cursor={page['next_cursor']}" if page["next_cursor"] else None

    expected = sorted([*made, twin], key=lambda d: (d.planned_start, d.pk), reverse=True)
    assert seen == [dialogue.pk for dialogue in expected]
    assert pages == 3


def test_list_runs_a_fixed_number_of_queries(bekasi, django_assert_max_num_queries):
    client = api_client(bekasi.commander_polres)
    client.get(URL)  # the token's first use is recorded once a minute: not measured here
    _plan(bekasi, days=1)
    # Token, area filter, the caller's unit, its subtree and coverage, the dialogues;
    # from an empty memory of reference data each time (core.reference).
    forget()
    with django_assert_max_num_queries(8) as few:
        assert len(client.get(f"{URL}?area=32.75.04").json()["items"]) == 1

    for day in range(2, 22):
        _plan(bekasi, days=day)
    forget()
    with django_assert_max_num_queries(8) as many:
        assert len(client.get(f"{URL}?area=32.75.04&limit=100").json()["items"]) == 21

    assert len(many.captured_queries) == len(few.captured_queries)


# Create -------------------------------------------------------------------------------


def test_create_plans_a_dialogue_down_to_the_rt(bekasi):
    client = api_client(bekasi.officer_selatan)
    body = _body()

    response = client.post(URL, body, content_type="application/json")

    assert response.status_code == 201, response.json()
    created = response.json()
    dialogue = Dialogue.objects.get(pk=created["id"])
    assert response["Location"] == f"/api/v1/engagements/{dialogue.pk}"
    assert dialogue.status == DialogueStatus.PLANNED
    assert dialogue.area.code == "32.75.04.1005.024.001"
    assert dialogue.unit == bekasi.polsek_selatan
    assert dialogue.host == bekasi.officer_selatan
    assert dialogue.created_by == bekasi.officer_selatan
    assert dialogue.planned_start == datetime.fromisoformat(body["start"])
    assert created["planned_start"] == body["start"]
    assert created["status"] == "planned"
    assert created["officials"] == [] and created["topics"] == []


def test_times_in_any_offset_are_stored_in_utc_and_answered_in_the_areas(bekasi):
    start = _at(3, ZoneInfo("Asia/Jayapura"))  # +09:00
    body = _body(start=start.isoformat(), end=(start + timedelta(hours=1)).isoformat())

    created = api_client(bekasi.officer_selatan).post(URL, body, content_type="application/json")

    answered = datetime.fromisoformat(created.json()["planned_start"])
    assert answered == start
    assert answered.utcoffset() == timedelta(hours=7)
    stored = Dialogue.objects.get(pk=created.json()["id"]).planned_start
    assert stored == start and stored.utcoffset() == timedelta(0)


def test_create_records_a_past_dialogue_as_held(bekasi):
    body = _body(
        status="held",
        area=bekasi.kayuringin.pk,
        rw=None,
        rt=None,
        start="2025-07-31T10:10:00+07:00",
        end="2025-07-31T12:00:00+07:00",
    )

    response = api_client(bekasi.officer_selatan).post(URL, body, content_type="application/json")

    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["status"] == "held"
    assert created["actual_start"] == "2025-07-31T10:10:00+07:00"
    assert created["area"]["id"] == bekasi.kayuringin.pk


def test_a_commander_organises_for_a_unit_below(bekasi):
    body = _body(area="32.75.01.1002", rw=None, rt=None, unit=bekasi.polsek_timur.pk)

    response = api_client(bekasi.commander_polres).post(URL, body, content_type="application/json")

    assert response.status_code == 201, response.json()
    assert response.json()["unit"]["id"] == bekasi.polsek_timur.pk


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"created_by": 1}, "created_by", "extra_forbidden"),
        ({"status": "cancelled"}, "status", "literal_error"),
        ({"days": -2}, None, "planned_in_past"),
        ({"end": _at(2).isoformat()}, None, "planned_end"),
        ({"start": "2026-01-01T10:00:00"}, "start", "timezone_aware"),
        ({"start": "next tuesday"}, "start", "datetime_type"),
        ({"area": "32.75.01.1002", "rw": 3, "rt": 4}, None, "area_scope"),
        ({"rw": None}, "rt", "rt_needs_rw"),
        ({"area": "32.75.04", "rt": None}, "rw", "rw_needs_village"),
        ({"area": "99.99.99.9999"}, "area", "unknown_area"),
        ({"area": True}, "area", "int_type"),
        ({"rw": 1000}, "rw", "less_than_equal"),
        ({"type": "arisan"}, "type", "unknown_type"),
        ({"title": "x" * 201}, "title", "string_too_long"),
        ({"latitude": 91}, "latitude", "less_than_equal"),
        ({"unit": 10**6}, "unit", "unit_scope"),
        ({"host": 10**6}, "host", "unknown_user"),
    ],
)
def test_bad_input_is_refused_readably_and_creates_nothing(bekasi, overrides, field, code):
    client = api_client(bekasi.officer_selatan, language="en")
    areas = Area.objects.count()

    response = client.post(URL, _body(**overrides), content_type="application/json")

    assert response.status_code == 422, response.json()
    body = response.json()
    assert [(item["field"], item["code"]) for item in body["errors"]][:1] == [(field, code)]
    assert body["detail"] and body["detail"] == (
        f"{field}: {body['errors'][0]['message']}" if field else body["errors"][0]["message"]
    )
    assert not Dialogue.objects.exists()
    assert Area.objects.count() == areas


def test_another_units_organiser_is_refused(bekasi):
    body = _body(unit=bekasi.polsek_timur.pk)

    response = api_client(bekasi.officer_selatan, language="en").post(
        URL, body, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "unit_scope"
    assert not Dialogue.objects.exists()


def test_refusals_come_in_indonesian_by_default_and_in_english_on_request(bekasi):
    body = _body(days=-2)

    indonesian = api_client(bekasi.officer_selatan).post(URL, body, content_type="application/json")
    english = api_client(bekasi.officer_selatan, language="en").post(
        URL, body, content_type="application/json"
    )

    assert indonesian.json()["detail"] == "Dialog yang direncanakan harus dimulai di masa depan."
    assert indonesian["Content-Language"] == "id"
    assert english.json()["detail"] == "A planned dialogue must start in the future."


# One dialogue -------------------------------------------------------------------------


def test_get_shows_the_dialogue_without_personal_data_of_attendees(bekasi, ngopi):
    from kamtibmas.engagements.services import attendee_sign_in, dialogue_official_add

    dialogue_official_add(dialogue=ngopi, position="Ketua RW 024", name="Pak Darto")
    attendee_sign_in(dialogue=ngopi, name="Bu Sari", phone="0812-3456-7890", consent=True)

    response = api_client(bekasi.officer_selatan).get(f"{URL}/{ngopi.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["officials"][0]["position"] == "Ketua RW 024"
    assert body["attendees_listed"] == 1
    assert "Bu Sari" not in response.content.decode()
    assert "7890" not in response.content.decode()


def test_patch_changes_only_what_is_sent(bekasi, planned):
    client = api_client(bekasi.officer_timur)
    start = _at(10)
    body = {
        "title": "Jumat Curhat pindah",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=3)).isoformat(),
        "is_public": False,
    }

    response = client.patch(f"{URL}/{planned.pk}", body, content_type="application/json")

    assert response.status_code == 200, response.json()
    planned.refresh_from_db()
    assert planned.title == "Jumat Curhat pindah"
    assert planned.planned_start == start
    assert planned.is_public is False
    assert planned.venue_name == "Masjid Al-Ikhlas"


def test_patch_moves_the_dialogue_to_an_rw(bekasi, planned):
    client = api_client(bekasi.officer_timur)

    response = client.patch(
        f"{URL}/{planned.pk}", {"area": "32.75.01.1002", "rw": 7}, content_type="application/json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["area"]["code"] == "32.75.01.1002.007"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"title": None}, "title", "value_error"),
        ({"status": "held"}, "status", "extra_forbidden"),
        ({"unit": 1}, "unit", "extra_forbidden"),
        ({"rw": 3}, "area", "area_required"),
        ({"start": "2020-01-01T10:00:00+07:00"}, None, "planned_length"),
        (
            {"start": "2020-01-01T10:00:00+07:00", "end": "2020-01-01T11:00:00+07:00"},
            None,
            "planned_in_past",
        ),
        ({"end": "2020-01-01T10:00:00+07:00"}, None, "planned_end"),
        ({"area": "32.75.04.1005"}, None, "area_scope"),
    ],
)
def test_patch_refuses_bad_changes_and_changes_nothing(bekasi, planned, body, field, code):
    client = api_client(bekasi.officer_timur, language="en")
    before = Dialogue.objects.values().get(pk=planned.pk)

    response = client.patch(f"{URL}/{planned.pk}", body, content_type="application/json")

    assert response.status_code == 422, response.json()
    first = response.json()["errors"][0]
    assert (first["field"], first["code"]) == (field, code)
    assert Dialogue.objects.values().get(pk=planned.pk) == before


def test_held_records_when_the_dialogue_took_place(bekasi, planned):
    client = api_client(bekasi.officer_timur)
    start = _at(-0.05)

    response = client.post(
        f"{URL}/{planned.pk}/held",
        {"actual_start": start.isoformat()},
        content_type="application/json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "held"
    assert response.json()["actual_start"] == start.isoformat()
    assert response.json()["actual_end"] is None


def test_held_cannot_lie_in_the_future(bekasi, planned):
    response = api_client(bekasi.officer_timur, language="en").post(
        f"{URL}/{planned.pk}/held",
        {"actual_start": _at(1).isoformat()},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["code"] == "held_in_future"
    planned.refresh_from_db()
    assert planned.status == DialogueStatus.PLANNED


def test_cancel_a_planned_dialogue_with_a_reason(bekasi, planned):
    response = api_client(bekasi.officer_timur).post(
        f"{URL}/{planned.pk}/cancel", {"reason": "Hujan deras"}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "Hujan deras"


@pytest.mark.parametrize(
    ("which", "reason", "code"),
    [("planned", " ", "reason_required"), ("ngopi", "Salah", "not_planned")],
)
def test_cancel_refusals(bekasi, planned, ngopi, which, reason, code):
    dialogue = {"planned": planned, "ngopi": ngopi}[which]
    user = bekasi.officer_timur if which == "planned" else bekasi.officer_selatan

    response = api_client(user, language="en").post(
        f"{URL}/{dialogue.pk}/cancel", {"reason": reason}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["code"] == code
    dialogue.refresh_from_db()
    assert dialogue.status != DialogueStatus.CANCELLED
