"""POST /api/v1/aspirations: an officer on a resident's behalf, or a resident's own
token; the receipt code once, deadlines in UTC, the 110/112 advice for emergencies,
and bad input refused with a readable message and nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone

from kamtibmas.api.tests.client import api_client, send
from kamtibmas.areas.models import Area
from kamtibmas.aspirations.models import Aspiration, AspirationUpdate, Source
from kamtibmas.aspirations.receipt import receipt_digest
from kamtibmas.engagements.models import DialogueType
from kamtibmas.engagements.services import dialogue_record_past
from kamtibmas.notifications.models import OutboxMessage

URL = "/api/v1/aspirations"
LAMP = "Lampu jalan di gang RT 001 mati sudah seminggu, gelap sekali."


def _body(**overrides):
    body = {
        "text": LAMP,
        "area": "32.75.04.1005",
        "rw": 24,
        "rt": 1,
        "privacy": "confidential",
        "reporter_name": "Budi Santoso",
        "reporter_phone": "0812-3456-7890",
        "notify_by": "sms",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def _utc(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    offset = moment.utcoffset()
    assert offset is not None and offset.total_seconds() == 0, value
    return moment


def test_an_officer_submits_on_a_residents_behalf(c2):
    response = send(api_client(c2.officer_selatan, language="en"), "POST", URL, _body())

    assert response.status_code == 201, response.content
    answer = response.json()
    case = Aspiration.objects.get()
    assert answer["id"] == case.pk
    assert response["Location"] == f"{URL}/{case.pk}"
    assert answer["number"] == case.number and answer["number"].startswith("ASP-")
    assert answer["status"] == "received"
    assert (answer["category"], answer["suggested_category"]) == ("lingkungan", "lingkungan")
    assert answer["urgency"] == answer["suggested_urgency"] == case.urgency
    assert answer["assigned_unit"] == {
        "id": case.assigned_unit_id,
        "name": case.assigned_unit.name,
        "kind": case.assigned_unit.kind,
    }
    assert answer["area"]["code"] == "32.75.04.1005.024.001"
    assert answer["source"] == "api" and case.source == Source.API
    # The receipt code is the reporter's key; only its digest is stored.
    assert case.receipt_digest == receipt_digest(answer["receipt_code"])
    assert answer["emergency"] is False and answer["emergency_advice"] is None
    # Deadlines in ISO 8601, UTC, with the offset written out.
    deadlines = answer["deadlines"]
    assert case.verify_by is not None and case.resolve_by is not None
    assert _utc(deadlines["verify_by"]) == case.verify_by.replace(microsecond=0)
    assert _utc(deadlines["resolve_by"]) == case.resolve_by.replace(microsecond=0)
    assert deadlines["partner_answer_by"] is None
    assert _utc(answer["received_at"]) == case.received_at.replace(microsecond=0)
    # The officer is the author of the intake, the resident's contact is kept.
    assert AspirationUpdate.objects.get(aspiration=case).author == c2.officer_selatan
    assert case.reporter is None and case.reporter_phone == "+6281234567890"
    # No identity in the answer.
    assert (
        "Budi" not in response.content.decode() and "6281234567890" not in response.content.decode()
    )


def test_a_residents_own_token_submits_as_that_resident(c2):
    response = send(api_client(c2.resident), "POST", URL, _body(privacy="public"))

    assert response.status_code == 201, response.content
    case = Aspiration.objects.get()
    assert case.reporter == c2.resident
    # A resident follows the case by its receipt code; the internal id says nothing
    # about how many cases there are.
    assert response.json()["id"] is None
    assert "Location" not in response
    update = AspirationUpdate.objects.get(aspiration=case)
    assert update.author is None and update.author_kind == "reporter"


def test_a_residents_anonymous_report_keeps_no_account_or_contact(c2):
    body = _body(privacy="anonymous", reporter_name=None, reporter_phone=None, notify_by=None)

    response = send(api_client(c2.resident), "POST", URL, body)

    assert response.status_code == 201, response.content
    case = Aspiration.objects.get()
    assert case.reporter is None and case.reporter_name is None and case.reporter_phone is None
    local = case.received_at.astimezone(timezone.get_fixed_timezone(7 * 60))
    assert (local.hour, local.minute, local.second) == (0, 0, 0)


def test_an_emergency_answers_the_110_112_advice(c2):
    body = _body(text="Tolong ada tawuran sekarang di gang RT 001, bawa celurit!")

    answer = send(api_client(c2.officer_selatan, language="en"), "POST", URL, body).json()

    assert answer["urgency"] == "darurat"
    assert answer["emergency"] is True
    assert "110" in answer["emergency_advice"] and "112" in answer["emergency_advice"]


def test_the_residents_choice_of_category_wins_and_the_suggestion_is_kept(c2):
    body = _body(text="Ada yang jualan miras di warung dekat sekolah.", category="remaja")

    answer = send(api_client(c2.officer_selatan), "POST", URL, body).json()

    assert (answer["category"], answer["suggested_category"]) == ("remaja", "ketertiban")
    assert answer["responsible"] == "satbinmas"


def test_an_aspiration_raised_at_a_dialogue_keeps_the_answer_on_the_spot(c2):
    dialogue = dialogue_record_past(
        actor=c2.officer_selatan,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi Kamtibmas RW 024",
        area=c2.rt001,
        unit=c2.polsek_selatan,
        venue_name="Balai warga",
        start=datetime(2025, 7, 31, 3, 10, tzinfo=UTC),
        end=datetime(2025, 7, 31, 5, 0, tzinfo=UTC),
    )
    body = _body(
        text="Bagaimana mengurus KTP yang hilang?",
        dialogue=dialogue.pk,
        spot_answer="Lapor kehilangan di pos polisi terdekat, gratis.",
    )

    response = send(api_client(c2.officer_selatan), "POST", URL, body)

    assert response.status_code == 201, response.content
    case = Aspiration.objects.get()
    assert case.dialogue == dialogue and case.source == Source.DIALOGUE
    assert case.spot_answer.startswith("Lapor kehilangan")
    # Another unit's officer cannot attach cases to this dialogue; a resident neither.
    for user in (c2.officer_timur, c2.resident):
        refused = send(api_client(user, language="en"), "POST", URL, body)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "dialogue"
    assert Aspiration.objects.count() == 1


@pytest.mark.parametrize(
    "field",
    ["status", "number", "unit", "assigned_unit", "assignee", "reporter", "source", "id"],
)
def test_fields_the_client_does_not_own_are_refused(c2, field):
    response = send(api_client(c2.officer_selatan, language="en"), "POST", URL, _body(**{field: 1}))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"] == [
        {
            "field": field,
            "location": "body",
            "message": "Unknown field: this request does not accept it.",
            "code": "extra_forbidden",
        }
    ]
    assert not Aspiration.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"text": "x" * 4001}, "text", "At most 4000 characters."),
        ({"text": "   "}, "text", "Tell us what happened or what you ask."),
        ({"text": None}, "text", "This field is required."),
        ({"area": "99.99.99.9999"}, "area", "There is no area “99.99.99.9999”."),
        ({"area": "32.75.04", "rw": None, "rt": None}, "area", "Choose at least the kelurahan"),
        ({"privacy": "secret"}, "privacy", "Choose one of"),
        ({"category": "bogus"}, "category", "Choose one of"),
        ({"latitude": 200.0, "longitude": 10.0}, "latitude", "Must be at most 90."),
        ({"latitude": -6.2}, "latitude", "Give both latitude and longitude, or neither."),
        ({"reporter_email": "budi@"}, "reporter_email", "This is not an email address."),
        ({"notify_by": "email"}, "notify_by", "Give an email address"),
        ({"rw": 1000}, "rw", "Must be at most 999."),
        ({"privacy": "anonymous"}, None, "An anonymous report cannot carry a name"),
        ({"spot_answer": "Sudah dijawab."}, "spot_answer", "An answer on the spot belongs"),
    ],
)
def test_bad_input_is_refused_readably_and_nothing_is_stored(c2, overrides, field, message):
    body = _body(**{"rw": 5, "rt": 7, **overrides})

    response = send(api_client(c2.officer_selatan, language="en"), "POST", URL, body)

    assert response.status_code == 422, response.content
    error = response.json()
    assert error["errors"][0]["field"] == field
    assert message in error["errors"][0]["message"]
    assert message in error["detail"]
    assert not Aspiration.objects.exists()
    assert not OutboxMessage.objects.exists()
    # The new RW 005 / RT 007 rows were not left behind by the refused request.
    assert not Area.objects.filter(code__startswith="32.75.04.1005.005").exists()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ('{"text": "Lampu mati", ', "malformed_json"),
        ('{"text": NaN}', "malformed_json"),
        ('{"text": "Lampu\\u0000mati"}', "nul_character"),
        ("[1, 2]", "invalid"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(c2, content, code):
    response = api_client(c2.officer_selatan).post(URL, content, content_type="application/json")

    assert response.status_code in (400, 422)
    assert response.json()["code"] == code
    assert not Aspiration.objects.exists()


def test_an_area_no_unit_covers_is_refused(c2):
    from kamtibmas.areas.models import AreaKind, AreaLevel
    from kamtibmas.areas.services import area_create

    dki = area_create(
        code="31", name="DKI Jakarta", level=AreaLevel.PROVINCE, kind=AreaKind.PROVINSI, parent=None
    )
    city = area_create(
        code="31.71", name="Jakarta Pusat", level=AreaLevel.REGENCY, kind=AreaKind.KOTA, parent=dki
    )
    district = area_create(
        code="31.71.01",
        name="Gambir",
        level=AreaLevel.DISTRICT,
        kind=AreaKind.KECAMATAN,
        parent=city,
    )
    area_create(
        code="31.71.01.1001",
        name="Gambir",
        level=AreaLevel.VILLAGE,
        kind=AreaKind.KELURAHAN,
        parent=district,
    )

    body = _body(area="31.71.01.1001", rw=None, rt=None)
    response = send(api_client(c2.officer_selatan, language="en"), "POST", URL, body)

    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "area"
    assert "Call 110 if it is urgent." in response.json()["detail"]
    assert not Aspiration.objects.exists()


def test_without_a_token_nobody_submits(c2):
    response = send(Client(), "POST", URL, _body())

    assert response.status_code == 401
    assert not Aspiration.objects.exists()


def test_the_answer_follows_accept_language(c2):
    body = _body(text="Tolong ada tawuran sekarang di gang RT 001, bawa celurit!")

    english = send(api_client(c2.officer_selatan, language="en"), "POST", URL, body).json()
    indonesian = send(api_client(c2.officer_selatan, language="id"), "POST", URL, body).json()

    assert english["emergency_advice"].startswith("If anyone is in danger")
    assert indonesian["emergency_advice"] is not None
