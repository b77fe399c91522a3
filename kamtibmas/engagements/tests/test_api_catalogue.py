"""The catalogues: /api/v1/engagements/catalogue."""

from __future__ import annotations

from kamtibmas.api.tests.client import api_client
from kamtibmas.engagements.catalogue import DIALOGUE_TYPES, INSPECTION_ITEMS, OUTREACH_TOPICS
from kamtibmas.engagements.models import DialogueType

URL = "/api/v1/engagements/catalogue"


def test_catalogue_lists_every_entry_in_use_in_indonesian_by_default(bekasi):
    body = api_client(bekasi.officer_selatan).get(URL).json()

    assert [entry["code"] for entry in body["types"]] == [code for code, *_ in DIALOGUE_TYPES]
    assert [entry["code"] for entry in body["topics"]] == [code for code, *_ in OUTREACH_TOPICS]
    assert [entry["code"] for entry in body["inspection_items"]] == [
        code for code, *_ in INSPECTION_ITEMS
    ]
    sambang = next(entry for entry in body["types"] if entry["code"] == "sambang")
    assert sambang == {
        "code": "sambang",
        "name": "Sambang / kunjungan rumah",
        "is_public_by_default": False,
    }
    assert [choice["value"] for choice in body["statuses"]] == ["planned", "held", "cancelled"]
    assert [choice["value"] for choice in body["finding_results"]] == ["ok", "problem", "na"]


def test_catalogue_names_follow_accept_language(bekasi):
    body = api_client(bekasi.officer_selatan, language="en").get(URL).json()

    assert body["types"][-1] == {"code": "lainnya", "name": "Other", "is_public_by_default": True}
    assert body["statuses"][0] == {"value": "planned", "label": "Planned"}
    assert body["attendee_groups"][1] == {"value": "leader", "label": "Community leader"}


def test_retired_entries_are_not_offered(bekasi):
    DialogueType.objects.filter(code="minggu_kasih").update(is_active=False)

    body = api_client(bekasi.officer_selatan).get(URL).json()

    assert "minggu_kasih" not in [entry["code"] for entry in body["types"]]
