"""Request and response schemas of the loss reports API (``certificates.api``).

Schemas only parse and present: which reports a caller sees is decided by the
scope, what may change by the services. Request bodies refuse unknown fields, so a
client cannot set what it does not own (status, source, reporter, number: 422).

Identifiers are masked unless the context says otherwise (``unmasked``): the NIK
and the identifying numbers of lost documents (KK, SIM, passport, account and card
numbers) are shown in full only to desk officers and commanders of the report's
unit, who check them against the originals. Times are in the offset of the unit's
zone (``+07:00`` WIB, ``+08:00`` WITA, ``+09:00`` WIT).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from kamtibmas.api.schemas import AreaOut, AreaReference, CalendarDay, Id, StrictInput, UnitOut
from kamtibmas.areas.models import Unit
from kamtibmas.certificates.catalogue import DETAIL_MAX_LENGTH, ITEM_TYPE_BY_CODE, ItemType
from kamtibmas.certificates.models import (
    Certificate,
    Citizenship,
    LossReport,
    LostItem,
    Religion,
    ReportSource,
    ReportStatus,
    Sex,
)
from kamtibmas.certificates.qr import MalformedReason, verify_url
from kamtibmas.certificates.services import IDENTITY_LIMITS, MAX_ITEMS, REQUIRED_TO_ISSUE
from kamtibmas.certificates.verify import Reason
from kamtibmas.core.timefmt import resolve_zone
from kamtibmas.privacy.identifiers import mask_identifier

_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$")

DetailValue = Annotated[str, Field(max_length=DETAIL_MAX_LENGTH * 2)]
ReportText = Annotated[str, Field(max_length=255)]


def in_unit_zone(value: datetime | None, unit: Unit) -> datetime | None:
    """``value`` as the wall-clock time of the unit's area (WIB when it has none)."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(resolve_zone(unit.area).value))


# Input --------------------------------------------------------------------------------


class ReporterIdentityIn(StrictInput):
    """The reporter's identity: any part of it (a draft may be partial). A name and a
    phone number are needed to start a report; all of it to issue a certificate."""

    name: str | None = Field(None, max_length=IDENTITY_LIMITS["name"])
    nik: str | None = Field(
        None, max_length=32, description="16 digits; spaces, dots and dashes are ignored."
    )
    birth_place: str | None = Field(None, max_length=IDENTITY_LIMITS["birth_place"])
    birth_date: CalendarDay | None = None
    sex: Sex | None = Field(None, description="`L` male, `P` female (as on the KTP).")
    religion: Religion | None = None
    citizenship: Citizenship | None = None
    occupation: str | None = Field(None, max_length=IDENTITY_LIMITS["occupation"])
    address: str | None = Field(None, max_length=IDENTITY_LIMITS["address"])
    phone: str | None = Field(None, max_length=32, description="An Indonesian number.")


class LostItemIn(StrictInput):
    type: str = Field(
        min_length=1, max_length=32, description="An item type code from `…/item-types`."
    )
    details: dict[str, DetailValue] = Field(
        default_factory=dict,
        max_length=10,
        description="The item type's identifying fields by code, e.g. "
        '`{"sim_number": "…", "sim_class": "C"}`.',
    )


def _clock(value: str | None) -> str | None:
    if value is not None and not _CLOCK.match(value):
        raise ValueError(_("Enter a time as HH:MM."))
    return value


