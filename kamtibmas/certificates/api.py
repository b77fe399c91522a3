"""REST endpoints of loss reports and certificates (C3, SKTLK) under
``/api/v1/loss-reports`` and ``/api/v1/certificates``.

Each endpoint parses its input, fetches the report or certificate within the
caller's scope (404 outside it), calls one service and serialises the result with
``certificates.schemas``. Creates honour ``Idempotency-Key``.

Who may call what:

* residents' tokens start online drafts and read their own reports, nothing else;
* community officers, desk officers, commanders and administrators read the reports
  of their units (other staff roles: 403); desk officers and commanders complete,
  issue and revoke (the services decide);
* the register is for desk officers, commanders and administrators
  (``register.register_rows``);
* ``/certificates/verify`` and ``/loss-reports/item-types`` need no token.

Certificates are addressed by id: their numbers contain "/" (``SKTLK/1/VIII/2025/…``),
which does not fit a path segment; ``GET /certificates?number=…`` finds one by number.
The XLSX exports are operations of their own (``…/register.xlsx``,
``…/monthly.xlsx``), so that each operation documents exactly one kind of answer.

Every answer that shows a reporter's identity to staff writes a READ audit row;
a file with it, an EXPORT row.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field, field_validator, model_validator

from kamtibmas.accounts.models import Role, User
from kamtibmas.api.areas import area_by_reference
from kamtibmas.api.auth import StaffToken
from kamtibmas.api.errors import ERROR_RESPONSES, ApiError, ErrorOut
from kamtibmas.api.idempotency import idempotent
from kamtibmas.api.operations import operation
from kamtibmas.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from kamtibmas.api.schemas import MAX_ID, CalendarDay, StrictInput, StrictQuery
from kamtibmas.areas.models import POLICE_KINDS, Area, Unit
from kamtibmas.certificates import register, services
from kamtibmas.certificates.catalogue import ITEM_TYPES
from kamtibmas.certificates.models import Certificate, LossReport, ReportSource, ReportStatus
from kamtibmas.certificates.printing import (
    PDF_MEDIA_TYPE,
    certificate_filename,
    certificate_pdf_export,
)
from kamtibmas.certificates.schemas import (
    CertificateIssueIn,
    CertificateOut,
    CertificatePageOut,
    CertificateRevokeIn,
    ContactConsentIn,
    ItemTypeOut,
    LossReportCreateIn,
    LossReportOut,
    LossReportPageOut,
    LossReportUpdateIn,
    LossReportWithdrawIn,
    MonthlyCountOut,
    RegisterRowOut,
    VerdictOut,
)
from kamtibmas.certificates.selectors import certificate_verify, loss_reports_by_identifier
from kamtibmas.core.scope import get_visible_or_404, visible_to
from kamtibmas.core.throttle import Limit, throttle_allow
from kamtibmas.engagements.models import Dialogue
from kamtibmas.privacy.identifiers import normalise_nik, normalise_phone
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record, audit_record_many

router = Router(tags=["Loss reports"])
certificate_router = Router(tags=["Loss reports"])

REPORT = "/{reference}"
CERTIFICATE = "/{int:certificate_id}"
THROTTLED_RESPONSES: dict[int, type[Schema]] = {**ERROR_RESPONSES, 429: ErrorOut}
XLSX_RESPONSE: dict[str, Any] = {
    "responses": {
        200: {
            "description": "An XLSX workbook (a download).",
            "content": {
                register.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}
            },
        }
    }
}

# Verification is public and cheap, and learns nothing without a valid signature;
# the limits only keep one client from flooding it.
VERIFY_PER_CLIENT = Limit(attempts=60, seconds=60)
VERIFY_OVERALL = Limit(attempts=6000, seconds=60)

#: Staff roles that read loss reports (they record them or work the desk).
READING_ROLES = services.RECORDING_ROLES
#: Roles that see NIKs and document numbers in full: they check them at the desk.
UNMASKED_ROLES = frozenset({Role.DESK_OFFICER, Role.COMMANDER})
READ_REASON = "API: loss report"
_IDENTITY_FIELDS = frozenset(services.REQUIRED_TO_ISSUE)


def _actor(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _resident(actor: User) -> bool:
    return actor.role == Role.RESIDENT


@contextmanager
def _identity_paths() -> Iterator[None]:
    """Name the reporter's fields in errors as the body does: ``identity.nik``."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {
                f"identity.{field}" if field in _IDENTITY_FIELDS else field: errors
                for field, errors in exc.error_dict.items()
            }
        ) from exc


