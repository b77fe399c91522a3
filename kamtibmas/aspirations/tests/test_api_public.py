"""The public operations: POST /api/v1/triage, GET /api/v1/track/{code} and
POST /api/v1/track/{code}/messages. No token; rate-limited (429); a wrong code is
404; the holder of a code sees only public updates and a coarse place."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from kamtibmas.api.tests.client import api_client, send
from kamtibmas.aspirations import api as aspirations_api
from kamtibmas.aspirations import tracking
from kamtibmas.aspirations.models import AspirationUpdate, Privacy, UpdateKind
from kamtibmas.aspirations.services import aspiration_act, aspiration_note_add
from kamtibmas.core.throttle import Limit

TRIAGE = "/api/v1/triage"
TRACK = "/api/v1/track/{}"


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttle counters live in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


def _public(language: str = "en") -> Client:
    return Client(headers={"Accept-Language": language})


# Triage -------------------------------------------------------------------------------


def test_triage_suggests_the_section_5_codes_without_a_token(db):
    answer = send(_public(), "POST", TRIAGE, {"text": "Motor saya dicuri di depan warung."})

    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"category", "urgency", "responsible", "confidence", "explanation"}
    assert (body["category"], body["responsible"]) == ("pencurian", "satreskrim")
    assert body["urgency"] in {"darurat", "tinggi", "sedang", "rendah"}
    assert 0.5 < body["confidence"] <= 1.0
    assert body["explanation"]["category"]


def test_triage_routes_domestic_violence_to_ppa(db):
    answer = send(
        _public(), "POST", TRIAGE, {"text": "Istri dipukul suami tetangga setiap malam, KDRT."}
    ).json()

    assert answer["category"] == "kekerasan" and answer["responsible"] == "unit_ppa"


def test_triage_with_a_token_is_the_same(c2):
    answer = send(api_client(c2.resident), "POST", TRIAGE, {"text": "Ada sabu di gang sebelah."})

    assert answer.status_code == 200 and answer.json()["category"] == "narkoba"


@pytest.mark.parametrize(
    ("content", "status", "field", "message"),
    [
        ('{"text": ""}', 422, "text", "Tell us what happened or what you ask."),
        ('{"text": "   "}', 422, "text", "Tell us what happened or what you ask."),
        ("{}", 422, "text", "This field is required."),
        ('{"text": "%s"}' % ("x" * 4001), 422, "text", "At most 4000 characters."),
        ('{"text": 5}', 422, "text", "Enter text."),
        ('{"text": "ok", "category": "narkoba"}', 422, "category", "Unknown field"),
        ('{"text": "ok"', 400, None, "not valid JSON"),
        ('{"text": "\\u0000"}', 400, None, "NUL"),
    ],
)
def test_triage_refuses_bad_input_readably(db, content, status, field, message):
    answer = _public().post(TRIAGE, content, content_type="application/json")

    assert answer.status_code == status, answer.content
    body = answer.json()
    assert set(body) == {"detail", "code", "errors"}
    assert message in body["detail"]
    if field:
        assert body["errors"][0]["field"] == field


def test_triage_is_rate_limited_per_client(db, monkeypatch):
    monkeypatch.setattr(aspirations_api, "TRIAGE_PER_CLIENT", Limit(attempts=3, seconds=3600))
    client = _public()
    body = {"text": "Lampu jalan mati."}

    answers = [send(client, "POST", TRIAGE, body).status_code for _ in range(4)]
    elsewhere = send(Client(REMOTE_ADDR="203.0.113.9"), "POST", TRIAGE, body)

    assert answers == [200, 200, 200, 429]
    limited = send(client, "POST", TRIAGE, body).json()
    assert limited == {
        "detail": "Too many requests from here. Try again later.",
        "code": "throttled",
        "errors": [],
    }
    assert elsewhere.status_code == 200


def test_triage_is_rate_limited_overall(db, monkeypatch):
    monkeypatch.setattr(aspirations_api, "TRIAGE_OVERALL", Limit(attempts=2, seconds=3600))
    body = {"text": "Lampu jalan mati."}

    answers = [
        send(Client(REMOTE_ADDR=f"203.0.113.{n}"), "POST", TRIAGE, body).status_code
        for n in range(3)
    ]

    assert answers == [200, 200, 429]


def test_the_throttle_keeps_no_address(db):
    send(Client(REMOTE_ADDR="198.51.100.77"), "POST", TRIAGE, {"text": "Lampu mati."})

    from django.core.cache import cache as default_cache

    stored = repr(getattr(default_cache, "_cache", {}))
    assert "198.51.100.77" not in stored


# Tracking -----------------------------------------------------------------------------


@pytest.fixture
def tip(c2, submit):
    """An anonymous tip with coordinates, verified with a public note and an internal one."""
    submitted = submit(
        "Ada transaksi sabu tiap malam di pos ronda RT 001.",
        privacy=Privacy.ANONYMOUS,
        reporter_name="",
        reporter_phone="",
        notify_by="",
        latitude=-6.244912,
        longitude=106.987345,
    )
    case = submitted.aspiration
    aspiration_act(
        actor=c2.officer_selatan,
        aspiration=case,
        action="verify",
        text="Terima kasih, kami tindak lanjuti.",
    )
    aspiration_note_add(
        actor=c2.officer_selatan, aspiration=case, text="Informan: pak RT.", is_public=False
    )
    return submitted


def test_the_code_shows_status_public_updates_deadlines_and_a_coarse_place(c2, tip):
    answer = _public().get(TRACK.format(tip.receipt_code))

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert set(body) == {
        "number",
        "status",
        "received_at",
        "area",
        "location",
        "deadlines",
        "updates",
    }
    assert body["number"] == tip.aspiration.number
    assert body["status"] == "verified"
    # Anonymous: the kelurahan, not the RT; about a kilometre, not the house.
    assert body["area"] == {"code": "32.75.04.1005", "name": "Kayuringin Jaya"}
    assert body["location"] == {"latitude": -6.24, "longitude": 106.99}
    assert body["deadlines"]["resolve_by"].endswith("+00:00")
    assert [u["to_status"] for u in body["updates"]] == ["received", "verified"]
    assert body["updates"][1]["text"] == "Terima kasih, kami tindak lanjuti."
    content = answer.content.decode()
    assert "Informan" not in content and "bhabin" not in content
    assert "author" not in content


def test_a_public_report_shows_its_rt_and_exact_place(c2, submit):
    submitted = submit(latitude=-6.244912, longitude=106.987345)

    body = _public().get(TRACK.format(submitted.receipt_code)).json()

    assert body["area"]["code"] == "32.75.04.1005.024.001"
    assert body["location"] == {"latitude": -6.244912, "longitude": 106.987345}


def test_the_code_may_be_typed_loosely(c2, tip):
    typed = tip.receipt_code.replace("-", " ").lower()

    assert _public().get(TRACK.format(typed)).status_code == 200


@pytest.mark.parametrize("code", ["0000-0000-0000-0000", "not-a-code", "x" * 300])
def test_a_wrong_code_is_404(c2, tip, code):
    answer = _public().get(TRACK.format(code))

    assert answer.status_code == 404
    assert answer.json() == {
        "detail": "No report has this receipt code. Check the code on your slip: it has 16 "
        "letters and digits in four groups, like 7F3Q-9X2M-K4TD-HW8R.",
        "code": "not_found",
        "errors": [],
    }


def test_wrong_codes_are_throttled_and_then_even_the_right_one_waits(c2, tip, monkeypatch):
    monkeypatch.setattr(tracking, "PER_CLIENT", Limit(attempts=2, seconds=3600))
    client = _public()

    answers = [client.get(TRACK.format(f"0000-0000-0000-000{n}")).status_code for n in range(2)]
    right = client.get(TRACK.format(tip.receipt_code))
    other_client = Client(REMOTE_ADDR="203.0.113.50").get(TRACK.format(tip.receipt_code))

    assert answers == [404, 404]
    assert right.status_code == 429
    assert right.json()["code"] == "throttled"
    assert other_client.status_code == 200


def test_right_codes_are_not_counted(c2, tip, monkeypatch):
    monkeypatch.setattr(tracking, "PER_CLIENT", Limit(attempts=2, seconds=3600))
    client = _public()

    answers = [client.get(TRACK.format(tip.receipt_code)).status_code for _ in range(5)]

    assert answers == [200] * 5


# Messages -----------------------------------------------------------------------------


def test_the_reporter_sends_a_message_to_the_handling_officers(c2, tip):
    answer = send(
        _public(), "POST", TRACK.format(tip.receipt_code) + "/messages", {"text": "Malam ini lagi."}
    )

    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["status"] == "verified"
    # Anonymous: the day only.
    assert body["created_at"].endswith("T17:00:00+00:00")
    message = AspirationUpdate.objects.get(aspiration=tip.aspiration, kind=UpdateKind.MESSAGE)
    assert message.text == "Malam ini lagi." and message.is_public is False
    assert message.author is None and message.author_kind == "reporter"
    # Not shown on the public page (it may identify the sender).
    tracked = _public().get(TRACK.format(tip.receipt_code)).json()
    assert "Malam ini lagi." not in str(tracked)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "  "}, "text"),
        ({"text": "x" * 4001}, "text"),
        ({"text": "ok", "is_public": True}, "is_public"),
    ],
)
def test_bad_messages_are_refused(c2, tip, body, field):
    answer = send(_public(), "POST", TRACK.format(tip.receipt_code) + "/messages", body)

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == field
    assert not AspirationUpdate.objects.filter(kind=UpdateKind.MESSAGE).exists()


def test_a_message_with_a_wrong_code_is_404_and_counts_as_a_guess(c2, tip, monkeypatch):
    monkeypatch.setattr(tracking, "PER_CLIENT", Limit(attempts=1, seconds=3600))
    path = TRACK.format("0000-0000-0000-0000") + "/messages"

    first = send(_public(), "POST", path, {"text": "Halo"})
    second = send(_public(), "POST", path, {"text": "Halo"})

    assert (first.status_code, second.status_code) == (404, 429)
    assert not AspirationUpdate.objects.filter(kind=UpdateKind.MESSAGE).exists()


def test_messages_are_rate_limited(c2, tip, monkeypatch):
    monkeypatch.setattr(aspirations_api, "MESSAGE_PER_CLIENT", Limit(attempts=2, seconds=3600))
    path = TRACK.format(tip.receipt_code) + "/messages"

    answers = [send(_public(), "POST", path, {"text": f"Pesan {n}"}).status_code for n in range(3)]

    assert answers == [201, 201, 429]
    assert AspirationUpdate.objects.filter(kind=UpdateKind.MESSAGE).count() == 2


def test_triage_with_an_area_names_the_unit_the_routing_rules_give(c2):
    answer = send(
        _public(),
        "POST",
        TRIAGE,
        {"text": "Motor saya dicuri di parkiran pasar semalam", "area": c2.kayuringin.code},
    ).json()
    assert answer["category"] == "pencurian"
    assert answer["unit"] == {"id": c2.satreskrim.pk, "name": c2.satreskrim.name}
    unknown = send(_public(), "POST", TRIAGE, {"text": "Motor dicuri", "area": "99.99"})
    assert unknown.status_code in (400, 422)