class LossReportCreateIn(StrictInput):
    identity: ReporterIdentityIn | None = Field(
        None, description="The reporter. A name and a phone number are needed."
    )
    items: list[LostItemIn] = Field(max_length=MAX_ITEMS, description="What was lost.")
    lost_on: CalendarDay = Field(description="The day of the loss (not in the future).")
    lost_time: str | None = Field(
        None, max_length=8, description="About when, `HH:MM` in the unit's local time."
    )
    lost_place: ReportText = Field(description="Where, as well as the reporter knows.")
    lost_area: AreaReference | None = Field(
        None, description="Area id or code where it was lost, if known."
    )
    area: AreaReference | None = Field(
        None, description="Area id or code where the reporter lives, if known."
    )
    circumstances: str = Field("", max_length=1000, description="How it happened.")
    unit: Id | None = Field(
        None,
        description="The police unit or post where the report is finished. Officers: one "
        "of theirs, default their own. Residents: required, any police unit or post.",
    )
    dialogue: Id | None = Field(
        None,
        description="Officers: the dialogue where the report was made (one of your units'). "
        "Without it the report is recorded at the desk.",
    )
    reporter_consents_contact: bool = Field(
        False, description="Residents: the handling officer may contact them."
    )

    check_time = field_validator("lost_time")(_clock)