# Reading reports ----------------------------------------------------------------------


def _reports(actor: User) -> QuerySet[LossReport]:
    """The reports ``actor`` may read: a resident's own, else those of their units."""
    reports = LossReport.objects.select_related(
        "unit__area", "area", "lost_area", "certificate"
    ).prefetch_related("items")
    if _resident(actor):
        return reports.filter(reporter=actor)
    if actor.role not in READING_ROLES:
        raise PermissionDenied(_("Loss reports are for police officers and the desk."))
    return visible_to(reports, actor)


def _report(request: HttpRequest, reference: str) -> LossReport:
    """The report by its reference (any case, separators ignored); 404 for a report
    the caller may not read, as for one that does not exist."""
    text = services.reference_normalise(reference)
    if not text or len(text) > 12:
        raise Http404
    return _found(_reports(_actor(request)), reference=text)


def _found(reports: QuerySet[LossReport], **lookup: Any) -> LossReport:
    found = reports.filter(**lookup).first()
    if found is None:
        raise Http404
    return found


def _unmasked(actor: User) -> bool:
    """Whether ``actor`` sees identifiers in full on the reports they may read (all of
    them in their units' scope, so the role decides)."""
    return actor.role in UNMASKED_ROLES


def _report_out(actor: User, report: LossReport, *, audit: bool = True) -> LossReportOut:
    """The report as ``actor`` may see it; a staff read is audited."""
    unmasked = _unmasked(actor)
    if audit and not _resident(actor):
        shown = [
            name
            for name in report.personal_fields
            if getattr(report, name) not in (None, "") and (unmasked or name != "nik")
        ]
        if shown:
            audit_record(
                actor=actor,
                action=AuditAction.READ,
                subject=report,
                reason=READ_REASON,
                fields=shown,
            )
    return LossReportOut.from_orm(report, context={"unmasked": unmasked})


# The catalogue ------------------------------------------------------------------------


@router.get(
    "/item-types",
    auth=None,
    description="No token needed. Codes are stable (they are printed in the QR); labels "
    "follow `Accept-Language`.",
    **operation(
        "LossReportItemTypeList",
        "The documents one can report lost, their identifying fields and checklists",
        schema=list[ItemTypeOut],
    ),
)
def list_item_types(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": kind.code,
            "label": str(kind.label),
            "issuer": str(kind.issuer),
            "fields": [
                {
                    "code": field.code,
                    "label": str(field.label),
                    "required": field.required,
                    "sensitive": field.sensitive,
                }
                for field in kind.fields
            ],
            "bring": [str(entry) for entry in kind.bring],
        }
        for kind in ITEM_TYPES
    ]


# The register -------------------------------------------------------------------------


class RegisterQuery(StrictQuery):
    start: CalendarDay = Field(description="First local day reported (YYYY-MM-DD).")
    end: CalendarDay = Field(description="Last local day reported, at most a year later.")
    unit: int | None = Field(
        None, ge=1, le=MAX_ID, description="Unit id: only it and the units below it."
    )

    @model_validator(mode="after")
    def _period(self) -> RegisterQuery:
        try:
            register.register_period_check(self.start, self.end)
        except ValidationError as exc:
            raise ValueError(" ".join(exc.messages)) from exc
        return self


