"""The Open311 services: one per §5 category, with the attributes of their service
definitions, and how a client's answers to those attributes are checked.

Pure data and pure functions: nothing here reads the database. Names and
descriptions are translated when rendered (``gettext_lazy``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kamtibmas.aspirations.models import NotifyChannel, Privacy
from kamtibmas.triage.taxonomy import Category

#: Sortable marker of the last change to the service list or definitions (discovery).
CHANGESET = "2026-11-28T00:00:00Z"

STRING_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 1000
NEIGHBOURHOOD_MAX = 999

# Codes of the attributes whose answers become fields of the aspiration; the answers
# to all others are written into the case's text for the handling officers.
PRIVACY = "privacy"
NOTIFY_BY = "notify_by"
RW = "rw"
RT = "rt"


class Datatype:
    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    TEXT = "text"
    SINGLE = "singlevaluelist"
    MULTI = "multivaluelist"


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    label: Promise  # short, written before the answer in the case's text
    description: Promise
    required: bool = False
    datatype_description: Promise | None = None
    values: tuple[tuple[str, Promise], ...] = ()

    def value_name(self, key: str) -> str:
        return next((str(name) for value, name in self.values if value == key), key)


@dataclass(frozen=True)
class Service:
    code: str
    name: Promise
    description: Promise
    group: Promise
    keywords: str
    attributes: tuple[Attribute, ...] = field(default=())

    def attribute(self, code: str) -> Attribute | None:
        return next((a for a in self.attributes if a.code == code), None)


_NEIGHBOURHOOD_NUMBER = _("A whole number from 1 to 999.")

COMMON_ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute(
        code=PRIVACY,
        datatype=Datatype.SINGLE,
        label=_("Privacy"),
        description=_(
            "Who may know who sent the report. Without an answer it is confidential: only "
            "the officers handling it learn the sender's name and contact. An anonymous "
            "report may carry no name, contact, device or account id."
        ),
        values=tuple((choice.value, choice.label) for choice in Privacy),
    ),
    Attribute(
        code=NOTIFY_BY,
        datatype=Datatype.SINGLE,
        label=_("Notify by"),
        description=_(
            "How the reporter wants to hear of progress: by email needs the email, by SMS "
            "or WhatsApp the phone."
        ),
        values=tuple((c.value, c.label) for c in NotifyChannel if c.value),
    ),
    Attribute(
        code=RW,
        datatype=Datatype.NUMBER,
        label=_("RW"),
        description=_("The RW inside the desa/kelurahan given as address_id."),
        datatype_description=_NEIGHBOURHOOD_NUMBER,
    ),
    Attribute(
        code=RT,
        datatype=Datatype.NUMBER,
        label=_("RT"),
        description=_("The RT inside that RW (give the RW too)."),
        datatype_description=_NEIGHBOURHOOD_NUMBER,
    ),
)

LOST_ITEMS = (
    ("ktp", _("Identity card (KTP)")),
    ("kk", _("Family card (KK)")),
    ("sim", _("Driving licence (SIM)")),
    ("stnk", _("Vehicle registration (STNK)")),
    ("bpkb", _("Vehicle ownership book (BPKB)")),
    ("passport", _("Passport")),
    ("ijazah", _("School certificate (ijazah)")),
    ("akta", _("Civil registry certificate (akta)")),
    ("bank_book", _("Bank book")),
    ("atm_card", _("ATM card")),
    ("bpjs", _("BPJS/KIS health card")),
    ("npwp", _("Tax card (NPWP)")),
    ("land_certificate", _("Land certificate")),
    ("other", _("Other")),
)

LOST_DOCUMENT_ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute(
        code="lost_items",
        datatype=Datatype.MULTI,
        label=_("Lost items"),
        description=_(
            "For a loss report: which documents or cards were lost. A loss report is made "
            "at a police post and is free of charge."
        ),
        values=LOST_ITEMS,
    ),
    Attribute(
        code="lost_at",
        datatype=Datatype.DATETIME,
        label=_("Lost on"),
        description=_("When they were lost, as well as you know."),
        datatype_description=_("ISO 8601 with the offset, e.g. 2025-07-30T20:00:00+07:00."),
    ),
    Attribute(
        code="lost_place",
        datatype=Datatype.STRING,
        label=_("Lost at"),
        description=_("Where they were lost."),
    ),
)

_POLICE = _("Police")
_PARTNERS = _("Kelurahan and city agencies")

_SERVICES: tuple[tuple[Category, Promise, Promise, str], ...] = (
    (
        Category.NARKOBA,
        _("Drug use or dealing, places where drugs are sold or used."),
        _POLICE,
        "narkoba, narkotika, sabu, ganja, obat terlarang, pengedar, drugs",
    ),
    (
        Category.PENCURIAN,
        _("Theft, burglary, robbery, motorcycle theft, begal and jambret."),
        _POLICE,
        "pencurian, maling, curanmor, begal, jambret, perampokan, theft, burglary",
    ),
    (
        Category.KEKERASAN,
        _(
            "Assault, brawls (tawuran), sharp weapons, domestic violence, sexual "
            "harassment, child abuse, vigilantism."
        ),
        _POLICE,
        "penganiayaan, tawuran, sajam, KDRT, pelecehan, kekerasan anak, main hakim sendiri",
    ),
    (
        Category.PENIPUAN,
        _("Fraud, online scams, illegal online loans, fake investments, hijacked accounts."),
        _POLICE,
        "penipuan, penipuan online, pinjol ilegal, investasi bodong, akun dibajak, fraud",
    ),
    (
        Category.KETERTIBAN,
        _(
            "Public order: gambling (also online), alcohol and drunkenness, prostitution, "
            "thugs, extortion and illegal levies (pungli), illegal parking, noise."
        ),
        _POLICE,
        "judi, judi online, miras, mabuk, prostitusi, preman, pungli, parkir liar, bising",
    ),
    (
        Category.REMAJA,
        _(
            "Youth: street racing, children out at night and night study hours (jam belajar "
            "malam), truancy, school dropouts, vandalism, youth programmes."
        ),
        _POLICE,
        "balap liar, jam belajar malam, bolos, putus sekolah, vandalisme, remaja",
    ),
    (
        Category.LALU_LINTAS,
        _("Traffic: accidents, congestion, dangerous roads and crossings, traffic offences."),
        _POLICE,
        "lalu lintas, kecelakaan, macet, tilang, rambu, traffic",
    ),
    (
        Category.KEAMANAN,
        _(
            "Neighbourhood security: patrols, siskamling, CCTV, suspicious people, asking "
            "for officers to be present."
        ),
        _POLICE,
        "patroli, siskamling, ronda, CCTV, orang mencurigakan, keamanan",
    ),
    (
        Category.LAYANAN,
        _(
            "Police services: loss reports for lost documents, SKCK, SIM, case progress "
            "(SP2HP), officer conduct and illegal fees."
        ),
        _POLICE,
        "surat kehilangan, SKTLK, SKCK, SIM, SP2HP, propam, pungli petugas",
    ),
    (
        Category.SOSIAL,
        _(
            "Social, economic and civil registration matters: social aid (bansos), "
            "unemployment, KTP/KK/birth certificates, health, schooling."
        ),
        _PARTNERS,
        "bansos, pengangguran, KTP, KK, akta, kesehatan, sekolah, dukcapil, dinsos",
    ),
    (
        Category.LINGKUNGAN,
        _(
            "Environment and infrastructure: street lights, drainage, floods, waste, roads, "
            "fire and electrical hazards."
        ),
        _PARTNERS,
        "lampu jalan, PJU, drainase, got, banjir, sampah, jalan rusak, kebakaran, listrik",
    ),
    (
        Category.LAINNYA,
        _("Anything else for the police or the kelurahan."),
        _POLICE,
        "lainnya, other",
    ),
)

SERVICES: dict[str, Service] = {
    category.value: Service(
        code=category.value,
        name=category.label,
        description=description,
        group=group,
        keywords=keywords,
        attributes=COMMON_ATTRIBUTES
        + (LOST_DOCUMENT_ATTRIBUTES if category == Category.LAYANAN else ()),
    )
    for category, description, group, keywords in _SERVICES
}


# ---------------------------------------------------------------------------
# Checking answers


class AnswerError(ValueError):
    """An answer that does not fit its attribute; the message is for the client."""


_W3C_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})"
)
_LINE_BREAK = re.compile(r"[\r\n]")


def w3c_datetime(value: str) -> datetime:
    """A W3C-profile ISO 8601 date and time with its offset; ``ValueError`` otherwise."""
    if not _W3C_DATETIME.fullmatch(value):
        raise ValueError(value)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def answer_check(attribute: Attribute, values: Sequence[str]) -> list[str]:
    """The answer's values, cleaned; ``AnswerError`` when they do not fit.

    Only a ``multivaluelist`` takes several values. Numbers of RW and RT are whole
    numbers from 1 to 999; datetimes are ISO 8601 with their offset.
    """
    cleaned = [value.strip() for value in values if value.strip()]
    if len(cleaned) > 1 and attribute.datatype != Datatype.MULTI:
        raise AnswerError(_("Give one value only."))
    if attribute.datatype in (Datatype.SINGLE, Datatype.MULTI):
        keys = {key for key, _name in attribute.values}
        unknown = [value for value in cleaned if value not in keys]
        if unknown:
            raise AnswerError(
                _("Unknown value %(values)s. Choose from: %(choices)s.")
                % {"values": ", ".join(unknown), "choices": ", ".join(sorted(keys))}
            )
        return list(dict.fromkeys(cleaned))
    if not cleaned:
        return []
    value = cleaned[0]
    if attribute.datatype == Datatype.NUMBER:
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= NEIGHBOURHOOD_MAX:
            raise AnswerError(_("Give a whole number from 1 to 999."))
        return [str(int(value))]
    if attribute.datatype == Datatype.DATETIME:
        try:
            w3c_datetime(value)
        except ValueError:
            raise AnswerError(
                _("Give a date and time in ISO 8601 form with its offset, e.g. %(example)s.")
                % {"example": "2025-07-31T10:10:00+07:00"}
            ) from None
        return [value]
    limit = TEXT_MAX_LENGTH if attribute.datatype == Datatype.TEXT else STRING_MAX_LENGTH
    if attribute.datatype == Datatype.STRING and _LINE_BREAK.search(value):
        raise AnswerError(_("Give one line, without line breaks."))
    if len(value) > limit:
        raise AnswerError(_("Keep it to %(max)d characters.") % {"max": limit})
    return [value]


def answers_text(service: Service, answers: dict[str, list[str]]) -> list[str]:
    """Lines for the case's text, one per answered attribute that is not a field of
    the aspiration, in the definition's order, in the active language."""
    lines = []
    for attribute in service.attributes:
        values = answers.get(attribute.code)
        if not values or attribute.code in (PRIVACY, NOTIFY_BY, RW, RT):
            continue
        shown = ", ".join(attribute.value_name(value) for value in values)
        lines.append(f"{attribute.label}: {shown}")
    return lines


def definition_of(service: Service) -> dict[str, Any]:
    """The service definition document (its attributes in order, from 1)."""
    return {
        "service_code": service.code,
        "attributes": [
            {
                "variable": True,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": (
                    str(attribute.datatype_description)
                    if attribute.datatype_description is not None
                    else None
                ),
                "order": order,
                "description": str(attribute.description),
                **(
                    {"values": [{"key": key, "name": str(name)} for key, name in attribute.values]}
                    if attribute.values
                    else {}
                ),
            }
            for order, attribute in enumerate(service.attributes, start=1)
        ],
    }


def service_list() -> list[dict[str, Any]]:
    """The service list document."""
    return [
        {
            "service_code": service.code,
            "service_name": str(service.name),
            "description": str(service.description),
            "metadata": bool(service.attributes),
            "type": "realtime",
            "keywords": service.keywords,
            "group": str(service.group),
        }
        for service in SERVICES.values()
    ]
