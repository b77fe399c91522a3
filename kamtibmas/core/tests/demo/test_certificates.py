"""The demo loss reports (§8): the reference resident's KTP and KK, reported at the
Ngopi Kamtibmas and issued at Polsek Bekasi Selatan, and three dozen others.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

from kamtibmas.certificates.demo import (
    REFERENCE_NIK,
    demo_certificates_to_verify,
)
from kamtibmas.certificates.models import Certificate, LossReport, ReportStatus
from kamtibmas.certificates.qr import b64url_decode
from kamtibmas.certificates.selectors import certificate_verify
from kamtibmas.certificates.verify import Reason
from kamtibmas.core.tests.demo import run_demo_steps
from kamtibmas.engagements.demo import REFERENCE_TITLE


def test_the_reference_resident_reported_at_the_dialogue_and_got_her_certificate():
    certificate = Certificate.objects.get(report__dialogue__title=REFERENCE_TITLE)
    report = certificate.report
    assert report.nik == REFERENCE_NIK
    assert [item.item_type for item in report.items.all()] == ["ktp", "kk"]
    assert report.aspiration is not None and "dokumen" in report.aspiration.text
    assert report.contact_shared and report.handling_officer is not None
    assert report.handling_officer.username == "bhabin"
    assert certificate.unit.name == "Polsek Bekasi Selatan"
    assert certificate.number == "SKTLK/1/VIII/2025/Sek.Bks.Sel"
    assert (certificate.valid_from, certificate.valid_until) == (
        date(2025, 8, 1),
        date(2025, 8, 30),
    )
    assert certificate.officer_nrp and certificate.issued_by.username == "spkt"
    assert certificate_verify(certificate.qr_text, today=date(2025, 8, 10)).valid
    assert certificate_verify(certificate.qr_text).reason == Reason.EXPIRED
    payload = b64url_decode(certificate.qr_text.split(".")[0]).decode()
    assert REFERENCE_NIK not in payload and json.loads(payload)["name"] == "S*** A*****"


def test_a_few_dozen_other_reports_in_every_state():
    statuses = Counter(LossReport.objects.values_list("status", flat=True))
    assert sum(statuses.values()) >= 30
    assert statuses[ReportStatus.DRAFT] >= 5 and statuses[ReportStatus.READY] >= 1
    assert statuses[ReportStatus.ISSUED] >= 20
    assert Certificate.objects.filter(revoked_at__isnull=False).count() == 1
    labels = [label for label, _text in demo_certificates_to_verify()]
    assert len(labels) == 2
    _label, newest = demo_certificates_to_verify()[1]
    assert certificate_verify(newest).valid


def test_a_second_run_creates_nothing():
    before = (LossReport.objects.count(), Certificate.objects.count())
    run_demo_steps()
    assert (LossReport.objects.count(), Certificate.objects.count()) == before


def test_the_reference_pdf_is_written_for_offline_verification(tmp_path):
    from kamtibmas.certificates.demo import demo_certificate_pdf
    from kamtibmas.certificates.pdf import qr_text_from_pdf

    path = demo_certificate_pdf(tmp_path / "demo")
    assert path is not None and path.name == "SKTLK-1-VIII-2025-Sek.Bks.Sel.pdf"
    text = qr_text_from_pdf(path.read_bytes()).rsplit("/verify/", 1)[1]
    assert certificate_verify(text, today=date(2025, 8, 10)).valid
