"""Writes of loss reports and certificates (C3). Every write goes through here.

Bad input raises ``ValidationError`` keyed by field, with a message in the active
language, and changes nothing; permission problems raise ``PermissionDenied``.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kamtibmas.accounts.models import LOSS_REPORT_ROLES, Role, User
from kamtibmas.areas.models import Area, Unit
from kamtibmas.areas.registry import district_codes
from kamtibmas.aspirations.models import Aspiration
from kamtibmas.aspirations.receipt import receipt_digest, receipt_generate
from kamtibmas.certificates.catalogue import item_details_clean
from kamtibmas.certificates.keys import signing_key_active
from kamtibmas.certificates.models import (
    DEFAULT_NUMBER_FORMAT,
    DEFAULT_VALIDITY_DAYS,
    Certificate,
    CertificateCounter,
    CertificateSettings,
    Citizenship,
    LossReport,
    LostItem,
    Religion,
    ReportSource,
    ReportStatus,
    Sex,
)
from kamtibmas.certificates.qr import CertificateClaims, sign
from kamtibmas.core.scope import scope_for, visible_to
from kamtibmas.core.timefmt import local_today, resolve_zone
from kamtibmas.engagements.models import Dialogue
from kamtibmas.privacy.blind_index import blind_index
from kamtibmas.privacy.identifiers import normalise_nik, normalise_phone
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record

MAX_ITEMS = 15
#: Roles that verify identity and issue or revoke certificates (§2).
ISSUING_ROLES = frozenset({Role.DESK_OFFICER, Role.COMMANDER, Role.ADMIN})
#: Roles that may record a report for a resident (at a dialogue or the desk).
RECORDING_ROLES = LOSS_REPORT_ROLES
#: Fields an issued certificate needs; a draft may lack them.
REQUIRED_TO_ISSUE = (
    "name",
    "nik",
    "birth_place",
    "birth_date",
    "sex",
    "religion",
    "citizenship",
    "occupation",
    "address",
    "phone",
)
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
_ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
_FORMAT_FIELDS = frozenset({"n", "month_roman", "month", "year", "unit_code"})

IDENTITY_LIMITS = {"name": 120, "birth_place": 60, "occupation": 60, "address": 500}


def _errors(**messages: str) -> ValidationError:
    return ValidationError({field: [message] for field, message in messages.items()})


# --- validation --------------------------------------------------------------------


def nik_clean(value: str) -> str:
    """A NIK of 16 digits whose first six are a kecamatan of the registry."""
    nik = normalise_nik(value)
    if nik[:6] not in district_codes():
        raise ValidationError(
            _("Digits 1 to 6 of a NIK are the kecamatan of registration; %(code)s is not one.")
            % {"code": nik[:6]},
            code="region",
        )
    return nik


def _choice(value: Any, choices: Any, label: str) -> str:
    text = str(value or "").strip()
    if text not in choices.values:
        raise ValidationError(_("Choose a valid %(field)s.") % {"field": label}, code="choice")
    return text


def identity_clean(raw: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    """Normalise what was given of the reporter's identity; raise per-field errors.

    Only given fields are checked (a draft may be partial); ``REQUIRED_TO_ISSUE``
    is enforced when issuing.
    """
    unknown = sorted(set(raw) - set(REQUIRED_TO_ISSUE))
    if unknown:
        raise _errors(identity=_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)})
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for field, value in raw.items():
        if value in (None, ""):
            continue
        try:
            clean[field] = _identity_field(field, value, today=today)
        except ValidationError as exc:
            errors[field] = exc.messages
    if "nik" in clean and "birth_date" in clean and "sex" in clean:
        problem = _nik_mismatch(clean["nik"], clean["birth_date"], clean["sex"])
        if problem:
            errors.setdefault("nik", []).append(problem)
    if errors:
        raise ValidationError(errors)
    return clean


def _identity_field(field: str, value: Any, *, today: date) -> Any:
    if field == "nik":
        return nik_clean(str(value))
    if field == "phone":
        return normalise_phone(str(value))
    if field == "birth_date":
        born = value if isinstance(value, date) else _parse_date(value)
        if born > today:
            raise ValidationError(_("The date of birth cannot be in the future."), code="future")
        if born.year < 1900:
            raise ValidationError(_("Enter a date of birth after 1900."), code="too_old")
        return born
    if field == "sex":
        return _choice(value, Sex, _("sex"))
    if field == "religion":
        return _choice(value, Religion, _("religion"))
    if field == "citizenship":
        return _choice(value, Citizenship, _("citizenship"))
    text = " ".join(str(value).split())
    limit = IDENTITY_LIMITS[field]
    if len(text) > limit:
        raise ValidationError(_("At most %(max)d characters.") % {"max": limit}, code="max_length")
    return text


def _parse_date(value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationError(_("Enter a date as YYYY-MM-DD."), code="invalid_date") from exc


def _nik_mismatch(nik: str, born: date, sex: str) -> str:
    """A NIK encodes the birth date (day + 40 for women): say when it disagrees."""
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = day > 40
    if female:
        day -= 40
    if (day, month, year) != (born.day, born.month, born.year % 100):
        return _("The NIK does not match the date of birth.")
    if female != (sex == Sex.FEMALE):
        return _("The NIK does not match the sex (women's NIKs add 40 to the day).")
    return ""


def items_clean(raw: Sequence[Mapping[str, Any]]) -> list[tuple[str, dict[str, str]]]:
    """``[{"type": "sim", "details": {...}}, ...]`` → normalised (code, details) pairs."""
    if not raw:
        raise _errors(items=_("Name at least one lost document."))
    if len(raw) > MAX_ITEMS:
        raise _errors(items=_("At most %(max)d documents per report.") % {"max": MAX_ITEMS})
    clean: list[tuple[str, dict[str, str]]] = []
    errors: dict[str, list[str]] = {}
    for index, entry in enumerate(raw):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("details", {}), Mapping):
            errors[f"items.{index}"] = [_("Each item needs a type and its details.")]
            continue
        code = str(entry.get("type", ""))
        try:
            clean.append((code, item_details_clean(code, entry.get("details") or {})))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[f"items.{index}.{field}"] = messages
    if errors:
        raise ValidationError(errors)
    return clean


def _loss_clean(
    *, lost_on: Any, lost_time: Any, lost_place: str, circumstances: str, today: date
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    try:
        day = lost_on if isinstance(lost_on, date) else _parse_date(lost_on)
        if day > today:
            errors["lost_on"] = [_("The date of the loss cannot be in the future.")]
    except ValidationError as exc:
        errors["lost_on"] = exc.messages
        day = today
    moment = None
    if lost_time not in (None, ""):
        try:
            moment = lost_time if isinstance(lost_time, time) else time.fromisoformat(lost_time)
        except ValueError:
            errors["lost_time"] = [_("Enter a time as HH:MM.")]
    place = " ".join((lost_place or "").split())
    if not place:
        errors["lost_place"] = [_("Say where the documents were lost, as well as you know.")]
    elif len(place) > 255:
        errors["lost_place"] = [_("At most %(max)d characters.") % {"max": 255}]
    story = (circumstances or "").strip()
    if len(story) > 1000:
        errors["circumstances"] = [_("At most %(max)d characters.") % {"max": 1000}]
    if errors:
        raise ValidationError(errors)
    return {"lost_on": day, "lost_time": moment, "lost_place": place, "circumstances": story}


# --- reports -----------------------------------------------------------------------


def _reference_generate() -> str:
    """The report's name at the desk: 10 characters without look-alikes. Not a
    secret: the public status page takes only the receipt code."""
    return "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(10))


def reference_normalise(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def _in_scope(actor: User, unit: Unit) -> bool:
    scope = scope_for(actor)
    return scope.everything or unit.pk in scope.unit_ids


def _check_recorder(actor: User | None, *, source: str, unit: Unit, dialogue: Any) -> None:
    if source == ReportSource.WEB:
        if actor is not None and actor.is_authenticated and actor.role != Role.RESIDENT:
            raise PermissionDenied(_("Staff record reports at the desk or at a dialogue."))
        return
    if actor is None or not actor.is_authenticated or actor.role not in RECORDING_ROLES:
        raise PermissionDenied(_("Only officers record loss reports for residents."))
    if not _in_scope(actor, unit):
        raise PermissionDenied(_("That post is outside your unit."))
    if (
        dialogue is not None
        and not visible_to(Dialogue.objects.filter(pk=dialogue.pk), actor).exists()
    ):
        raise PermissionDenied(_("That dialogue is outside your unit."))


def _apply_identity(report: LossReport, identity: Mapping[str, Any]) -> None:
    for field, value in identity.items():
        setattr(report, field, value)
    if "nik" in identity:
        report.nik_index = blind_index("nik", identity["nik"])
    if "phone" in identity:
        report.phone_index = blind_index("phone", identity["phone"])


def _status_for(report: LossReport) -> str:
    complete = all(getattr(report, field) not in (None, "") for field in REQUIRED_TO_ISSUE)
    return ReportStatus.READY if complete else ReportStatus.DRAFT


def _write_items(report: LossReport, items: list[tuple[str, dict[str, str]]]) -> None:
    report.items.all().delete()
    LostItem.objects.bulk_create(
        LostItem(
            report=report,
            position=position,
            item_type=code,
            details_json=json.dumps(details, sort_keys=True, ensure_ascii=False),
        )
        for position, (code, details) in enumerate(items)
    )


@transaction.atomic
def loss_report_start(
    *,
    actor: User | None,
    source: str,
    unit: Unit,
    identity: Mapping[str, Any],
    items: Sequence[Mapping[str, Any]],
    lost_on: Any,
    lost_place: str,
    lost_time: Any = None,
    lost_area: Area | None = None,
    area: Area | None = None,
    circumstances: str = "",
    dialogue: Any = None,
    aspiration: Any = None,
    reporter_consents_contact: bool = False,
    language: str = "id",
) -> LossReport:
    """Start a report: a draft while the reporter's identity is incomplete, ready to
    issue once it is complete. Online reports need a name and a phone number (so
    the post can reach the resident) and are always drafts until the desk has seen
    the original documents."""
    if source not in ReportSource.values:
        raise _errors(source=_("Unknown source."))
    _check_recorder(actor, source=source, unit=unit, dialogue=dialogue)
    if source == ReportSource.DIALOGUE and dialogue is None:
        raise _errors(dialogue=_("Say at which dialogue the report was made."))
    if aspiration is not None and (
        source == ReportSource.WEB
        or not visible_to(Aspiration.objects.filter(pk=aspiration.pk), actor).exists()
    ):
        raise PermissionDenied(_("That aspiration is outside your unit."))
    today = local_today(unit.area)
    errors: dict[str, list[str]] = {}
    parts: dict[str, Any] = {}
    for key, check in (
        ("identity", lambda: identity_clean(identity, today=today)),
        ("items", lambda: items_clean(items)),
        (
            "loss",
            lambda: _loss_clean(
                lost_on=lost_on,
                lost_time=lost_time,
                lost_place=lost_place,
                circumstances=circumstances,
                today=today,
            ),
        ),
    ):
        try:
            parts[key] = check()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "identity" in parts:
        for field in ("name", "phone"):
            if field not in parts["identity"]:
                errors.setdefault(field, []).append(_("This field is required."))
    loss = parts.get("loss", {})
    born = parts.get("identity", {}).get("birth_date")
    if born and loss and loss["lost_on"] < born:
        errors.setdefault("lost_on", []).append(
            _("The date of the loss is before the date of birth.")
        )
    if errors:
        raise ValidationError(errors)
    signed_in = actor if actor is not None and actor.is_authenticated else None
    online = source == ReportSource.WEB
    report = LossReport(
        source=source,
        unit=unit,
        dialogue=dialogue,
        aspiration=aspiration,
        reporter=signed_in if online else None,
        created_by=None if online else signed_in,
        area=area,
        lost_area=lost_area,
        reporter_consents_contact=reporter_consents_contact,
        language=language[:5],
        submitted_at=timezone.now(),
        **loss,
    )
    _apply_identity(report, parts["identity"])
    report.status = ReportStatus.DRAFT if online else _status_for(report)
    code = receipt_generate()
    report.receipt_digest = receipt_digest(code)
    _save_with_fresh_reference(report)
    report.receipt_code = code
    _write_items(report, parts["items"])
    if not online:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            subject=report,
            reason="loss report recorded",
            fields=parts["identity"].keys(),
        )
    return report


def _save_with_fresh_reference(report: LossReport) -> None:
    for _attempt in range(5):
        report.reference = _reference_generate()
        try:
            with transaction.atomic():
                report.save()
            return
        except IntegrityError:
            if LossReport.objects.filter(reference=report.reference).exists():
                continue
            raise
    raise RuntimeError("Could not find a free loss report reference.")


def _locked(report: LossReport) -> LossReport:
    return LossReport.objects.select_for_update().get(pk=report.pk)


def _check_desk(actor: User, unit: Unit) -> None:
    if not actor.is_authenticated or actor.role not in ISSUING_ROLES:
        raise PermissionDenied(_("Only desk officers and commanders may do this."))
    if not _in_scope(actor, unit):
        raise PermissionDenied(_("That report belongs to another unit."))


@transaction.atomic
def loss_report_update(
    *,
    actor: User,
    report: LossReport,
    identity: Mapping[str, Any] | None = None,
    items: Sequence[Mapping[str, Any]] | None = None,
    loss: Mapping[str, Any] | None = None,
) -> LossReport:
    """Complete or correct a report at the desk (before it is issued)."""
    _check_desk(actor, report.unit)
    report = _locked(report)
    if report.status in (ReportStatus.ISSUED, ReportStatus.WITHDRAWN):
        raise _errors(
            status=_("This report is %(status)s and can no longer be changed.")
            % {"status": report.get_status_display()}
        )
    today = local_today(report.unit.area)
    changed: list[str] = []
    if identity:
        clean = identity_clean(identity, today=today)
        _apply_identity(report, clean)
        changed += clean.keys()
    if loss:
        merged = {
            "lost_on": report.lost_on,
            "lost_time": report.lost_time,
            "lost_place": report.lost_place,
            "circumstances": report.circumstances,
            **loss,
        }
        for field, value in _loss_clean(**merged, today=today).items():
            setattr(report, field, value)
    if report.birth_date and report.lost_on < report.birth_date:
        raise _errors(lost_on=_("The date of the loss is before the date of birth."))
    if report.nik and report.birth_date and report.sex:
        problem = _nik_mismatch(report.nik, report.birth_date, report.sex)
        if problem:
            raise _errors(nik=problem)
    if items is not None:
        _write_items(report, items_clean(items))
    report.status = _status_for(report)
    report.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        subject=report,
        reason="loss report completed at the desk",
        fields=changed,
    )
    return report


@transaction.atomic
def loss_report_withdraw(*, actor: User, report: LossReport, reason: str) -> LossReport:
    """The resident found the documents, or the report was a mistake."""
    report = _locked(report)
    owner = actor.is_authenticated and report.reporter_id == actor.pk
    if not owner:
        _check_desk(actor, report.unit)
    if report.status == ReportStatus.ISSUED:
        raise _errors(status=_("A certificate was issued: revoke it instead."))
    if not reason.strip():
        raise _errors(reason=_("Say why the report is withdrawn."))
    report.status = ReportStatus.WITHDRAWN
    report.save(update_fields=["status", "updated_at"])
    return report


@transaction.atomic
def loss_report_contact_consent(
    *,
    actor: User | AnonymousUser | None,
    report: LossReport,
    consents: bool,
    officer: User | None = None,
    receipt_code: str = "",
) -> LossReport:
    """Record one side's consent to show the handling officer's name and contact.

    The resident answers for themselves: signed in with the report's account, or
    holding its receipt code (a report made without an account). An officer of the
    unit takes the report on (``officer`` defaults to themselves) and answers for
    themselves. The contact is shown only when both agreed.
    """
    report = _locked(report)
    holds_receipt = bool(receipt_code) and receipt_digest(receipt_code) == report.receipt_digest
    owner = isinstance(actor, User) and report.reporter_id == actor.pk
    if holds_receipt or owner:
        report.reporter_consents_contact = consents
    else:
        if not isinstance(actor, User) or actor.role not in RECORDING_ROLES:
            raise PermissionDenied(_("Only officers take reports on."))
        if not _in_scope(actor, report.unit):
            raise PermissionDenied(_("That report belongs to another unit."))
        handler = officer or actor
        if handler.pk != actor.pk and actor.role not in ISSUING_ROLES:
            raise PermissionDenied(_("You may only take reports on yourself."))
        if handler.unit is None or not _in_scope(actor, handler.unit):
            raise ValidationError({"officer": [_("That officer is not in your unit.")]})
        if report.handling_officer_id != handler.pk:
            report.officer_consents_contact = False
        report.handling_officer = handler
        if handler.pk == actor.pk:
            report.officer_consents_contact = consents
    report.save()
    return report


# --- certificates ------------------------------------------------------------------


def number_format_check(text: str) -> None:
    """A letter-number format uses only known placeholders and includes ``{n}``."""
    try:
        names = {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}
    except ValueError as exc:
        raise ValidationError(_("The letter number format is not valid: %s") % exc) from exc
    unknown = names - _FORMAT_FIELDS
    if unknown:
        raise ValidationError(
            _("Unknown placeholders: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    if "n" not in names:
        raise ValidationError(_("The letter number format must contain {n}."))


#: The QR carries the number (``qr.CertificateClaims``), which bounds its length.
NUMBER_MAX_LENGTH = 64


def letter_number(settings: CertificateSettings, *, sequence: int, day: date) -> str:
    number = settings.number_format.format(
        n=sequence,
        month_roman=_ROMAN_MONTHS[day.month - 1],
        month=f"{day.month:02d}",
        year=day.year,
        unit_code=settings.unit_code,
    )
    # A unit without a code must not print "SKTLK/1/XI/2026/" or "SKTLK//2026".
    number = re.sub(r"/{2,}", "/", number).strip("/ ")
    if len(number) > NUMBER_MAX_LENGTH:
        raise ValidationError(
            _("A letter number has at most %(max)d characters; this one has %(count)d.")
            % {"max": NUMBER_MAX_LENGTH, "count": len(number)},
            code="number_too_long",
        )
    return number


def certificate_settings_for(unit: Unit) -> CertificateSettings:
    """The unit's own settings, else its nearest ancestor's, else the defaults."""
    ids = [int(pk) for pk in unit.path.strip("/").split("/") if pk]
    by_unit = {row.unit_id: row for row in CertificateSettings.objects.filter(unit_id__in=ids)}
    for pk in reversed(ids):
        if pk in by_unit:
            return by_unit[pk]
    return CertificateSettings(
        unit=unit, number_format=DEFAULT_NUMBER_FORMAT, validity_days=DEFAULT_VALIDITY_DAYS
    )


def _next_sequence(unit: Unit, year: int) -> int:
    counter, _created = CertificateCounter.objects.get_or_create(unit=unit, year=year)
    counter = CertificateCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


@transaction.atomic
def certificate_issue(
    *, actor: User, report: LossReport, identity_checked: str, now: datetime | None = None
) -> Certificate:
    """Issue the one certificate of a complete report, signed with the active key."""
    _check_desk(actor, report.unit)
    if actor.unit_id is None:
        raise PermissionDenied(_("Only officers of a unit issue certificates."))
    report = _locked(report)
    if report.status == ReportStatus.ISSUED or Certificate.objects.filter(report=report).exists():
        raise ValidationError(
            _("A certificate was already issued for this report."), code="already_issued"
        )
    if report.status == ReportStatus.WITHDRAWN:
        raise ValidationError(_("This report was withdrawn."), code="withdrawn")
    missing = [field for field in REQUIRED_TO_ISSUE if getattr(report, field) in (None, "")]
    errors: dict[str, list[str]] = {
        field: [_("Needed before the certificate can be issued.")] for field in missing
    }
    if not identity_checked.strip():
        errors["identity_checked"] = [
            _("Say which original document you checked the reporter's identity against.")
        ]
    if not (actor.rank and actor.nrp and actor.get_full_name()):
        errors["officer"] = [
            _("Your account needs your full name, rank and NRP: they are printed on the letter.")
        ]
    items = list(report.items.all())
    if not items:
        errors["items"] = [_("Name at least one lost document.")]
    if errors:
        raise ValidationError(errors)
    unit = actor.unit
    assert unit is not None
    settings = certificate_settings_for(unit)
    moment = now or timezone.now()
    day = local_today(unit.area) if now is None else _local_day(moment, unit)
    sequence = _next_sequence(unit, day.year)
    number = letter_number(settings, sequence=sequence, day=day)
    kid, key = signing_key_active()
    claims = CertificateClaims.for_holder(
        kid=kid,
        no=number,
        iat=day,
        exp=day + timedelta(days=settings.validity_days - 1),
        unit=unit.name,
        holder_name=report.name,
        items=tuple(dict.fromkeys(item.item_type for item in items)),
    )
    certificate = Certificate(
        report=report,
        unit=unit,
        number=number,
        year=day.year,
        sequence=sequence,
        issued_at=moment,
        valid_from=claims.iat,
        valid_until=claims.exp,
        issued_by=actor,
        officer_name=actor.get_full_name(),
        officer_rank=actor.rank,
        officer_nrp=actor.nrp,
        identity_checked=" ".join(identity_checked.split())[:120],
        kid=kid,
        qr_text=sign(claims, key),
    )
    try:
        with transaction.atomic():
            certificate.save()
    except IntegrityError as exc:
        raise ValidationError(
            _("The number %(number)s is already taken: check the unit's letter number format.")
            % {"number": number},
            code="number_taken",
        ) from exc
    report.status = ReportStatus.ISSUED
    report.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=certificate,
        reason="certificate issued",
        fields=report.personal_fields,
    )
    return certificate


def _local_day(moment: datetime, unit: Unit) -> date:
    return moment.astimezone(ZoneInfo(resolve_zone(unit.area).value)).date()


@transaction.atomic
def certificate_revoke(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """Revoke a certificate: the public page and the API say so from now on."""
    _check_desk(actor, certificate.unit)
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        raise ValidationError(_("This certificate is already revoked."), code="already_revoked")
    text = " ".join(reason.split())
    if not text:
        raise _errors(reason=_("Say why the certificate is revoked."))
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = actor
    certificate.revocation_reason = text[:255]
    certificate.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    audit_record(
        actor=actor, action=AuditAction.UPDATE, subject=certificate, reason="certificate revoked"
    )
    return certificate