class LossReportUpdateIn(StrictInput):
    """Only the fields sent change; identity fields sent empty are left as they are."""

    identity: ReporterIdentityIn | SkipJsonSchema[None] = None
    items: list[LostItemIn] | SkipJsonSchema[None] = Field(
        None, max_length=MAX_ITEMS, description="Replaces the whole list."
    )
    lost_on: CalendarDay | SkipJsonSchema[None] = None
    lost_time: str | None = Field(None, max_length=8, description="`HH:MM`; null clears it.")
    lost_place: ReportText | SkipJsonSchema[None] = None
    circumstances: str | SkipJsonSchema[None] = Field(None, max_length=1000)

    check_time = field_validator("lost_time")(_clock)

    @field_validator("identity", "items", "lost_on", "lost_place", "circumstances", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError(_("Leave the field out instead of sending null."))
        return value


class CertificateIssueIn(StrictInput):
    identity_checked: str = Field(
        max_length=120,
        description="The original document the reporter's identity was checked against, "
        "e.g. `KK asli`.",
    )


class CertificateRevokeIn(StrictInput):
    reason: str = Field(max_length=255, description="Why (kept with the certificate).")


class LossReportWithdrawIn(StrictInput):
    reason: str = Field(max_length=255, description="Why: the documents were found, or a mistake.")


class ContactConsentIn(StrictInput):
    consents: bool = Field(
        description="The resident (their own report) agrees to be contacted by the handling "
        "officer; an officer takes the report on and agrees to show their name and phone. "
        "Both must agree before the resident sees the officer's contact."
    )


# Loss reports -------------------------------------------------------------------------


def _unmasked(context: dict[str, Any] | None) -> bool:
    return bool((context or {}).get("unmasked"))


class ReporterIdentityOut(Schema):
    name: str | None
    nik: str | None = Field(
        description="Masked (`************0002`) except for desk officers and commanders "
        "of the report's unit."
    )
    birth_place: str | None
    birth_date: date | None
    sex: Sex | None
    religion: Religion | None
    citizenship: Citizenship | None
    occupation: str | None
    address: str | None
    phone: str | None = Field(description="E.164, e.g. `+6281234567890`.")

    @staticmethod
    def resolve_nik(obj: LossReport, context: dict[str, Any] | None) -> str | None:
        if not obj.nik:
            return None
        return obj.nik if _unmasked(context) else mask_identifier(obj.nik)


class LostItemOut(Schema):
    type: str
    label: str = Field(description="In your language.")
    details: dict[str, str] = Field(
        description="Identifying numbers are masked except for desk officers and "
        "commanders of the report's unit."
    )

    @staticmethod
    def resolve_type(obj: LostItem) -> str:
        return obj.item_type

    @staticmethod
    def resolve_label(obj: LostItem) -> str:
        return str(obj.kind.label)

    @staticmethod
    def resolve_details(obj: LostItem, context: dict[str, Any] | None) -> dict[str, str]:
        details = obj.details
        if _unmasked(context):
            return details
        kind = obj.kind
        return {
            code: mask_identifier(value) if _sensitive(kind, code) else value
            for code, value in details.items()
        }


def _sensitive(kind: ItemType, code: str) -> bool:
    field = kind.detail_field(code)
    return field is None or field.sensitive


class ChecklistOut(Schema):
    type: str
    label: str
    issuer: str = Field(description="Who replaces the document.")
    bring: list[str] = Field(description="What to bring there, besides the certificate.")


class CertificateBriefOut(Schema):
    id: int
    number: str
    valid_from: date
    valid_until: date
    revoked: bool


class LossReportOut(Schema):
    reference: str
    status: ReportStatus
    source: ReportSource
    unit: UnitOut = Field(description="Where the report is finished and the certificate issued.")
    dialogue_id: int | None
    identity: ReporterIdentityOut
    items: list[LostItemOut]
    checklist: list[ChecklistOut] = Field(
        description="For each lost document: who replaces it and what to bring."
    )
    missing: list[str] = Field(
        description="Identity fields still needed before a certificate can be issued."
    )
    lost_on: date
    lost_time: str | None = Field(description="`HH:MM`, local time.")
    lost_place: str
    lost_area: AreaOut | None
    area: AreaOut | None = Field(description="Where the reporter lives.")
    circumstances: str
    reporter_consents_contact: bool
    certificate: CertificateBriefOut | None
    submitted_at: datetime | None = Field(description="When it was reported (unit's offset).")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_identity(obj: LossReport) -> LossReport:
        return obj  # ReporterIdentityOut reads the report's own fields

    @staticmethod
    def resolve_items(obj: LossReport) -> list[LostItem]:
        return list(obj.items.all())

    @staticmethod
    def resolve_checklist(obj: LossReport) -> list[dict[str, Any]]:
        codes = dict.fromkeys(item.item_type for item in obj.items.all())
        kinds = [ITEM_TYPE_BY_CODE[code] for code in codes]
        return [
            {
                "type": kind.code,
                "label": str(kind.label),
                "issuer": str(kind.issuer),
                "bring": [str(entry) for entry in kind.bring],
            }
            for kind in kinds
        ]

    @staticmethod
    def resolve_missing(obj: LossReport) -> list[str]:
        return [name for name in REQUIRED_TO_ISSUE if getattr(obj, name) in (None, "")]

    @staticmethod
    def resolve_lost_time(obj: LossReport) -> str | None:
        return obj.lost_time.strftime("%H:%M") if obj.lost_time else None

    @staticmethod
    def resolve_certificate(obj: LossReport) -> Certificate | None:
        return getattr(obj, "certificate", None)

    @staticmethod
    def resolve_submitted_at(obj: LossReport) -> datetime | None:
        return in_unit_zone(obj.submitted_at, obj.unit)

    @staticmethod
    def resolve_created_at(obj: LossReport) -> datetime | None:
        return in_unit_zone(obj.created_at, obj.unit)

    @staticmethod
    def resolve_updated_at(obj: LossReport) -> datetime | None:
        return in_unit_zone(obj.updated_at, obj.unit)


class LossReportSummaryOut(Schema):
    """A line of the list: the reporter's name only (see the report for the rest)."""

    reference: str
    status: ReportStatus
    source: ReportSource
    unit: UnitOut
    name: str | None
    item_types: list[str]
    lost_on: date
    certificate: CertificateBriefOut | None
    submitted_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_item_types(obj: LossReport) -> list[str]:
        return [item.item_type for item in obj.items.all()]

    @staticmethod
    def resolve_certificate(obj: LossReport) -> Certificate | None:
        return getattr(obj, "certificate", None)

    @staticmethod
    def resolve_submitted_at(obj: LossReport) -> datetime | None:
        return in_unit_zone(obj.submitted_at, obj.unit)

    @staticmethod
    def resolve_created_at(obj: LossReport) -> datetime | None:
        return in_unit_zone(obj.created_at, obj.unit)


class LossReportPageOut(Schema):
    items: list[LossReportSummaryOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


# Certificates -------------------------------------------------------------------------


class OfficerOut(Schema):
    name: str
    rank: str
    nrp: str


class CertificateOut(Schema):
    id: int
    number: str
    report: str = Field(description="The loss report's reference.")
    unit: UnitOut = Field(description="The issuing unit.")
    item_types: list[str]
    issued_at: datetime = Field(description="In the issuing unit's offset.")
    valid_from: date
    valid_until: date
    officer: OfficerOut = Field(description="As printed on the letter.")
    identity_checked: str
    kid: str = Field(description="The signing key (see /.well-known/kamtibmas/keys.json).")
    qr_text: str = Field(description="`<payload>.<signature>`, as in the QR.")
    verify_url: str = Field(description="The address in the QR.")
    revoked: bool
    revoked_at: datetime | None
    revocation_reason: str

    @staticmethod
    def resolve_report(obj: Certificate) -> str:
        return obj.report.reference

    @staticmethod
    def resolve_item_types(obj: Certificate) -> list[str]:
        return list(dict.fromkeys(item.item_type for item in obj.report.items.all()))

    @staticmethod
    def resolve_issued_at(obj: Certificate) -> datetime | None:
        return in_unit_zone(obj.issued_at, obj.unit)

    @staticmethod
    def resolve_revoked_at(obj: Certificate) -> datetime | None:
        return in_unit_zone(obj.revoked_at, obj.unit)

    @staticmethod
    def resolve_officer(obj: Certificate) -> dict[str, str]:
        return {"name": obj.officer_name, "rank": obj.officer_rank, "nrp": obj.officer_nrp}

    @staticmethod
    def resolve_verify_url(obj: Certificate) -> str:
        return verify_url(settings.PUBLIC_URL, obj.qr_text)


class CertificatePageOut(Schema):
    items: list[CertificateOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class ClaimsOut(Schema):
    """What the QR says, once its signature holds: no NIK, the name masked."""

    no: str
    type: Literal["SKTLK"]
    iat: date = Field(description="Issued on.")
    exp: date = Field(description="Valid through.")
    unit: str
    name: str = Field(description="The holder's name, masked (`S*** A*****`).")
    items: list[str] = Field(description="Item type codes.")


class VerdictOut(Schema):
    outcome: Literal["valid", "invalid"]
    reason: Reason | None = Field(
        description="Null when valid; else `malformed`, `unknown_key`, `compromised_key`, "
        "`bad_signature`, `revoked`, `not_yet_valid` or `expired`."
    )
    detail: MalformedReason | None = Field(
        None, description="Only for `malformed`: what is wrong with the text."
    )
    certificate: ClaimsOut | None = Field(
        None,
        description="Only once the signature holds (valid, revoked, not yet valid, expired).",
    )


# Registers ----------------------------------------------------------------------------


class RegisterRowOut(Schema):
    reference: str
    status: ReportStatus
    unit_id: int
    unit_name: str
    name: str
    citizenship: str
    address: str
    phone: str
    lost_on: date
    lost_place: str
    item_types: list[str]
    documents: str = Field(description="The documents' names in your language.")
    reported_at: datetime = Field(description="In the unit's offset.")
    certificate_id: int | None
    certificate_number: str
    issued_on: date | None
    revoked: bool


class MonthlyCountOut(Schema):
    unit_id: int
    unit_name: str
    month: str = Field(description="`YYYY-MM`, the local month of issue.")
    item_type: str
    label: str
    issued: int = Field(description="Certificates issued that month, revoked ones included.")
    revoked: int = Field(description="Of those, how many have been revoked.")


# The catalogue ------------------------------------------------------------------------


class DetailFieldOut(Schema):
    code: str
    label: str
    required: bool
    sensitive: bool = Field(description="An identifying number: masked on most screens.")


class ItemTypeOut(Schema):
    code: str
    label: str
    issuer: str = Field(description="Who replaces it.")
    fields: list[DetailFieldOut]
    bring: list[str] = Field(description="What that body asks for, besides the certificate.")
