"""GET /api/v1/aspirations and /api/v1/aspirations/{id}: the inbox with its filters
and pages, one case with its whole history; never the reporter's identity."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kamtibmas.accounts.models import Role
from kamtibmas.api.tests.client import api_client
from kamtibmas.aspirations.models import Aspiration, Privacy
from kamtibmas.aspirations.services import (
    aspiration_act,
    aspiration_assign,
    aspiration_message_from_reporter,
    aspiration_note_add,
)
from kamtibmas.conftest import make_user

URL = "/api/v1/aspirations"
PATROL = "Mohon patroli malam ditingkatkan di RW 024, banyak orang asing."
THEFT = "Motor saya dicuri di depan warung tadi malam."
LAMP = "Lampu jalan di gang RT 001 mati sudah seminggu, gelap sekali."


@pytest.fixture
def cases(c2, submit):
    """Three cases in Kayuringin Jaya: a patrol request (the post), a theft
    (Satreskrim) and a dark street (the kelurahan), oldest first."""
    # Urgency given, as an officer would: these tests are about the inbox, not triage.
    patrol = submit(PATROL, urgency="sedang").aspiration
    theft = submit(THEFT, privacy=Privacy.CONFIDENTIAL, urgency="sedang").aspiration
    lamp = submit(
        LAMP,
        reporter_phone="",
        notify_by="",
        privacy=Privacy.ANONYMOUS,
        reporter_name="",
        urgency="sedang",
    ).aspiration
    # Distinct reception times, newest last (the anonymous one is kept to its day).
    now = timezone.now()
    for offset, case in enumerate((lamp, patrol, theft)):
        Aspiration.objects.filter(pk=case.pk).update(received_at=now - timedelta(days=3 - offset))
    return {"patrol": patrol, "theft": theft, "lamp": lamp}


def _ids(answer) -> list[int]:
    return [item["id"] for item in answer["items"]]


def test_the_inbox_lists_the_cases_of_the_callers_units_newest_first(c2, cases):
    polsek = api_client(c2.officer_selatan).get(URL).json()
    reskrim = api_client(c2.handler_reskrim).get(URL).json()
    kelurahan = api_client(c2.partner_kelurahan).get(URL).json()
    timur = api_client(c2.officer_timur).get(URL).json()

    assert _ids(polsek) == [cases["theft"].pk, cases["patrol"].pk, cases["lamp"].pk]
    # Satreskrim is a police unit covering the whole city; a partner agency sees only
    # what was sent to it; another Polsek nothing.
    assert _ids(reskrim) == _ids(polsek)
    assert _ids(kelurahan) == [cases["lamp"].pk]
    assert _ids(timur) == []
    assert polsek["next_cursor"] is None


def test_list_items_carry_no_identity_and_times_in_utc(c2, cases):
    answer = api_client(c2.officer_selatan).get(URL)
    item = answer.json()["items"][0]

    assert item["number"] == cases["theft"].number
    assert item["privacy"] == "confidential"
    assert item["received_at"].endswith("+00:00")
    assert item["deadlines"]["resolve_by"].endswith("+00:00")
    assert item["assigned_unit"]["name"] == "Satreskrim Polres Metro Bekasi Kota"
    assert item["unit"]["name"] == "Pos Polisi Kayuringin"
    content = answer.content.decode()
    for secret in ("Budi", "6281234567890", "reporter_name", "reporter_phone", "receipt"):
        assert secret not in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=received", ["theft", "patrol", "lamp"]),
        ("status=open", ["theft", "patrol", "lamp"]),
        ("status=resolved", []),
        ("category=pencurian", ["theft"]),
        ("category=lingkungan", ["lamp"]),
        ("urgency=sedang", ["theft", "patrol", "lamp"]),
        ("area=32.75.04.1005", ["theft", "patrol", "lamp"]),
        ("area=32.75.04.1005.024.001", ["theft", "patrol", "lamp"]),
        ("area=32.75.01", []),
        ("q=motor", ["theft"]),
        ("q=lampu+gelap", ["lamp"]),
        ("mine=true", []),
        ("overdue=true", []),
    ],
)
def test_list_filters(c2, cases, query, expected):
    answer = api_client(c2.commander_polres).get(f"{URL}?{query}")

    assert answer.status_code == 200, answer.content
    assert _ids(answer.json()) == [cases[name].pk for name in expected]


def test_mine_and_overdue(c2, cases):
    bhabin = make_user("bhabin.kayuringin", Role.COMMUNITY_OFFICER, c2.post_kayuringin)
    aspiration_assign(actor=c2.commander_selatan, aspiration=cases["patrol"], assignee=bhabin)
    Aspiration.objects.filter(pk=cases["theft"].pk).update(
        resolve_by=timezone.now() - timedelta(hours=1)
    )
    client = api_client(bhabin)

    assert _ids(client.get(f"{URL}?mine=true").json()) == [cases["patrol"].pk]
    assert _ids(client.get(f"{URL}?overdue=true").json()) == [cases["theft"].pk]


def test_the_case_number_finds_the_case(c2, cases):
    number = cases["patrol"].number

    answer = api_client(c2.officer_selatan).get(URL, {"q": number.lower()}).json()

    assert _ids(answer) == [cases["patrol"].pk]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("status=bogus", "status", "Choose one of: open, received"),
        ("category=bogus", "category", "Choose one of"),
        ("urgency=x", "urgency", "Choose one of"),
        ("area=99.99", "area", "There is no area"),
        ("overdue=perhaps", "overdue", "Enter true or false."),
        ("limit=0", "limit", "Must be at least 1."),
        ("limit=101", "limit", "Must be at most 100."),
        ("cursor=bm90LWEtY3Vyc29y", "cursor", "This cursor is not valid"),
        # A cursor naming a time that is not a date: "["yesterday", 3]".
        ("cursor=WyJ5ZXN0ZXJkYXkiLDNd", "cursor", "This cursor is not valid"),
    ],
)
def test_bad_filters_are_refused_readably(c2, cases, query, field, message):
    answer = api_client(c2.officer_selatan, language="en").get(f"{URL}?{query}")

    assert answer.status_code == 422, answer.content
    assert answer.json()["errors"][0]["field"] == field
    assert message in answer.json()["errors"][0]["message"]


def test_pages_follow_each_other_without_gaps_or_repeats(c2, submit):
    for n in range(5):
        submit(f"Mohon patroli malam ke-{n} ditingkatkan di RW 024.")
    client = api_client(c2.officer_selatan)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        answer = client.get(URL, {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += _ids(answer)
        pages += 1
        cursor = answer["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert seen == list(
        Aspiration.objects.order_by("-received_at", "-id").values_list("pk", flat=True)
    )


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(URL, {"limit": 100})
    assert answer.status_code == 200
    return len(queries)


def test_the_list_needs_the_same_number_of_queries_for_2_and_20_cases(c2, submit):
    client = api_client(c2.commander_polres)
    for n in range(2):
        case = submit(f"Motor saya dicuri {n} kali di depan warung.").aspiration
        aspiration_assign(actor=c2.commander_polres, aspiration=case, assignee=c2.handler_reskrim)
    client.get(URL)  # the token's first use is recorded once a minute
    few = _list_queries(client)
    for n in range(18):
        case = submit(f"Lampu jalan ke-{n} mati, gelap sekali.").aspiration
        aspiration_assign(actor=c2.commander_polres, aspiration=case, assignee=c2.partner_kelurahan)

    many = _list_queries(client)

    assert many == few
    assert few <= 6


def test_one_case_with_its_whole_history(c2, cases):
    case = cases["theft"]
    aspiration_act(
        actor=c2.handler_reskrim,
        aspiration=case,
        action="verify",
        is_public=True,
        text="Laporan diterima, kami cek ke lokasi.",
    )
    aspiration_note_add(
        actor=c2.handler_reskrim, aspiration=case, text="Cek CCTV warung.", is_public=False
    )
    aspiration_message_from_reporter(aspiration=case, text="Plat nomornya B 1234 XYZ.")

    answer = api_client(c2.handler_reskrim).get(f"{URL}/{case.pk}")

    assert answer.status_code == 200
    detail = answer.json()
    assert detail["status"] == "verified"
    assert detail["allowed_actions"] == [
        "refer",
        "start",
        "resolve",
        "close_unresolved",
        "reject",
        "mark_duplicate",
    ]
    # Staff see every update: public ones, internal notes and the reporter's messages.
    assert [(u["kind"], u["is_public"]) for u in detail["updates"]] == [
        ("status", True),
        ("status", True),
        ("note", False),
        ("message", False),
    ]
    assert detail["updates"][1]["author"]["name"] == "reskrim"
    assert detail["updates"][1]["from_status"] == "received"
    assert (
        detail["updates"][3]["author"] is None and detail["updates"][3]["author_kind"] == "reporter"
    )
    assert detail["verified_at"].endswith("+00:00")
    assert detail["photos"] == []
    content = answer.content.decode()
    assert "Budi" not in content and "6281234567890" not in content


def test_a_case_of_another_unit_or_none_at_all_is_404_alike(c2, cases):
    client = api_client(c2.officer_timur)

    other = client.get(f"{URL}/{cases['patrol'].pk}")
    missing = client.get(f"{URL}/999999")

    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