def _own_unit(actor: User, pk: int | None) -> Unit | None:
    """A unit named in a filter: one of the caller's (any police unit for residents,
    whose own reports it narrows); 422 for any other."""
    if pk is None:
        return None
    units = (
        Unit.objects.filter(kind__in=POLICE_KINDS)
        if _resident(actor)
        else visible_to(Unit.objects.all(), actor)
    )
    found = units.select_related("area").filter(pk=pk).first()
    if found is None:
        raise ApiError(422, code="unit_scope", detail=_("Choose one of your units."), field="unit")
    return found


def _register(request: HttpRequest, query: RegisterQuery, purpose: str) -> list[Any]:
    actor = _actor(request)
    unit = _own_unit(actor, query.unit)
    with transaction.atomic():
        return register.register_rows(
            actor=actor,
            start=query.start,
            end=query.end,
            unit=unit,
            purpose="export" if purpose == "export" else "read",
        )


@router.get(
    "/register",
    description="Desk officers, commanders and administrators. Personal data: one audit "
    "row per report shown. Oldest report first.",
    **operation(
        "LossReportRegisterGet",
        "The desk's register of loss reports for a period",
        schema=list[RegisterRowOut],
    ),
)
def get_register(
    request: HttpRequest, query: Query[RegisterQuery], response: HttpResponse
) -> list[Any]:
    rows = _register(request, query, "read")
    response.headers["Cache-Control"] = "private, no-store"
    return rows


def _download(content: bytes, filename: str) -> HttpResponse:
    answer = HttpResponse(content, content_type=register.XLSX_MEDIA_TYPE)
    answer.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    answer.headers["Cache-Control"] = "private, no-store"
    return answer


@router.get(
    "/register.xlsx",
    description="The register as an Excel workbook. Personal data leaving the system: one "
    "EXPORT audit row per report.",
    **operation(
        "LossReportRegisterExport",
        "The desk's register of loss reports for a period, as XLSX",
        schema=None,
        extra=XLSX_RESPONSE,
    ),
)
def export_register(request: HttpRequest, query: Query[RegisterQuery]) -> HttpResponse:
    rows = _register(request, query, "export")
    return _download(register.register_xlsx(rows), f"loss-reports-{query.start}-{query.end}.xlsx")


# Reports ------------------------------------------------------------------------------


def _dialogue(actor: User, pk: int | None) -> Dialogue | None:
    if pk is None:
        return None
    found = visible_to(Dialogue.objects.all(), actor).filter(pk=pk).first()
    if found is None:
        raise ApiError(
            422,
            code="dialogue_scope",
            detail=_("You cannot record loss reports for this dialogue."),
            field="dialogue",
        )
    return found


def _report_unit(actor: User, pk: int | None, dialogue: Dialogue | None) -> Unit:
    """Where the report is finished: named, else the dialogue's unit, else the
    officer's own. A resident must name it."""
    if pk is None and not _resident(actor):
        if dialogue is not None:
            return dialogue.unit
        if actor.unit is not None:
            return actor.unit
    found = _own_unit(actor, pk) if pk is not None else None
    if found is None:
        raise ApiError(
            422,
            code="unit_required",
            detail=_("Choose the police post or unit where the report will be finished."),
            field="unit",
        )
    return found


def _area(reference: int | str | None, field: str) -> Area | None:
    return None if reference is None else area_by_reference(reference, field=field)


