"""Each unit is a tenant (SECURITY.md 8): every staff dialogue URL is 404 for another
unit's dialogue, with GET and POST, and for rows of another dialogue reached through
one's own; residents get 403 on every one of them, visitors go to the sign-in page."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone
from PIL import Image

from kamtibmas.core.timefmt import local_today
from kamtibmas.engagements.models import Dialogue, DialogueType, InspectionItem, OutreachTopic
from kamtibmas.engagements.photos import dialogue_photo_add, inspection_finding_photo_set
from kamtibmas.engagements.services import (
    FindingInput,
    dialogue_official_add,
    dialogue_record_past,
    dialogue_topic_set,
    follow_up_create,
    inspection_record,
)
from kamtibmas.web import dialogues

# name → (methods, the rows its URL names besides the dialogue)
ROUTES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "dialogue": (("get",), ()),
    "dialogue-edit": (("get", "post"), ()),
    "dialogue-capture": (("get",), ()),
    "dialogue-held": (("post",), ()),
    "dialogue-cancel": (("post",), ()),
    "dialogue-attendance": (("post",), ()),
    "dialogue-topics": (("post",), ()),
    "dialogue-official-add": (("post",), ()),
    "dialogue-official-remove": (("post",), ("official",)),
    "dialogue-answer-add": (("post",), ()),
    "dialogue-minutes": (("post",), ()),
    "dialogue-photo-add": (("post",), ()),
    "dialogue-photo": (("get",), ("photo",)),
    "dialogue-finding-photo": (("get",), ("finding",)),
    "dialogue-finding-photo-add": (("post",), ("finding",)),
    "dialogue-sign-in": (("post",), ()),
    "dialogue-inspection": (("post",), ()),
    "dialogue-follow-up-add": (("post",), ()),
    "dialogue-follow-up-complete": (("post",), ("follow_up",)),
    "dialogue-follow-up-cancel": (("post",), ("follow_up",)),
}
UNIT_ROUTES = ("dialogue-list", "dialogue-calendar", "dialogue-new", "dialogue-record")
CASES = [(name, method) for name, (methods, _rows) in ROUTES.items() for method in methods]

# What a careless view would accept: valid input for every form on these pages.
POST_DATA = {
    "reason": "x",
    "residents": "7",
    "leaders": "1",
    "children": "2",
    "topic_narkoba": "on",
    "position": "Ketua RT",
    "question": "Kenapa?",
    "minutes": "Ditulis oleh unit lain",
    "name": "Penyusup",
    "group": "resident",
    "consent": "on",
    "title": "Tugas palsu",
    "due_date": "2100-01-01",
    "day": "2025-01-01",
    "time": "10:00",
    "start_time": "10:00",
    "result_cctv": "ok",
}


def test_every_route_of_the_module_is_in_the_matrix():
    names = {pattern.name for pattern in dialogues.urlpatterns if isinstance(pattern, URLPattern)}
    assert names == set(ROUTES) | set(UNIT_ROUTES)


def jpeg() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(buffer, "JPEG")
    buffer.seek(0)
    return buffer


def held_dialogue(*, actor, area, unit, title):
    start = (timezone.now() - timedelta(days=2)).replace(microsecond=0)
    dialogue = dialogue_record_past(
        actor=actor,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title=title,
        area=area,
        unit=unit,
        venue_name="Balai warga",
        start=start,
        end=start + timedelta(hours=2),
    )
    rows = {
        "official": dialogue_official_add(dialogue=dialogue, position="Lurah"),
        "photo": dialogue_photo_add(actor=actor, dialogue=dialogue, upload=jpeg(), caption=""),
        "follow_up": follow_up_create(
            dialogue=dialogue, title="Lampu", owner=actor, due_date=local_today(dialogue.area)
        ),
    }
    dialogue_topic_set(dialogue=dialogue, topic=OutreachTopic.objects.get(code="tawuran"))
    inspection = inspection_record(
        actor=actor,
        dialogue=dialogue,
        inspected_at=dialogue.end,
        findings=[FindingInput(InspectionItem.objects.get(code="cctv"), "problem", "Tidak ada")],
    )
    rows["finding"] = inspection_finding_photo_set(
        actor=actor, finding=inspection.findings.get(), upload=jpeg()
    )
    return dialogue, rows


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def theirs(bekasi, media):
    """A dialogue of Polsek Bekasi Timur in Margahayu, with a row of every kind."""
    return held_dialogue(
        actor=bekasi.officer_timur,
        area=bekasi.margahayu,
        unit=bekasi.polsek_timur,
        title="Ngopi Kamtibmas Margahayu",
    )


@pytest.fixture
def mine(bekasi, media):
    return held_dialogue(
        actor=bekasi.officer_selatan,
        area=bekasi.kayuringin,
        unit=bekasi.polsek_selatan,
        title="Ngopi Kamtibmas Kayuringin",
    )


def route(name: str, dialogue: Dialogue, rows: dict) -> str:
    _methods, wanted = ROUTES[name]
    return reverse(f"web:{name}", args=[dialogue.pk, *(rows[row].pk for row in wanted)])


def snapshot(dialogue: Dialogue) -> tuple:
    dialogue.refresh_from_db()
    return (
        dialogue.title,
        dialogue.status,
        dialogue.attendance_total,
        dialogue.minutes,
        dialogue.actual_start,
        sorted(dialogue.officials.values_list("position", flat=True)),
        sorted(dialogue.topics.values_list("topic__code", flat=True)),
        dialogue.answers.count(),
        dialogue.photos.count(),
        dialogue.attendees.count(),
        sorted(dialogue.follow_ups.values_list("title", "status")),
        hasattr(dialogue, "inspection"),
    )


def test_the_owning_units_officer_and_commanders_above_see_it(client, bekasi, theirs):
    dialogue, rows = theirs
    for user in (bekasi.officer_timur, bekasi.commander_timur, bekasi.commander_polres):
        client.force_login(user)
        for name in (
            "dialogue",
            "dialogue-capture",
            "dialogue-edit",
            "dialogue-photo",
            "dialogue-finding-photo",
        ):
            assert client.get(route(name, dialogue, rows)).status_code == 200, (user, name)


@pytest.mark.parametrize(("name", "method"), CASES)
def test_another_units_dialogue_is_404_on_every_route(client, bekasi, theirs, name, method):
    dialogue, rows = theirs
    before = snapshot(dialogue)
    client.force_login(bekasi.officer_selatan)
    response = getattr(client, method)(route(name, dialogue, rows), POST_DATA)
    assert response.status_code == 404
    assert snapshot(dialogue) == before


@pytest.mark.parametrize(("name", "method"), CASES)
def test_the_same_requests_reach_the_owning_units_officer(client, bekasi, theirs, name, method):
    """The control for the 404s above: the routes and rows exist."""
    dialogue, rows = theirs
    client.force_login(bekasi.officer_timur)
    response = getattr(client, method)(route(name, dialogue, rows), POST_DATA)
    assert response.status_code in {200, 302, 400}


@pytest.mark.parametrize(
    "name", [name for name, (_methods, wanted) in ROUTES.items() if wanted], ids=str
)
def test_another_dialogues_rows_are_404_through_ones_own(client, bekasi, theirs, mine, name):
    their_dialogue, their_rows = theirs
    my_dialogue, _my_rows = mine
    before = snapshot(their_dialogue)
    client.force_login(bekasi.officer_selatan)
    methods, wanted = ROUTES[name]
    address = reverse(f"web:{name}", args=[my_dialogue.pk, *(their_rows[r].pk for r in wanted)])
    response = getattr(client, methods[0])(address, {"f-outcome": "x"})
    assert response.status_code == 404
    assert snapshot(their_dialogue) == before


def test_lists_and_calendar_leave_out_another_units_dialogues(client, bekasi, theirs, mine):
    client.force_login(bekasi.officer_selatan)
    month = local_today() - timedelta(days=2)
    for address in (
        reverse("web:dialogue-list"),
        reverse("web:dialogue-calendar") + f"?month={month:%Y-%m}",
    ):
        text = client.get(address).content.decode()
        assert "Ngopi Kamtibmas Kayuringin" in text
        assert "Ngopi Kamtibmas Margahayu" not in text


@pytest.mark.parametrize(("name", "method"), [*CASES, *((n, "get") for n in UNIT_ROUTES)])
def test_residents_get_403_on_every_route(client, bekasi, theirs, name, method):
    dialogue, rows = theirs
    before = snapshot(dialogue)
    client.force_login(bekasi.resident)
    address = reverse(f"web:{name}") if name in UNIT_ROUTES else route(name, dialogue, rows)
    assert getattr(client, method)(address, POST_DATA).status_code == 403
    assert snapshot(dialogue) == before


@pytest.mark.parametrize(("name", "method"), [*CASES, *((n, "get") for n in UNIT_ROUTES)])
def test_visitors_are_sent_to_sign_in(client, theirs, name, method):
    dialogue, rows = theirs
    address = reverse(f"web:{name}") if name in UNIT_ROUTES else route(name, dialogue, rows)
    response = getattr(client, method)(address, POST_DATA)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
