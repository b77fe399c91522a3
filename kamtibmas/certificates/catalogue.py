"""The maintained list of documents a resident can report lost (C3).

Each item type has a stable code (printed in the certificate QR, §6, so codes are
never renamed or reused), the identifying fields the desk must record for it, the
body that replaces it and the documents that body will ask for. The resident sees
that last list as a checklist, so they bring everything on the first visit.

Pure data and validation; no database. Labels are English message ids, translated
for the screens; the certificate itself is always Indonesian and uses
``printed_label`` (the name as written on police letters).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kamtibmas.privacy.identifiers import normalise_kk, normalise_nik

DETAIL_MAX_LENGTH = 120
_SPACES = re.compile(r"\s+")
_PLATE = re.compile(r"^([A-Z]{1,2}) ?([0-9]{1,4}) ?([A-Z]{0,3})$")
SIM_CLASSES = ("A", "A Umum", "B1", "B1 Umum", "B2", "B2 Umum", "C", "CI", "CII", "D", "DI")


def _text(value: str) -> str:
    return _SPACES.sub(" ", value).strip()


def _digits(label: str | Promise, *, minimum: int, maximum: int) -> Callable[[str], str]:
    def clean(value: str) -> str:
        digits = re.sub(r"[\s.\-/]", "", value)
        if not digits.isdigit() or not minimum <= len(digits) <= maximum:
            if minimum == maximum:
                message = _("%(label)s must have %(count)d digits.") % {
                    "label": label,
                    "count": minimum,
                }
            else:
                message = _("%(label)s must have %(low)d to %(high)d digits.") % {
                    "label": label,
                    "low": minimum,
                    "high": maximum,
                }
            raise ValidationError(message, code="digits")
        return digits

    return clean


def _plate(value: str) -> str:
    compact = _text(value).upper()
    match = _PLATE.match(compact)
    if not match:
        raise ValidationError(
            _("“%(value)s” is not a vehicle plate number such as B 1234 XYZ.") % {"value": value},
            code="plate",
        )
    return " ".join(part for part in match.groups() if part)


def _sim_class(value: str) -> str:
    wanted = _text(value).upper().replace("UMUM", "Umum")
    for choice in SIM_CLASSES:
        if wanted == choice.upper().replace("UMUM", "Umum"):
            return choice
    raise ValidationError(
        _("SIM class must be one of %(classes)s.") % {"classes": ", ".join(SIM_CLASSES)},
        code="sim_class",
    )


def _year(value: str) -> str:
    text = _text(value)
    if not (text.isdigit() and len(text) == 4 and 1900 <= int(text) <= 2100):
        raise ValidationError(_("Enter a year such as 2015."), code="year")
    return text


@dataclass(frozen=True)
class DetailField:
    """One identifying field of an item (``code`` is the key in the stored details)."""

    code: str
    label: str | Promise
    printed_label: str
    required: bool = False
    clean: Callable[[str], str] | None = None
    sensitive: bool = False  # an identifier: masked on screens that do not need it

    def normalise(self, raw: Any) -> str:
        value = _text(str(raw or ""))
        if not value:
            if self.required:
                raise ValidationError(
                    _("%(field)s is required.") % {"field": self.label}, code="required"
                )
            return ""
        if len(value) > DETAIL_MAX_LENGTH:
            raise ValidationError(
                _("%(field)s is longer than %(max)d characters.")
                % {"field": self.label, "max": DETAIL_MAX_LENGTH},
                code="max_length",
            )
        return self.clean(value) if self.clean else value


@dataclass(frozen=True)
class ItemType:
    code: str
    label: str | Promise
    printed_label: str
    issuer: str | Promise  # who replaces it
    fields: tuple[DetailField, ...]
    bring: tuple[str | Promise, ...]  # what that body asks for, besides this certificate

    def detail_field(self, code: str) -> DetailField | None:
        return next((field for field in self.fields if field.code == code), None)


_NIK = DetailField(
    "nik",
    gettext_lazy("NIK on the card"),
    "NIK",
    required=True,
    clean=normalise_nik,
    sensitive=True,
)
_ID_COPY = gettext_lazy("A photocopy of your KTP (or your KK if the KTP is what was lost)")
_KK_COPY = gettext_lazy("A photocopy of your family card (KK)")
_BANK = DetailField("bank", gettext_lazy("Bank name"), "Nama Bank", required=True)
_ACCOUNT = DetailField(
    "account_number",
    gettext_lazy("Account number"),
    "Nomor Rekening",
    clean=_digits(gettext_lazy("Account number"), minimum=6, maximum=20),
    sensitive=True,
)

ITEM_TYPES: tuple[ItemType, ...] = (
    ItemType(
        "ktp",
        gettext_lazy("Identity card (KTP-el)"),
        "KTP-el (Kartu Tanda Penduduk Elektronik)",
        gettext_lazy("Dinas Kependudukan dan Pencatatan Sipil (Disdukcapil)"),
        (_NIK,),
        (_KK_COPY,),
    ),
    ItemType(
        "kk",
        gettext_lazy("Family card (KK)"),
        "Kartu Keluarga (KK)",
        gettext_lazy("Dinas Kependudukan dan Pencatatan Sipil (Disdukcapil)"),
        (
            DetailField(
                "kk_number",
                gettext_lazy("KK number"),
                "Nomor KK",
                required=True,
                clean=normalise_kk,
                sensitive=True,
            ),
            DetailField("head", gettext_lazy("Head of the family"), "Kepala Keluarga"),
        ),
        (_ID_COPY, gettext_lazy("A letter from your RT/RW and kelurahan")),
    ),
    ItemType(
        "sim",
        gettext_lazy("Driving licence (SIM)"),
        "Surat Izin Mengemudi (SIM)",
        gettext_lazy("Satpas SIM of the Polres"),
        (
            DetailField(
                "sim_number",
                gettext_lazy("SIM number"),
                "Nomor SIM",
                required=True,
                clean=_digits(gettext_lazy("SIM number"), minimum=12, maximum=14),
                sensitive=True,
            ),
            DetailField(
                "sim_class", gettext_lazy("SIM class"), "Golongan", required=True, clean=_sim_class
            ),
        ),
        (_ID_COPY, gettext_lazy("A health certificate and a psychological test result")),
    ),
    ItemType(
        "stnk",
        gettext_lazy("Vehicle registration (STNK)"),
        "Surat Tanda Nomor Kendaraan (STNK)",
        gettext_lazy("Samsat"),
        (
            DetailField(
                "plate", gettext_lazy("Plate number"), "Nomor Polisi", required=True, clean=_plate
            ),
            DetailField("vehicle", gettext_lazy("Make and type"), "Merek/Tipe"),
            DetailField("owner", gettext_lazy("Registered owner"), "Atas Nama"),
        ),
        (
            _ID_COPY,
            gettext_lazy("The original BPKB and a photocopy"),
            gettext_lazy("The vehicle, for a physical check of the frame and engine numbers"),
        ),
    ),
    ItemType(
        "bpkb",
        gettext_lazy("Vehicle ownership book (BPKB)"),
        "Buku Pemilik Kendaraan Bermotor (BPKB)",
        gettext_lazy("Ditlantas of the Polda (BPKB section)"),
        (
            DetailField(
                "plate", gettext_lazy("Plate number"), "Nomor Polisi", required=True, clean=_plate
            ),
            DetailField("bpkb_number", gettext_lazy("BPKB number"), "Nomor BPKB"),
            DetailField("owner", gettext_lazy("Registered owner"), "Atas Nama"),
        ),
        (
            _ID_COPY,
            gettext_lazy("The STNK and a photocopy"),
            gettext_lazy("A notice of the loss in a newspaper (the Polda will say which)"),
        ),
    ),
    ItemType(
        "paspor",
        gettext_lazy("Passport"),
        "Paspor",
        gettext_lazy("Kantor Imigrasi"),
        (
            DetailField(
                "passport_number",
                gettext_lazy("Passport number"),
                "Nomor Paspor",
                required=True,
                clean=lambda value: _passport(value),
                sensitive=True,
            ),
        ),
        (_ID_COPY, _KK_COPY, gettext_lazy("Your birth certificate, marriage book or diploma")),
    ),
    ItemType(
        "ijazah",
        gettext_lazy("School or university diploma (ijazah)"),
        "Ijazah",
        gettext_lazy("The school or university that issued it"),
        (
            DetailField(
                "institution",
                gettext_lazy("School or university"),
                "Sekolah/Perguruan Tinggi",
                required=True,
            ),
            DetailField(
                "year",
                gettext_lazy("Year of graduation"),
                "Tahun Lulus",
                required=True,
                clean=_year,
            ),
            DetailField("diploma_number", gettext_lazy("Diploma number"), "Nomor Ijazah"),
        ),
        (_ID_COPY, gettext_lazy("A copy of the lost diploma if you have one")),
    ),
    ItemType(
        "akta",
        gettext_lazy("Civil registry certificate (akta)"),
        "Akta Catatan Sipil",
        gettext_lazy("Dinas Kependudukan dan Pencatatan Sipil (Disdukcapil)"),
        (
            DetailField(
                "akta_kind",
                gettext_lazy("Kind of akta (birth, marriage, divorce, death)"),
                "Jenis Akta",
                required=True,
            ),
            DetailField("akta_number", gettext_lazy("Akta number"), "Nomor Akta"),
            DetailField("holder", gettext_lazy("Name on the akta"), "Atas Nama"),
        ),
        (_ID_COPY, _KK_COPY),
    ),
    ItemType(
        "buku_tabungan",
        gettext_lazy("Bank book"),
        "Buku Tabungan",
        gettext_lazy("Your bank's branch office"),
        (_BANK, _ACCOUNT),
        (_ID_COPY,),
    ),
    ItemType(
        "kartu_atm",
        gettext_lazy("ATM/debit card"),
        "Kartu ATM/Debit",
        gettext_lazy("Your bank's branch office"),
        (_BANK, _ACCOUNT),
        (_ID_COPY, gettext_lazy("Your bank book")),
    ),
    ItemType(
        "bpjs_kis",
        gettext_lazy("BPJS health card (KIS)"),
        "Kartu BPJS Kesehatan/KIS",
        gettext_lazy("BPJS Kesehatan office"),
        (
            DetailField(
                "card_number",
                gettext_lazy("Card number"),
                "Nomor Kartu",
                required=True,
                clean=_digits(gettext_lazy("Card number"), minimum=13, maximum=13),
                sensitive=True,
            ),
        ),
        (_ID_COPY, _KK_COPY),
    ),
    ItemType(
        "npwp",
        gettext_lazy("Tax number card (NPWP)"),
        "Kartu NPWP",
        gettext_lazy("Tax office (KPP) of the Direktorat Jenderal Pajak"),
        (
            DetailField(
                "npwp_number",
                gettext_lazy("NPWP number"),
                "Nomor NPWP",
                required=True,
                clean=_digits(gettext_lazy("NPWP number"), minimum=15, maximum=16),
                sensitive=True,
            ),
        ),
        (_ID_COPY,),
    ),
    ItemType(
        "sertifikat_tanah",
        gettext_lazy("Land certificate"),
        "Sertifikat Tanah",
        gettext_lazy("Land office (Kantor Pertanahan, BPN)"),
        (
            DetailField(
                "certificate_number",
                gettext_lazy("Certificate number (hak milik no.)"),
                "Nomor Sertifikat",
                required=True,
            ),
            DetailField("land_location", gettext_lazy("Where the land is"), "Letak Tanah"),
            DetailField("holder", gettext_lazy("Name of the right holder"), "Atas Nama"),
        ),
        (
            _ID_COPY,
            gettext_lazy("A sworn statement of the loss (sumpah) before the land office"),
            gettext_lazy("A notice of the loss in a newspaper"),
        ),
    ),
    ItemType(
        "kartu_pelajar",
        gettext_lazy("Student card"),
        "Kartu Pelajar",
        gettext_lazy("The school"),
        (
            DetailField("institution", gettext_lazy("School"), "Sekolah", required=True),
            DetailField("student_number", gettext_lazy("Student number (NIS/NISN)"), "NIS/NISN"),
        ),
        (gettext_lazy("Your parent's or guardian's KTP"),),
    ),
    ItemType(
        "lainnya",
        gettext_lazy("Other document or item"),
        "Lainnya",
        gettext_lazy("The body that issued it"),
        (
            DetailField(
                "description",
                gettext_lazy("What it is"),
                "Keterangan",
                required=True,
            ),
            DetailField("identifier", gettext_lazy("Its number, if any"), "Nomor"),
        ),
        (_ID_COPY,),
    ),
)

ITEM_TYPE_BY_CODE: Mapping[str, ItemType] = {item.code: item for item in ITEM_TYPES}


def _passport(value: str) -> str:
    text = _text(value).upper().replace(" ", "")
    if not re.fullmatch(r"[A-Z][0-9A-Z]{6,8}", text):
        raise ValidationError(
            _("A passport number is a letter followed by 6 to 8 letters or digits."),
            code="passport",
        )
    return text


def item_type_choices() -> list[tuple[str, str | Promise]]:
    return [(item.code, item.label) for item in ITEM_TYPES]


def item_details_clean(code: str, raw: Mapping[str, Any]) -> dict[str, str]:
    """The normalised details of one item, or ``ValidationError`` keyed by field code.

    Fields the type does not have are refused (nothing a client sends is dropped
    silently); empty optional fields are left out.
    """
    item = ITEM_TYPE_BY_CODE.get(code)
    if item is None:
        raise ValidationError(
            {"type": _("“%(code)s” is not a known item type.") % {"code": code}}, code="type"
        )
    errors: dict[str, list[ValidationError]] = {}
    unknown = sorted(set(raw) - {field.code for field in item.fields})
    if unknown:
        errors["details"] = [
            ValidationError(
                _("%(item)s has no field %(fields)s.")
                % {"item": item.label, "fields": ", ".join(unknown)},
                code="unknown_field",
            )
        ]
    clean: dict[str, str] = {}
    for field in item.fields:
        try:
            value = field.normalise(raw.get(field.code, ""))
        except ValidationError as exc:
            errors[field.code] = [exc]
            continue
        if value:
            clean[field.code] = value
    if errors:
        raise ValidationError(errors)
    return clean


def checklist(codes: list[str]) -> list[tuple[ItemType, tuple[str | Promise, ...]]]:
    """For each lost item in order, the body that replaces it and what to bring."""
    return [(ITEM_TYPE_BY_CODE[code], ITEM_TYPE_BY_CODE[code].bring) for code in codes]
