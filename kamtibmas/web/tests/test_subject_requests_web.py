"""The data-subject request pages: residents ask and download, staff work their
units' queue (issue 11 point 2)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kamtibmas.accounts.models import Role
from kamtibmas.aspirations.models import Aspiration, Privacy, Source, Status
from kamtibmas.conftest import make_user
from kamtibmas.privacy.blind_index import blind_index
from kamtibmas.privacy.models import (
    AuditAction,
    AuditEntry,
    DataSubjectRequest,
    SubjectRequestStatus,
)
from kamtibmas.privacy.subject_requests import subject_request_submit

PHONE = "+6281234567890"


@pytest.fixture
def desk(bekasi):
    return make_user("spkt.selatan", Role.DESK_OFFICER, bekasi.polsek_selatan)


@pytest.fixture
def desk_timur(bekasi):
    return make_user("spkt.timur", Role.DESK_OFFICER, bekasi.polsek_timur)


def _case(bekasi, number: str, *, reporter, name: str, text: str) -> Aspiration:
    now = timezone.now()
    return Aspiration.objects.create(
        number=number,
        text=text,
        category="pencurian",
        urgency="sedang",
        suggested_category="pencurian",
        suggested_urgency="sedang",
        area=bekasi.rw024,
        privacy=Privacy.CONFIDENTIAL,
        source=Source.WEB,
        reporter=reporter,
        reporter_name=name,
        reporter_phone=PHONE,
        notify_by="sms",
        receipt_digest=blind_index("test", number),
        status=Status.IN_PROGRESS,
        unit=bekasi.polsek_selatan,
        assigned_unit=bekasi.polsek_selatan,
        received_at=now,
        updated_at=now,
    )


def test_a_resident_makes_a_request_and_sees_it(client, bekasi):
    _case(bekasi, "ASP-W1", reporter=bekasi.resident, name="Warga", text="Lampu mati")
    client.force_login(bekasi.resident)
    page = client.get(reverse("web:subject-requests-mine"))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    response = client.post(reverse("web:subject-requests-mine"), {"kind": "access"})
    request = DataSubjectRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:subject-request-mine", args=[request.pk])
    assert request.subject_user == bekasi.resident
    assert request.unit == bekasi.polsek_selatan
    detail = client.get(response["Location"]).content.decode()
    assert request.reference in detail
    # Shown in the area's zone, the Indonesian way.
    assert "WIB" in detail
    assert "export-link" not in detail


def test_a_correction_without_details_is_refused_with_a_message(client, bekasi):
    client.force_login(bekasi.resident)
    response = client.post(reverse("web:subject-requests-mine"), {"kind": "correction"})
    assert response.status_code == 400
    assert not DataSubjectRequest.objects.exists()


def test_residents_see_only_their_own_requests(client, bekasi):
    other = make_user("tetangga", Role.RESIDENT)
    theirs = subject_request_submit(actor=other, kind="access")
    client.force_login(bekasi.resident)
    assert client.get(reverse("web:subject-request-mine", args=[theirs.pk])).status_code == 404
    export = reverse("web:subject-request-mine-export", args=[theirs.pk])
    assert client.get(export).status_code == 404


def test_residents_get_403_on_the_staff_pages(client, bekasi):
    own = subject_request_submit(actor=bekasi.resident, kind="access")
    client.force_login(bekasi.resident)
    for url in (
        reverse("web:subject-request-queue"),
        reverse("web:subject-request-new"),
        reverse("web:subject-request", args=[own.pk]),
        reverse("web:subject-request-export", args=[own.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_staff_outside_the_unit_get_404(client, bekasi, desk, desk_timur):
    request = subject_request_submit(actor=desk, kind="access", name="Yanti", phone=PHONE)
    client.force_login(desk_timur)
    assert client.get(reverse("web:subject-request", args=[request.pk])).status_code == 404
    assert client.get(reverse("web:subject-request-export", args=[request.pk])).status_code == 404
    act = reverse("web:subject-request-act", args=[request.pk])
    assert client.post(act, {"action": "start"}).status_code == 404
    queue = client.get(reverse("web:subject-request-queue")).content.decode()
    assert request.reference not in queue


def test_community_officers_may_not_work_the_queue(client, bekasi, desk):
    own_unit = subject_request_submit(actor=desk, kind="access", name="Budi", phone=PHONE)
    client.force_login(bekasi.officer_selatan)
    assert client.get(reverse("web:subject-request-queue")).status_code == 403
    assert client.get(reverse("web:subject-request", args=[own_unit.pk])).status_code == 403
    # Another unit's request is simply not found, whatever the role.
    client.force_login(bekasi.officer_timur)
    assert client.get(reverse("web:subject-request", args=[own_unit.pk])).status_code == 404


def test_the_queue_highlights_overdue_requests(client, bekasi, desk):
    late = subject_request_submit(
        actor=desk,
        kind="deletion",
        name="Budi",
        phone=PHONE,
        now=timezone.now() - timedelta(hours=73),
    )
    fresh = subject_request_submit(actor=desk, kind="access", name="Siti", phone=PHONE)
    client.force_login(desk)
    page = client.get(reverse("web:subject-request-queue")).content.decode()
    assert f'<tr id="request-{late.pk}" class="overdue">' in page
    assert f'<tr id="request-{fresh.pk}">' in page
    assert 'id="overdue-count"' in page


def test_staff_record_a_request_on_behalf_and_download_the_export(client, bekasi, desk):
    yanti = make_user("yanti", Role.RESIDENT)
    yanti.phone, yanti.phone_index = PHONE, blind_index("phone", PHONE)
    yanti.save()
    _case(bekasi, "ASP-Y1", reporter=yanti, name="Yanti Rahayu", text="Lampu mati")
    tipster = make_user("xavier", Role.RESIDENT)
    _case(bekasi, "ASP-X1", reporter=tipster, name="Xaverius", text="Yanti Rahayu mencuri")
    client.force_login(desk)
    response = client.post(
        reverse("web:subject-request-new"),
        {"kind": "access", "name": "Yanti Rahayu", "phone": "0812-3456-7890"},
    )
    request = DataSubjectRequest.objects.get()
    assert response["Location"] == reverse("web:subject-request", args=[request.pk])
    detail = client.get(response["Location"])
    body = detail.content.decode()
    assert "ASP-Y1" in body and "ASP-X1" not in body
    assert "0812" not in body and "*********7890" in body  # the phone is masked
    assert AuditEntry.objects.filter(
        actor=desk, action=AuditAction.READ, reason__contains="records listed"
    ).exists()
    download = client.get(reverse("web:subject-request-export", args=[request.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{request.reference}.json"'
    data = json.loads(download.content)
    assert [case["number"] for case in data["aspirations"]] == ["ASP-Y1"]
    assert "Xaverius" not in download.content.decode()


def test_staff_form_errors_name_the_field(client, desk):
    client.force_login(desk)
    response = client.post(
        reverse("web:subject-request-new"), {"kind": "access", "name": "Budi", "nik": "123"}
    )
    assert response.status_code == 400
    assert 'id="id_nik_error"' in response.content.decode()
    assert not DataSubjectRequest.objects.exists()


def test_staff_refuse_with_a_reason_and_the_resident_reads_it(client, bekasi, desk):
    _case(bekasi, "ASP-W1", reporter=bekasi.resident, name="Warga", text="Lampu mati")
    request = subject_request_submit(actor=bekasi.resident, kind="deletion")
    client.force_login(desk)
    act = reverse("web:subject-request-act", args=[request.pk])
    client.post(act, {"action": "start"})
    client.post(act, {"action": "refused"})
    request.refresh_from_db()
    assert request.status == SubjectRequestStatus.IN_PROGRESS
    client.post(act, {"action": "refused", "resolution": "Masih dalam penyidikan."})
    request.refresh_from_db()
    assert request.status == SubjectRequestStatus.REFUSED
    client.force_login(bekasi.resident)
    page = client.get(reverse("web:subject-request-mine", args=[request.pk])).content.decode()
    assert "Masih dalam penyidikan." in page


def test_the_resident_downloads_a_finished_access_export(client, bekasi, desk):
    _case(bekasi, "ASP-W1", reporter=bekasi.resident, name="Warga", text="Lampu mati")
    request = subject_request_submit(actor=bekasi.resident, kind="access")
    client.force_login(bekasi.resident)
    export = reverse("web:subject-request-mine-export", args=[request.pk])
    assert client.get(export).status_code == 403
    client.force_login(desk)
    client.post(reverse("web:subject-request-act", args=[request.pk]), {"action": "done"})
    client.force_login(bekasi.resident)
    assert (
        "export-link"
        in client.get(reverse("web:subject-request-mine", args=[request.pk])).content.decode()
    )
    download = client.get(export)
    assert download.status_code == 200
    assert json.loads(download.content)["aspirations"][0]["number"] == "ASP-W1"


def test_staff_carry_out_a_deletion_from_the_page(client, bekasi, desk):
    case = _case(bekasi, "ASP-W1", reporter=bekasi.resident, name="Warga", text="Lampu mati")
    request = subject_request_submit(actor=bekasi.resident, kind="deletion")
    client.force_login(desk)
    client.post(reverse("web:subject-request-act", args=[request.pk]), {"action": "erase"})
    request.refresh_from_db()
    case.refresh_from_db()
    assert request.status == SubjectRequestStatus.DONE
    assert case.reporter_name is None and case.reporter is None


def test_staff_correct_a_field_from_the_page(client, bekasi, desk):
    case = _case(bekasi, "ASP-W1", reporter=bekasi.resident, name="Warga Salah", text="x")
    request = subject_request_submit(
        actor=bekasi.resident, kind="correction", details="Nama saya Warga Benar"
    )
    client.force_login(desk)
    page = client.get(reverse("web:subject-request", args=[request.pk])).content.decode()
    target = f"aspirations.aspiration:{case.pk}|reporter_name"
    assert f'value="{target}"' in page
    act = reverse("web:subject-request-act", args=[request.pk])
    client.post(act, {"action": "correct", "target": target, "value": "Warga Benar"})
    case.refresh_from_db()
    assert case.reporter_name == "Warga Benar"
    # A field that is not the subject's identity is refused and changes nothing.
    client.post(
        act,
        {"action": "correct", "target": f"aspirations.aspiration:{case.pk}|text", "value": "y"},
    )
    case.refresh_from_db()
    assert case.text == "x"