@router.post(
    "",
    auth=StaffToken(residents=True),
    description="An officer records a report at the desk, or at a dialogue (`dialogue`); a "
    "resident's own token starts an online draft that the desk finishes when the resident "
    "brings the originals. Residents' tokens may also list and read their own reports.",
    **operation(
        "LossReportCreate",
        "Start a loss report",
        ok=201,
        schema=LossReportOut,
        idempotent=True,
    ),
)
@idempotent
def create_loss_report(
    request: HttpRequest, payload: LossReportCreateIn, response: HttpResponse
) -> Status[LossReportOut]:
    actor = _actor(request)
    resident = _resident(actor)
    with transaction.atomic(), _identity_paths():
        if resident and payload.dialogue is not None:
            raise ApiError(
                422,
                code="dialogue_scope",
                detail=_("Only officers record reports at a dialogue."),
                field="dialogue",
            )
        dialogue = _dialogue(actor, payload.dialogue)
        if resident:
            source = ReportSource.WEB
        else:
            source = ReportSource.DIALOGUE if dialogue is not None else ReportSource.DESK
        report = services.loss_report_start(
            actor=actor,
            source=source,
            unit=_report_unit(actor, payload.unit, dialogue),
            identity=(
                payload.identity.model_dump(exclude_none=True, mode="json")
                if payload.identity
                else {}
            ),
            items=[item.model_dump() for item in payload.items],
            lost_on=payload.lost_on,
            lost_time=payload.lost_time,
            lost_place=payload.lost_place,
            lost_area=_area(payload.lost_area, "lost_area"),
            area=_area(payload.area, "area"),
            circumstances=payload.circumstances,
            dialogue=dialogue,
            reporter_consents_contact=payload.reporter_consents_contact,
            language=get_language() or "id",
        )
    response.headers["Location"] = reverse(
        "api-v1:LossReportGet", kwargs={"reference": report.reference}
    )
    # The answer shows what the caller just sent; the service audited the creation.
    created = _found(_reports(actor), pk=report.pk)
    return Status(201, _report_out(actor, created, audit=False))


class _LossReportFilters(Schema):
    status: ReportStatus | None = None
    unit: int | None = Field(
        None, ge=1, le=MAX_ID, description="Unit id: only it and the units below it."
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, min_length=1, max_length=200)


class LossReportListQuery(_LossReportFilters, StrictQuery):
    pass


class LossReportSearchIn(_LossReportFilters, StrictInput):
    """The list's filters, and the reporter's identifiers, which never go in a URL."""

    nik: str | None = Field(
        None, min_length=1, max_length=32, description="The reporter's NIK (exact)."
    )
    phone: str | None = Field(
        None, min_length=1, max_length=32, description="The reporter's phone (exact)."
    )

    @field_validator("nik")
    @classmethod
    def _nik(cls, value: str | None) -> str | None:
        return _identifier(value, normalise_nik)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return _identifier(value, normalise_phone)

    @model_validator(mode="after")
    def _an_identifier(self) -> LossReportSearchIn:
        if self.nik is None and self.phone is None:
            raise ValueError(_("Give the reporter's NIK or phone number."))
        return self


def _identifier(value: str | None, normalise: Any) -> str | None:
    if value is None:
        return None
    try:
        return str(normalise(value))
    except ValidationError as exc:
        raise ValueError(" ".join(exc.messages)) from exc


@router.get(
    "",
    auth=StaffToken(residents=True),
    description="Officers: the reports of their units; residents: their own. Each staff "
    "read of a page writes one audit row per report (the reporter's name is shown).",
    **operation(
        "LossReportList", "Loss reports, newest first, a page at a time", schema=LossReportPageOut
    ),
)
def list_loss_reports(request: HttpRequest, query: Query[LossReportListQuery]) -> dict[str, Any]:
    return _report_page(_actor(request), query)


@router.post(
    "/search",
    auth=StaffToken(residents=True),
    description="The list, narrowed to the reports whose reporter has this NIK or phone "
    "number (exact; both given: both must match). The identifiers travel in the body, "
    "never in the URL. Audited as the list is.",
    **operation(
        "LossReportSearch",
        "Find loss reports by the reporter's NIK or phone",
        schema=LossReportPageOut,
    ),
)
def search_loss_reports(request: HttpRequest, payload: LossReportSearchIn) -> dict[str, Any]:
    return _report_page(_actor(request), payload)


