"""``Idempotency-Key`` on every create of the dialogues API (§6, SECURITY.md 19): an
officer's phone that lost the answer sends again and creates nothing twice."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from django.db.models import Model

from kamtibmas.api.tests.client import api_client
from kamtibmas.engagements.models import Attendee, Dialogue, DialogueOfficial, FollowUp
from kamtibmas.engagements.tests.test_api_dialogues import URL, _body, _plan

pytestmark = pytest.mark.django_db


def _post(client, path: str, body: dict, key: str):
    return client.post(
        path, json.dumps(body), content_type="application/json", headers={"Idempotency-Key": key}
    )


def _creates(bekasi) -> list[tuple[str, dict, type[Model]]]:
    dialogue = _plan(bekasi, days=2)
    inside = f"{URL}/{dialogue.pk}"
    due = (date.today() + timedelta(days=7)).isoformat()
    return [
        (URL, _body(), Dialogue),
        (f"{inside}/attendees", {"name": "Bu Sri", "consent": True}, Attendee),
        (f"{inside}/officials", {"position": "Ketua RW 024"}, DialogueOfficial),
        (f"{inside}/follow-ups", {"title": "Pasang lampu gang", "due_date": due}, FollowUp),
    ]


def test_every_create_replays_its_first_answer_and_creates_nothing_more(bekasi):
    client = api_client(bekasi.officer_selatan)

    for path, body, model in _creates(bekasi):
        key = str(uuid.uuid4())
        before = model._default_manager.count()
        first = _post(client, path, body, key)
        again = _post(client, path, body, key)

        assert first.status_code == again.status_code == 201, (path, first.json())
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        assert "Idempotent-Replayed" not in first.headers
        assert again.headers.get("Location") == first.headers.get("Location")
        assert model._default_manager.count() == before + 1, path


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(bekasi):
    client = api_client(bekasi.officer_selatan, language="en")

    for path, body, model in _creates(bekasi):
        key = str(uuid.uuid4())
        assert _post(client, path, body, key).status_code == 201
        count = model._default_manager.count()

        text = next(name for name in ("title", "name", "position") if name in body)
        other = {**body, text: body[text] + " (lain)"}
        refused = _post(client, path, other, key)

        assert refused.status_code == 422, path
        assert refused.json()["code"] == "idempotency_key_reused"
        assert model._default_manager.count() == count


def test_every_create_documents_the_header():
    from kamtibmas.api.tests.openapi_check import openapi_document, operation

    document = openapi_document()
    for name in ("DialogueCreate", "AttendeeSignIn", "OfficialAdd", "FollowUpCreate"):
        _path, _method, found = operation(document, name)
        headers = [p["name"] for p in found.get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in headers, name
