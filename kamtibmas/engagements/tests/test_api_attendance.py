"""Attendance counts and named sign-ins: …/{id}/attendance and …/{id}/attendees."""

from __future__ import annotations

import pytest

from kamtibmas.api.tests.client import api_client
from kamtibmas.engagements.models import Attendee
from kamtibmas.engagements.services import attendee_sign_in
from kamtibmas.privacy.models import AuditAction, AuditEntry


def _url(dialogue, tail: str) -> str:
    return f"/api/v1/engagements/{dialogue.pk}/{tail}"


def test_attendance_is_counted_by_group(bekasi, ngopi):
    body = {"residents": 24, "leaders": 5, "children": 3}

    response = api_client(bekasi.officer_selatan).put(
        _url(ngopi, "attendance"), body, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json() == {"residents": 24, "leaders": 5, "children": 3, "total": 32}
    ngopi.refresh_from_db()
    assert ngopi.attendance_total == 32


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"residents": -1, "leaders": 0, "children": 0}, "count_range"),
        ({"residents": 100_001, "leaders": 0, "children": 0}, "count_range"),
        ({"residents": 1, "leaders": 0}, "invalid"),
        ({"residents": "many", "leaders": 0, "children": 0}, "invalid"),
    ],
)
def test_bad_attendance_is_refused(bekasi, ngopi, body, code):
    response = api_client(bekasi.officer_selatan, language="en").put(
        _url(ngopi, "attendance"), body, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["code"] == code
    ngopi.refresh_from_db()
    assert ngopi.attendance_total == 0


def test_attendance_waits_until_the_dialogue_was_held(bekasi, planned):
    response = api_client(bekasi.officer_timur, language="en").put(
        _url(planned, "attendance"),
        {"residents": 3, "leaders": 0, "children": 0},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["code"] == "not_held"


def test_a_consenting_attendee_is_signed_in_and_the_phone_is_masked(bekasi, ngopi):
    body = {"name": "Bu Sari", "group": "leader", "phone": "0812-3456-7890", "consent": True}

    response = api_client(bekasi.officer_selatan).post(
        _url(ngopi, "attendees"), body, content_type="application/json"
    )

    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["name"] == "Bu Sari"
    assert created["group"] == "leader"
    assert created["source"] == "sign_in"
    assert created["phone_masked"] == "+62*******7890"
    assert "81234567890" not in response.content.decode()
    assert created["created_at"].endswith("+07:00")
    assert Attendee.objects.get(pk=created["id"]).phone == "+6281234567890"


def test_the_list_masks_phones_and_audits_the_read(bekasi, ngopi):
    attendee_sign_in(dialogue=ngopi, name="Bu Sari", phone="081234567890", consent=True)
    attendee_sign_in(dialogue=ngopi, name="Pak Ujang", consent=True)

    response = api_client(bekasi.officer_selatan).get(_url(ngopi, "attendees"))

    assert response.status_code == 200
    listed = response.json()
    assert [(a["name"], a["phone_masked"]) for a in listed] == [
        ("Bu Sari", "+62*******7890"),
        ("Pak Ujang", None),
    ]
    assert "1234567890" not in response.content.decode()
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action) == (bekasi.officer_selatan, AuditAction.READ)
    assert (entry.subject_type, entry.subject_id) == ("engagements.dialogue", str(ngopi.pk))


def test_an_empty_list_reveals_nobody_and_is_not_audited(bekasi, ngopi):
    response = api_client(bekasi.officer_selatan).get(_url(ngopi, "attendees"))

    assert response.json() == []
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "Bu Sari", "consent": False}, "consent_required"),
        ({"name": "Bu Sari"}, "invalid"),
        ({"name": "  ", "consent": True}, "name_required"),
        ({"name": "Bu Sari", "phone": "12", "consent": True}, "invalid"),
        ({"name": "Bu Sari", "phone": "+1 202 555 0143", "consent": True}, "country"),
        ({"name": "Bu Sari", "group": "vip", "consent": True}, "invalid"),
        ({"name": "Bu Sari", "consent": True, "nik": "3275"}, "invalid"),
    ],
)
def test_bad_sign_ins_are_refused_and_list_nobody(bekasi, ngopi, body, code):
    response = api_client(bekasi.officer_selatan, language="en").post(
        _url(ngopi, "attendees"), body, content_type="application/json"
    )

    assert response.status_code == 422, response.json()
    assert response.json()["code"] == code
    assert not Attendee.objects.exists()


def test_the_same_phone_is_listed_once(bekasi, ngopi):
    attendee_sign_in(dialogue=ngopi, name="Bu Sari", phone="081234567890", consent=True)

    response = api_client(bekasi.officer_selatan, language="en").post(
        _url(ngopi, "attendees"),
        {"name": "Sari", "phone": "+62 812-3456-7890", "consent": True},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["code"] == "duplicate_phone"
    assert Attendee.objects.count() == 1
