"""Officials present: …/{id}/officials."""

from __future__ import annotations

from kamtibmas.api.tests.client import api_client
from kamtibmas.engagements.models import DialogueOfficial
from kamtibmas.engagements.services import dialogue_official_add


def _url(dialogue, tail: str = "") -> str:
    return f"/api/v1/engagements/{dialogue.pk}/officials{tail}"


def test_officials_are_added_in_order_and_listed(bekasi, ngopi):
    client = api_client(bekasi.officer_selatan)

    first = client.post(
        _url(ngopi),
        {"position": "Ketua RW 024", "name": "Pak Darto"},
        content_type="application/json",
    )
    second = client.post(
        _url(ngopi),
        {"position": "Sekcam", "institution": "Kecamatan Bekasi Selatan"},
        content_type="application/json",
    )

    assert first.status_code == second.status_code == 201
    assert first.json() == {
        "id": first.json()["id"],
        "position": "Ketua RW 024",
        "institution": "",
        "name": "Pak Darto",
    }
    listed = client.get(_url(ngopi)).json()
    assert [official["position"] for official in listed] == ["Ketua RW 024", "Sekcam"]


def test_an_official_needs_a_position(bekasi, ngopi):
    response = api_client(bekasi.officer_selatan, language="en").post(
        _url(ngopi), {"position": " ", "name": "Pak Darto"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "position_required"
    assert not DialogueOfficial.objects.exists()


def test_an_official_is_removed(bekasi, ngopi):
    official = dialogue_official_add(dialogue=ngopi, position="Ketua RW 024")
    client = api_client(bekasi.officer_selatan)

    response = client.delete(_url(ngopi, f"/{official.pk}"))

    assert response.status_code == 204
    assert response.content == b""
    assert not DialogueOfficial.objects.exists()
    assert client.delete(_url(ngopi, f"/{official.pk}")).status_code == 404


def test_an_official_of_another_dialogue_is_not_found_through_this_one(bekasi, ngopi, planned):
    other = dialogue_official_add(dialogue=planned, position="Lurah Margahayu")

    response = api_client(bekasi.commander_polres).delete(_url(ngopi, f"/{other.pk}"))

    assert response.status_code == 404
    assert DialogueOfficial.objects.filter(pk=other.pk).exists()