def _report_page(actor: User, query: _LossReportFilters) -> dict[str, Any]:
    reports = _reports(actor)
    if query.status:
        reports = reports.filter(status=query.status)
    unit = _own_unit(actor, query.unit)
    if unit is not None:
        reports = reports.filter(unit__path__startswith=unit.path)
    reason = "API: loss report list"
    if isinstance(query, LossReportSearchIn):
        reports = loss_reports_by_identifier(reports, nik=query.nik or "", phone=query.phone or "")
        reason = "API: loss report search"
    page = keyset_page(reports, field="created_at", cursor=query.cursor, limit=query.limit)
    if not _resident(actor):
        audit_record_many(
            actor=actor,
            action=AuditAction.READ,
            subjects=page.items,
            reason=reason,
            fields=["name"],
        )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get(
    REPORT,
    auth=StaffToken(residents=True),
    description="With the reporter's identity: a staff read is audited. NIKs and document "
    "numbers are masked except for desk officers and commanders.",
    **operation("LossReportGet", "One loss report", schema=LossReportOut),
)
def get_loss_report(request: HttpRequest, reference: str) -> LossReportOut:
    actor = _actor(request)
    report = _report(request, reference)
    with transaction.atomic():
        return _report_out(actor, report)


@router.patch(
    REPORT,
    description="Desk officers and commanders complete or correct a report before its "
    "certificate is issued; a draft becomes `ready` once the identity is complete.",
    **operation("LossReportUpdate", "Complete a loss report at the desk", schema=LossReportOut),
)
def update_loss_report(
    request: HttpRequest, reference: str, payload: LossReportUpdateIn
) -> LossReportOut:
    actor = _actor(request)
    report = _report(request, reference)
    sent = payload.model_dump(exclude_unset=True, mode="json")
    loss = {
        name: sent[name]
        for name in ("lost_on", "lost_time", "lost_place", "circumstances")
        if name in sent
    }
    with transaction.atomic(), _identity_paths():
        services.loss_report_update(
            actor=actor,
            report=report,
            identity={k: v for k, v in sent.get("identity", {}).items() if v is not None},
            items=sent.get("items"),
            loss=loss,
        )
        return _report_out(actor, _found(_reports(actor), pk=report.pk))


@router.post(
    REPORT + "/withdraw",
    auth=StaffToken(residents=True),
    description="The resident (their own report) or the desk withdraws a report that "
    "needs no certificate any more. An issued report cannot be withdrawn: revoke its "
    "certificate instead (422).",
    **operation(
        "LossReportWithdraw", "Withdraw a loss report", schema=LossReportOut, idempotent=True
    ),
)
@idempotent
def withdraw_loss_report(
    request: HttpRequest, reference: str, payload: LossReportWithdrawIn
) -> Status[LossReportOut]:
    actor = _actor(request)
    report = _report(request, reference)
    with transaction.atomic():
        services.loss_report_withdraw(actor=actor, report=report, reason=payload.reason)
        return Status(200, _report_out(actor, _found(_reports(actor), pk=report.pk)))


@router.post(
    REPORT + "/contact",
    auth=StaffToken(residents=True),
    description="One side's answer about showing the handling officer's name and phone to "
    "the resident: the resident for their own report, or an officer of the unit, who "
    "thereby takes the report on. The contact is shown only when both agreed.",
    **operation(
        "LossReportContactConsent",
        "Agree (or not) to share the handling officer's contact",
        schema=LossReportOut,
        idempotent=True,
    ),
)
@idempotent
def consent_to_contact(
    request: HttpRequest, reference: str, payload: ContactConsentIn
) -> Status[LossReportOut]:
    actor = _actor(request)
    report = _report(request, reference)
    with transaction.atomic():
        services.loss_report_contact_consent(actor=actor, report=report, consents=payload.consents)
        return Status(200, _report_out(actor, _found(_reports(actor), pk=report.pk)))


# Certificates -------------------------------------------------------------------------


def _certificates(actor: User) -> QuerySet[Certificate]:
    return visible_to(
        Certificate.objects.select_related("unit__area", "report").prefetch_related(
            "report__items"
        ),
        actor,
    )


