"""Validation and normalisation of Indonesian personal identifiers.

NIK (Nomor Induk Kependudukan) and KK (Kartu Keluarga) numbers are 16 digits;
a NIK encodes the province, regency and district of registration (6 digits), the
birth date as DDMMYY with 40 added to the day for women, and a 4-digit sequence.
Phone numbers are stored in E.164 (``+62…``) as parsed by ``phonenumbers``.

Messages are translatable and name the problem, so a desk officer can fix it.
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_SEPARATORS = re.compile(r"[\s.\-]")
# Province codes in use by Kemendagri (including the Papua provinces of 2022).
_PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "16", "17", "18", "19", "21",
        "31", "32", "33", "34", "35", "36", "51", "52", "53",
        "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76",
        "81", "82", "91", "92", "93", "94", "95", "96",
    }
)  # fmt: skip


def _sixteen_digits(value: str, label: str) -> str:
    digits = _SEPARATORS.sub("", value or "")
    if not digits:
        raise ValidationError(_("%(label)s is required.") % {"label": label}, code="required")
    if not digits.isdigit():
        raise ValidationError(
            _("%(label)s may contain digits only.") % {"label": label}, code="not_digits"
        )
    if len(digits) != 16:
        raise ValidationError(
            _("%(label)s must have 16 digits; %(count)d were given.")
            % {"label": label, "count": len(digits)},
            code="length",
        )
    if digits[:2] not in _PROVINCE_CODES:
        raise ValidationError(
            _("%(label)s must start with a province code; %(code)s is not one.")
            % {"label": label, "code": digits[:2]},
            code="province",
        )
    return digits


def normalise_nik(value: str) -> str:
    """Return the 16-digit NIK or raise ``ValidationError`` with a clear message."""
    digits = _sixteen_digits(value, _("NIK"))
    day, month = int(digits[6:8]), int(digits[8:10])
    if day > 40:
        day -= 40
    if not (1 <= day <= 31 and 1 <= month <= 12):
        raise ValidationError(
            _("Digits 7 to 12 of a NIK are the date of birth (DDMMYY); %(part)s is not a date.")
            % {"part": digits[6:12]},
            code="birth_date",
        )
    if digits[12:] == "0000":
        raise ValidationError(_("The last four digits of a NIK cannot be 0000."), code="sequence")
    return digits


def normalise_kk(value: str) -> str:
    """Return the 16-digit family card (KK) number or raise ``ValidationError``."""
    return _sixteen_digits(value, _("KK number"))


def normalise_phone(value: str) -> str:
    """Return an Indonesian phone number in E.164 form (``+628…``).

    Accepts the ways people write them: ``0812-3456-7890``, ``62812…``,
    ``+62 812…``, ``(021) 555-1234``.
    """
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(_("Phone number is required."), code="required")
    candidate = raw
    compact = re.sub(r"[\s().\-]", "", raw)
    if compact.startswith("62") and compact.isdigit():
        candidate = "+" + compact
    try:
        parsed = phonenumbers.parse(candidate, "ID")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("“%(value)s” is not a phone number.") % {"value": raw}, code="invalid"
        ) from exc
    if parsed.country_code != 62:
        raise ValidationError(
            _("Only Indonesian phone numbers (+62) are accepted."), code="country"
        )
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("“%(value)s” is not a valid Indonesian phone number.") % {"value": raw},
            code="invalid",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_identifier(value: str, visible: int = 4) -> str:
    """``3275041234560001`` → ``************0001`` for display to roles that need less."""
    if not value:
        return ""
    return "*" * max(len(value) - visible, 0) + value[-visible:]
