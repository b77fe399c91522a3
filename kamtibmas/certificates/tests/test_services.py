"""Loss reports and issuing (C3): what is stored, what is refused, what is signed."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models
from django.utils import translation

from kamtibmas.accounts.models import Role
from kamtibmas.aspirations.receipt import receipt_digest
from kamtibmas.certificates import models as certificate_models
from kamtibmas.certificates.catalogue import ITEM_TYPES, item_details_clean
from kamtibmas.certificates.models import (
    Certificate,
    CertificateSettings,
    LossReport,
    ReportSource,
    ReportStatus,
)
from kamtibmas.certificates.qr import parse
from kamtibmas.certificates.selectors import (
    certificate_verify,
    loss_report_by_receipt,
    loss_reports_by_identifier,
)
from kamtibmas.certificates.services import (
    certificate_issue,
    certificate_revoke,
    letter_number,
    loss_report_contact_consent,
    loss_report_start,
    loss_report_update,
    loss_report_withdraw,
    number_format_check,
)
from kamtibmas.certificates.tests.conftest import KTP_AND_KK, SITI_NIK, identity
from kamtibmas.certificates.verify import Reason
from kamtibmas.conftest import make_user
from kamtibmas.engagements.models import DialogueType
from kamtibmas.engagements.services import dialogue_record_past
from kamtibmas.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


AT_DESK: dict[str, Any] = {"lost_on": date(2025, 7, 30), "lost_place": "Pasar Baru Bekasi"}


def desk_report(desk, **changes):
    arguments = {
        "actor": desk.officer,
        "source": ReportSource.DESK,
        "unit": desk.polsek_selatan,
        "identity": identity(),
        "items": KTP_AND_KK,
        **AT_DESK,
    }
    arguments.update(changes)
    return loss_report_start(**arguments)


def messages_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# --- the report ----------------------------------------------------------------------


def test_a_complete_desk_report_is_ready_and_its_identity_is_encrypted(desk):
    report = desk_report(desk)
    assert report.status == ReportStatus.READY
    assert len(report.reference) == 10
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, nik, phone, address, birth_date FROM certificates_lossreport")
        stored = " ".join(str(value) for value in cursor.fetchone())
        cursor.execute("SELECT details_json FROM certificates_lostitem")
        stored += " ".join(str(row[0]) for row in cursor.fetchall())
    for secret in ("Siti", SITI_NIK, "3456", "Cut Meutia", "1990", "3275040101090011"):
        assert secret not in stored
    fresh = LossReport.objects.get(pk=report.pk)
    assert fresh.nik == SITI_NIK and fresh.phone == "+6281234567890"
    assert [(item.item_type, item.details) for item in fresh.items.all()] == [
        ("ktp", {"nik": SITI_NIK}),
        ("kk", {"kk_number": "3275040101090011", "head": "Ahmad Yani"}),
    ]
    audit = AuditEntry.objects.get(subject_type="certificates.lossreport")
    assert audit.actor == desk.officer and "nik" in audit.fields


def test_reports_are_found_by_nik_and_phone_through_the_blind_index(desk):
    report = desk_report(desk)
    desk_report(desk, identity=identity(name="Lain", nik=None, phone="081299990000"))
    reports = LossReport.objects.all()
    assert list(loss_reports_by_identifier(reports, nik="3275-0465-0590-0002")) == [report]
    assert list(loss_reports_by_identifier(reports, phone="+62 812 3456 7890")) == [report]


def test_an_online_report_is_a_draft_until_the_desk_completes_it(desk):
    report = loss_report_start(
        actor=desk.resident,
        source=ReportSource.WEB,
        unit=desk.post_kayuringin,
        identity={"name": "Siti Aminah", "phone": "081234567890"},
        items=[{"type": "ktp", "details": {"nik": SITI_NIK}}],
        **AT_DESK,
    )
    assert report.status == ReportStatus.DRAFT
    assert report.reporter == desk.resident and report.created_by is None
    with pytest.raises(ValidationError) as excinfo:
        certificate_issue(actor=desk.officer, report=report, identity_checked="KK")
    assert {"nik", "birth_date", "address"} <= set(messages_of(excinfo))
    report = loss_report_update(actor=desk.officer, report=report, identity=identity())
    assert report.status == ReportStatus.READY


def test_an_online_report_needs_a_name_and_a_phone(desk):
    with pytest.raises(ValidationError) as excinfo:
        loss_report_start(
            actor=None,
            source=ReportSource.WEB,
            unit=desk.post_kayuringin,
            identity={},
            items=[{"type": "ktp", "details": {"nik": SITI_NIK}}],
            **AT_DESK,
        )
    assert set(messages_of(excinfo)) == {"name", "phone"}
    assert not LossReport.objects.exists()


def test_a_report_at_a_dialogue_is_linked_to_it(desk):
    dialogue = dialogue_record_past(
        actor=desk.commander_selatan,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi Kamtibmas",
        area=desk.rw024,
        unit=desk.polsek_selatan,
        venue_name="Balai RW 024",
        start=datetime(2025, 7, 31, 2, 0, tzinfo=UTC),
        end=datetime(2025, 7, 31, 4, 0, tzinfo=UTC),
    )
    report = loss_report_start(
        actor=desk.officer_selatan,
        source=ReportSource.DIALOGUE,
        dialogue=dialogue,
        unit=desk.polsek_selatan,
        identity=identity(),
        items=KTP_AND_KK,
        **AT_DESK,
    )
    assert report.dialogue == dialogue and report.created_by == desk.officer_selatan
    with pytest.raises(ValidationError):
        loss_report_start(
            actor=desk.officer_selatan,
            source=ReportSource.DIALOGUE,
            unit=desk.polsek_selatan,
            identity=identity(),
            items=KTP_AND_KK,
            **AT_DESK,
        )
    with pytest.raises(PermissionDenied):  # another unit's dialogue
        loss_report_start(
            actor=desk.officer_timur,
            source=ReportSource.DIALOGUE,
            dialogue=dialogue,
            unit=desk.polsek_timur,
            identity=identity(),
            items=KTP_AND_KK,
            **AT_DESK,
        )


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"nik": "32750465059000"}, "nik", "16 digits"),
        ({"nik": "3275046505900A02"}, "nik", "digits only"),
        ({"nik": "3299046505900002"}, "nik", "kecamatan"),  # 32.99.04 does not exist
        ({"nik": "3275042505900002"}, "nik", "sex"),  # a man's day on a woman
        ({"nik": "3275046605900002"}, "nik", "date of birth"),
        ({"birth_date": date(2099, 1, 1)}, "birth_date", "future"),
        ({"birth_date": "31-12-1990"}, "birth_date", "YYYY-MM-DD"),
        ({"sex": "X"}, "sex", "valid"),
        ({"phone": "12345"}, "phone", "phone"),
        ({"name": "x" * 121}, "name", "120"),
    ],
)
def test_bad_identity_is_refused_with_a_message_and_nothing_is_stored(
    desk, changes, field, fragment
):
    with pytest.raises(ValidationError) as excinfo:
        desk_report(desk, identity=identity(**changes))
    assert fragment in " ".join(messages_of(excinfo)[field])
    assert not LossReport.objects.exists()


@pytest.mark.parametrize(
    ("items", "field", "fragment"),
    [
        ([], "items", "at least one"),
        ([{"type": "sim", "details": {"sim_class": "C"}}], "items.0.sim_number", "required"),
        ([{"type": "sim", "details": {"sim_number": "123", "sim_class": "C"}}],
         "items.0.sim_number", "12 to 14"),
        ([{"type": "sim", "details": {"sim_number": "123456789012", "sim_class": "Z"}}],
         "items.0.sim_class", "class"),
        ([{"type": "stnk", "details": {"plate": "not a plate"}}], "items.0.plate", "plate"),
        ([{"type": "ktp", "details": {"nik": SITI_NIK, "colour": "blue"}}],
         "items.0.details", "colour"),
        ([{"type": "spaceship", "details": {}}], "items.0.type", "spaceship"),
        ([{"type": "lainnya", "details": {}}], "items.0.description", "required"),
        ([{"type": "ktp", "details": {"nik": SITI_NIK}}] * 16, "items", "15"),
    ],
)  # fmt: skip
def test_items_without_their_identifier_are_refused(desk, items, field, fragment):
    with pytest.raises(ValidationError) as excinfo:
        desk_report(desk, items=items)
    assert fragment in " ".join(messages_of(excinfo)[field])
    assert not LossReport.objects.exists()


def test_item_details_are_normalised():
    assert item_details_clean("stnk", {"plate": "b1234xyz", "vehicle": " Honda  Beat "}) == {
        "plate": "B 1234 XYZ",
        "vehicle": "Honda Beat",
    }
    assert item_details_clean("sim", {"sim_number": "1234-5678-9012", "sim_class": "b1 umum"}) == {
        "sim_number": "123456789012",
        "sim_class": "B1 Umum",
    }


def test_every_item_type_has_a_required_identifier_and_a_checklist():
    codes = [item.code for item in ITEM_TYPES]
    assert len(codes) == len(set(codes)) == 15
    for item in ITEM_TYPES:
        assert any(field.required for field in item.fields), item.code
        assert item.bring and item.issuer and item.printed_label


def test_the_loss_cannot_be_in_the_future_or_before_birth(desk):
    with pytest.raises(ValidationError) as excinfo:
        desk_report(desk, lost_on=date.today() + timedelta(days=2))
    assert "future" in messages_of(excinfo)["lost_on"][0]
    with pytest.raises(ValidationError) as excinfo:
        desk_report(desk, lost_on=date(1980, 1, 1))
    assert "birth" in messages_of(excinfo)["lost_on"][0]


def test_officers_record_only_for_their_own_unit(desk):
    with pytest.raises(PermissionDenied):
        desk_report(desk, actor=desk.other_unit)
    with pytest.raises(PermissionDenied):
        desk_report(desk, actor=desk.resident)


def test_there_is_no_fee_anywhere_in_the_data_model():
    for model in (m for m in vars(certificate_models).values() if isinstance(m, type)):
        if issubclass(model, models.Model):
            for field in model._meta.get_fields():
                assert not any(
                    word in field.name for word in ("fee", "biaya", "price", "cost", "tarif")
                ), f"{model.__name__}.{field.name}"


# --- issuing -------------------------------------------------------------------------


def test_issuing_numbers_signs_and_audits(desk):
    CertificateSettings.objects.create(
        unit=desk.polsek_selatan, unit_code="Sek.Bks.Sel", validity_days=30
    )
    report = desk_report(desk)
    moment = datetime(2025, 8, 1, 2, 15, tzinfo=UTC)  # 09.15 WIB
    certificate = certificate_issue(
        actor=desk.officer, report=report, identity_checked="KK asli", now=moment
    )
    assert certificate.number == "SKTLK/1/VIII/2025/Sek.Bks.Sel"
    assert (certificate.valid_from, certificate.valid_until) == (
        date(2025, 8, 1),
        date(2025, 8, 30),
    )
    assert (certificate.officer_name, certificate.officer_rank, certificate.officer_nrp) == (
        "Budi Santoso",
        "Aipda",
        "85031234",
    )
    payload, _signature = parse(certificate.qr_text)
    assert payload["name"] == "S*** A*****" and payload["items"] == ["ktp", "kk"]
    assert payload["unit"] == "Polsek Bekasi Selatan"
    assert SITI_NIK not in json.dumps(payload)
    report.refresh_from_db()
    assert report.status == ReportStatus.ISSUED
    assert AuditEntry.objects.filter(subject_type="certificates.certificate").count() == 1
    verdict = certificate_verify(certificate.qr_text, today=date(2025, 8, 15))
    assert verdict.valid and verdict.certificate is not None
    assert verdict.certificate.no == certificate.number
    assert certificate_verify(certificate.qr_text, today=date(2025, 8, 31)).reason == (
        Reason.EXPIRED
    )
    second = certificate_issue(
        actor=desk.officer,
        report=desk_report(desk),
        identity_checked="KTP",
        now=moment + timedelta(days=1),
    )
    assert second.number == "SKTLK/2/VIII/2025/Sek.Bks.Sel"


def test_issuing_twice_is_refused_and_changes_nothing(desk):
    report = desk_report(desk)
    certificate_issue(actor=desk.officer, report=report, identity_checked="KK")
    with pytest.raises(ValidationError) as excinfo:
        certificate_issue(actor=desk.officer, report=report, identity_checked="KK")
    assert excinfo.value.code == "already_issued"
    assert Certificate.objects.count() == 1


def test_only_desk_roles_of_the_unit_issue(desk):
    report = desk_report(desk)
    for actor in (desk.officer_selatan, desk.other_unit, desk.resident):
        with pytest.raises(PermissionDenied):
            certificate_issue(actor=actor, report=report, identity_checked="KK")
    unnamed = make_user("spkt.baru", Role.DESK_OFFICER, desk.polsek_selatan)
    with pytest.raises(ValidationError) as excinfo:
        certificate_issue(actor=unnamed, report=report, identity_checked="")
    assert {"officer", "identity_checked"} == set(messages_of(excinfo))
    assert not Certificate.objects.exists()


def test_a_unit_inherits_its_parents_settings_and_formats_are_checked(desk):
    CertificateSettings.objects.create(
        unit=desk.polres,
        number_format="STPL/{n}/{month}/{year}/{unit_code}",
        unit_code="Res.Bks",
        validity_days=14,
    )
    certificate = certificate_issue(
        actor=desk.officer, report=desk_report(desk), identity_checked="KK"
    )
    assert certificate.number.startswith("STPL/1/")
    assert (certificate.valid_until - certificate.valid_from).days == 13
    number_format_check("SKTLK/{n}/{year}")
    for bad in ("SKTLK/{year}", "SKTLK/{n}/{fee}", "SKTLK/{n"):
        with pytest.raises(ValidationError):
            number_format_check(bad)
    no_code = CertificateSettings(unit_code="")
    assert letter_number(no_code, sequence=7, day=date(2026, 11, 2)) == "SKTLK/7/XI/2026"
    settings = CertificateSettings(number_format="{n}" + "x" * 70)
    with pytest.raises(ValidationError):
        letter_number(settings, sequence=1, day=date(2025, 8, 1))


def test_revoking_shows_on_verification_and_needs_a_reason(desk):
    certificate = certificate_issue(
        actor=desk.officer, report=desk_report(desk), identity_checked="KK"
    )
    with pytest.raises(ValidationError):
        certificate_revoke(actor=desk.officer, certificate=certificate, reason=" ")
    with pytest.raises(PermissionDenied):
        certificate_revoke(actor=desk.other_unit, certificate=certificate, reason="salah")
    certificate_revoke(actor=desk.officer, certificate=certificate, reason="Data salah ketik")
    assert certificate_verify(certificate.qr_text).reason == Reason.REVOKED
    with pytest.raises(ValidationError):
        certificate_revoke(actor=desk.officer, certificate=certificate, reason="lagi")


def test_an_issued_report_can_no_longer_change_or_be_withdrawn(desk):
    report = desk_report(desk)
    certificate_issue(actor=desk.officer, report=report, identity_checked="KK")
    with pytest.raises(ValidationError):
        loss_report_update(actor=desk.officer, report=report, identity={"name": "Lain"})
    with pytest.raises(ValidationError):
        loss_report_withdraw(actor=desk.officer, report=report, reason="ketemu")


def test_contact_is_shared_only_when_both_consent(desk):
    report = loss_report_start(
        actor=desk.resident,
        source=ReportSource.WEB,
        unit=desk.post_kayuringin,
        identity={"name": "Siti Aminah", "phone": "081234567890"},
        items=[{"type": "ktp", "details": {"nik": SITI_NIK}}],
        **AT_DESK,
    )
    report = loss_report_contact_consent(actor=desk.officer, report=report, consents=True)
    assert report.handling_officer == desk.officer and not report.contact_shared
    report = loss_report_contact_consent(actor=desk.resident, report=report, consents=True)
    assert report.contact_shared
    with pytest.raises(PermissionDenied):
        loss_report_contact_consent(actor=desk.other_unit, report=report, consents=True)


def test_the_receipt_code_is_handed_out_once_and_only_its_digest_is_kept(desk):
    report = desk_report(desk)
    code = report.receipt_code
    assert len(code.replace("-", "")) == 16  # 80 bits (SECURITY.md 11)
    fresh = LossReport.objects.get(pk=report.pk)
    assert fresh.receipt_code == "" and fresh.receipt_digest == receipt_digest(code)
    assert loss_report_by_receipt(code.lower().replace("-", " ")) == fresh
    assert loss_report_by_receipt(fresh.reference) is None, "the reference is not a key"


def test_whoever_holds_the_receipt_code_answers_for_the_resident(desk):
    report = loss_report_start(
        actor=None,
        source=ReportSource.WEB,
        unit=desk.post_kayuringin,
        identity={"name": "Siti Aminah", "phone": "081234567890"},
        items=[{"type": "ktp", "details": {"nik": SITI_NIK}}],
        **AT_DESK,
    )
    with pytest.raises(PermissionDenied):
        loss_report_contact_consent(
            actor=None, report=report, consents=True, receipt_code="7F3Q-9X2M-K4TD-HW8R"
        )
    report = loss_report_contact_consent(
        actor=None, report=report, consents=True, receipt_code=report.receipt_code
    )
    assert report.reporter_consents_contact