def _certificate(request: HttpRequest, certificate_id: int) -> Certificate:
    return get_visible_or_404(
        Certificate.objects.select_related("unit__area", "report").prefetch_related(
            "report__items"
        ),
        _actor(request),
        pk=certificate_id,
    )


@router.post(
    REPORT + "/certificate",
    description="Desk officers and commanders, after checking the reporter's identity "
    "against an original document. A report has one certificate: issuing again is 422 "
    "`already_issued`.",
    **operation(
        "CertificateIssue",
        "Issue the certificate (SKTLK) of a complete report",
        ok=201,
        schema=CertificateOut,
        idempotent=True,
    ),
)
@idempotent
def issue_certificate(
    request: HttpRequest, reference: str, payload: CertificateIssueIn, response: HttpResponse
) -> Status[CertificateOut]:
    actor = _actor(request)
    report = _report(request, reference)
    with transaction.atomic(), _identity_paths():
        certificate = services.certificate_issue(
            actor=actor, report=report, identity_checked=payload.identity_checked
        )
    response.headers["Location"] = reverse(
        "api-v1:CertificateGet", kwargs={"certificate_id": certificate.pk}
    )
    return Status(201, CertificateOut.from_orm(_certificate(request, certificate.pk)))


class VerifyQuery(StrictQuery):
    qr: str = Field(
        min_length=1,
        max_length=4096,
        description="The QR text `<payload>.<signature>`, or the whole URL of the QR.",
    )


@certificate_router.get(
    "/verify",
    auth=None,
    exclude_unset=True,
    description="No token needed; rate-limited (429). The same answer as the public page "
    "/verify/…: the reason when invalid, and the certificate's public claims (masked "
    "name, items, dates, unit, number) once the signature holds. Nothing is looked up "
    "for a text whose signature fails, so a forged text learns nothing about which "
    "numbers exist.",
    **operation(
        "CertificateVerify",
        "Verify a certificate from its QR",
        schema=VerdictOut,
        errors=THROTTLED_RESPONSES,
    ),
)
def verify_certificate(request: HttpRequest, query: Query[VerifyQuery]) -> dict[str, Any]:
    if not throttle_allow(
        scope="certificate_verify",
        request=request,
        per_client=VERIFY_PER_CLIENT,
        overall=VERIFY_OVERALL,
    ):
        raise ApiError(
            429, code="throttled", detail=_("Too many requests from here. Try again later.")
        )
    text = query.qr.strip().rstrip("/")
    if "/verify/" in text:
        text = text.rsplit("/verify/", 1)[1]
    return certificate_verify(text).as_dict()


class MonthlyQuery(StrictQuery):
    year: int = Field(ge=2000, le=2100)


def _monthly(request: HttpRequest, year: int) -> list[register.MonthlyCount]:
    actor = _actor(request)
    if actor.role not in READING_ROLES:
        raise PermissionDenied(_("Loss reports are for police officers and the desk."))
    return register.monthly_counts(actor=actor, year=year)


@certificate_router.get(
    "/monthly",
    description="Per unit (of yours), local month of issue and document type. A "
    "certificate for two documents counts once for each. No personal data.",
    **operation(
        "CertificateMonthlyCountList",
        "Certificates issued per unit, month and document type in a year",
        schema=list[MonthlyCountOut],
    ),
)
def list_monthly_counts(request: HttpRequest, query: Query[MonthlyQuery]) -> list[dict[str, Any]]:
    return [
        {
            "unit_id": count.unit_id,
            "unit_name": count.unit_name,
            "month": f"{count.year:04d}-{count.month:02d}",
            "item_type": count.item_type,
            "label": count.item_label,
            "issued": count.issued,
            "revoked": count.revoked,
        }
        for count in _monthly(request, query.year)
    ]


