"""Privacy on every public Open311 surface (SECURITY.md 14-15): confidential and
anonymous cases appear with no personal data and no words, only their kelurahan and
coordinates rounded to about 1 km; only public updates appear; nothing the client
sent about the reporter is ever read back."""

from __future__ import annotations

import pytest

from kamtibmas.aspirations.models import Aspiration
from kamtibmas.aspirations.services import aspiration_act, aspiration_note_add
from kamtibmas.open311.tests.conformance import conforms
from kamtibmas.open311.tests.conftest import KAYURINGIN, form

SENTINELS = (
    "Sentinelia",
    "Rahasiawati",
    "sentinel@example.test",
    "6281299991234",
    "DEVICE-SENTINEL",
    "ACCOUNT-SENTINEL",
    "Gang Sentinel",
    "photos.sentinel.test",
    "TEKS-RAHASIA",
    "CATATAN-INTERNAL",
    "-6.24761",
    "106.99423",
    ".024.001",
)


def _post(o311, api, privacy: str, **extra) -> Aspiration:
    identity = (
        {}
        if privacy == "anonymous"
        else {
            "first_name": "Sentinelia",
            "last_name": "Rahasiawati",
            "email": "sentinel@example.test",
            "phone": "081299991234",
            "device_id": "DEVICE-SENTINEL-1",
            "account_id": "ACCOUNT-SENTINEL-1",
        }
    )
    answer = api.post(
        "requests.json",
        form(
            api_key=o311.raw_key,
            description="TEKS-RAHASIA: pengedar sabu di rumah cat hijau.",
            lat="-6.24761",
            long="106.99423",
            address_string="Gang Sentinel 5",
            media_url="https://photos.sentinel.test/a.jpg",
            **identity,
            **{"attribute[privacy]": privacy, "attribute[rw]": "24", "attribute[rt]": "1"},
            **extra,
        ),
    )
    assert answer.status_code == 200, answer.content
    case = Aspiration.objects.get(number=answer.json()[0]["service_request_id"])
    aspiration_note_add(
        actor=o311.officer_selatan,
        aspiration=case,
        text="Bapak Sentinelia, kami sudah menghubungi Anda (TEKS-RAHASIA).",
        is_public=True,
    )
    aspiration_note_add(
        actor=o311.officer_selatan, aspiration=case, text="CATATAN-INTERNAL", is_public=False
    )
    return case


def _every_public_answer(api, case: Aspiration) -> list:
    answers = []
    for fmt in ("json", "xml"):
        one = f"requests/{case.number}.{fmt}"
        answers += [
            (api.get(f"requests.{fmt}", {"extensions": "true"}), "service_requests", fmt),
            (api.get(one, {"extensions": "true"}), "service_requests", fmt),
            (api.get(f"servicerequestupdates.{fmt}"), "service_request_updates", fmt),
        ]
    return answers


@pytest.mark.parametrize("privacy", ["confidential", "anonymous"])
def test_confidential_and_anonymous_cases_show_no_person_and_no_words(o311, api, privacy):
    case = _post(o311, api, privacy)

    for answer, schema, fmt in _every_public_answer(api, case):
        assert answer.status_code == 200
        conforms(answer, schema, fmt)
        text = answer.content.decode()
        leaked = [sentinel for sentinel in SENTINELS if sentinel in text]
        assert not leaked, (fmt, schema, leaked)

    (item,) = api.get(f"requests/{case.number}.json", {"extensions": "true"}).json()
    assert item["service_request_id"] == case.number and item["status"] == "open"
    assert (item["lat"], item["long"]) == (-6.25, 106.99)
    assert item["address_id"] == KAYURINGIN  # the kelurahan, not the RT
    assert item["address"].startswith("Urban ward Kayuringin Jaya")
    assert item["description"] is None and item["status_notes"] is None
    assert item["media_url"] is None
    assert [note["description"] for note in item["notes"]] == [None, None]
    assert item["extended_attributes"]["privacy"] == privacy


def test_an_anonymous_case_shows_only_its_day(o311, api):
    case = _post(o311, api, "anonymous")

    (item,) = api.get(f"requests/{case.number}.json").json()

    assert item["requested_datetime"].endswith("T00:00:00+07:00")
    assert item["updated_datetime"].endswith("T00:00:00+07:00")


def test_a_public_case_shows_its_words_place_and_public_notes_only(o311, api):
    case = _post(o311, api, "public")

    (item,) = api.get(f"requests/{case.number}.json", {"extensions": "true"}).json()
    everything = api.get("requests.json", {"extensions": "true"}).content.decode()

    assert item["description"].startswith("TEKS-RAHASIA")
    assert (item["lat"], item["long"]) == (-6.24761, 106.99423)
    assert item["address_id"] == f"{KAYURINGIN}.024.001"
    assert item["address"].startswith("Gang Sentinel 5, RT 001, RW 024, Urban ward Kayuringin")
    assert item["media_url"] == "https://photos.sentinel.test/a.jpg"
    assert item["status_notes"].startswith("Bapak Sentinelia")
    # The reporter's identity is never read back, whatever the privacy mode.
    for sentinel in ("Rahasiawati", "sentinel@example", "6281299991234", "DEVICE-", "ACCOUNT-"):
        assert sentinel not in everything
    assert "CATATAN-INTERNAL" not in everything


def test_a_public_case_rejected_as_spam_shows_no_words(o311, api):
    case = _post(o311, api, "public")
    aspiration_act(actor=o311.officer_selatan, aspiration=case, action="reject", text="Spam.")

    (item,) = api.get(f"requests/{case.number}.json", {"extensions": "true"}).json()

    assert item["status"] == "closed"
    assert item["description"] is None and item["status_notes"] is None
    assert "TEKS-RAHASIA" not in api.get("servicerequestupdates.json").content.decode()