@certificate_router.get(
    "/monthly.xlsx",
    description="The monthly counts as an Excel workbook.",
    **operation(
        "CertificateMonthlyCountExport",
        "Certificates issued per unit, month and document type, as XLSX",
        schema=None,
        extra=XLSX_RESPONSE,
    ),
)
def export_monthly_counts(request: HttpRequest, query: Query[MonthlyQuery]) -> HttpResponse:
    content = register.monthly_counts_xlsx(_monthly(request, query.year))
    return _download(content, f"certificates-{query.year}.xlsx")


class CertificateListQuery(StrictQuery):
    unit: int | None = Field(
        None, ge=1, le=MAX_ID, description="Issuing unit id: it and the units below it."
    )
    month: str | None = Field(
        None,
        pattern=r"^[12][0-9]{3}-(0[1-9]|1[0-2])$",
        description="`YYYY-MM`: issued in that local month.",
    )
    revoked: bool | None = Field(None, description="Only revoked ones, or only the others.")
    number: str | None = Field(
        None, min_length=1, max_length=120, description="The letter number, exactly."
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, min_length=1, max_length=200)


@certificate_router.get(
    "",
    **operation(
        "CertificateList",
        "Certificates issued by your units, newest first, a page at a time",
        schema=CertificatePageOut,
    ),
)
def list_certificates(request: HttpRequest, query: Query[CertificateListQuery]) -> dict[str, Any]:
    actor = _actor(request)
    certificates = _certificates(actor)
    unit = _own_unit(actor, query.unit)
    if unit is not None:
        certificates = certificates.filter(unit__path__startswith=unit.path)
    if query.month:
        # ``valid_from`` is the local day of issue in the issuing unit's zone.
        year, month = query.month.split("-")
        certificates = certificates.filter(valid_from__year=int(year), valid_from__month=int(month))
    if query.revoked is not None:
        certificates = certificates.filter(revoked_at__isnull=not query.revoked)
    if query.number:
        certificates = certificates.filter(number=query.number.strip())
    page = keyset_page(certificates, field="issued_at", cursor=query.cursor, limit=query.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@certificate_router.get(
    CERTIFICATE, **operation("CertificateGet", "One certificate", schema=CertificateOut)
)
def get_certificate(request: HttpRequest, certificate_id: int) -> Certificate:
    return _certificate(request, certificate_id)


PDF_RESPONSE: dict[str, Any] = {
    "responses": {
        200: {
            "description": "The certificate as printed (a PDF download).",
            "content": {PDF_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@certificate_router.get(
    CERTIFICATE + "/pdf",
    description="Desk officers and commanders of the issuing unit. The PDF prints the "
    "reporter's NIK and address: every download is an audited export.",
    **operation("CertificatePdfGet", "The certificate as a PDF", schema=None, extra=PDF_RESPONSE),
)
def get_certificate_pdf(request: HttpRequest, certificate_id: int) -> HttpResponse:
    certificate = _certificate(request, certificate_id)
    data = certificate_pdf_export(actor=_actor(request), certificate=certificate, channel="api")
    answer = HttpResponse(data, content_type=PDF_MEDIA_TYPE)
    answer.headers["Content-Disposition"] = (
        f'attachment; filename="{certificate_filename(certificate)}"'
    )
    answer.headers["Cache-Control"] = "private, no-store"
    return answer


@certificate_router.post(
    CERTIFICATE + "/revoke",
    description="Desk officers and commanders of the issuing unit. From now on the "
    "certificate verifies as `revoked`. Revoking again is 422 `already_revoked`.",
    **operation(
        "CertificateRevoke",
        "Revoke a certificate, saying why",
        schema=CertificateOut,
        idempotent=True,
    ),
)
@idempotent
def revoke_certificate(
    request: HttpRequest, certificate_id: int, payload: CertificateRevokeIn
) -> Status[CertificateOut]:
    certificate = _certificate(request, certificate_id)
    with transaction.atomic():
        services.certificate_revoke(
            actor=_actor(request), certificate=certificate, reason=payload.reason
        )
    return Status(200, CertificateOut.from_orm(_certificate(request, certificate_id)))
