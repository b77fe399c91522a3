"""A logging filter that keeps NIK, KK and phone numbers out of every log line.

SECURITY.md 5: logs never contain a NIK, KK or phone number, whatever a
developer passes to a logger or an exception message carries.
"""

from __future__ import annotations

import logging
import re

from kamtibmas.privacy.identifiers import _PROVINCE_CODES

# NIK/KK: 16 digits, together or in groups separated by single spaces or hyphens.
# Dots are not accepted as separators: dotted 16-digit strings in logs are area
# codes (32.75.04.1005.024.001), which must stay readable. A full stop after the
# number still ends it ("… NIK 3275047107850003.").
_IDENTIFIER = re.compile(r"(?<!\d)(?<!\d\.)\d(?:[ \-]?\d){15}(?!\d|\.\d)")
# Indonesian phone numbers as people and our E.164 storage write them: +62/62/0,
# then an area code (2-7, 9) or a mobile prefix (8), 7 to 12 more digits with
# optional single separators (space, hyphen, dot, brackets).
_PHONE = re.compile(r"(?<![\w+.])(?:\+62|62|0)[ ().\-]{0,2}[2-9](?:[ ().\-]{0,2}\d){6,11}(?![\d])")
REDACTED = "[disamarkan]"


# What counts as a leak when the test suite reads every log record (kamtibmas/conftest.py):
# narrower than the redaction above, which hides anything that might be a number, so
# that timestamps, ids, hashes, coordinates, area codes and case numbers never fail a
# test. Whatever these find, ``redact`` removes (tested).
# NIK/KK: 16 digits (single space or hyphen between groups) standing alone, neither
# inside a word or hash nor a part of a longer hyphenated or dotted code.
_NIK_OR_KK = re.compile(r"(?<!\w)(?<!\d[.\-])\d(?:[ \-]?\d){15}(?!\w|[.\-]\d)")
# Phones: +62 or 0 and then an area code (2-7, 9) or a mobile prefix (8) straight
# after it ("0.2…" is a fraction, "04.123456" the seconds of a time), or 628 (a mobile
# number in E.164 without its plus; a bare 6221… is more often an id); then groups of
# at least three digits after single separators (so no date: "05-11-2026 10.00"); 8
# to 12 digits in all after the prefix (``identifiers_in`` counts them, leaving out
# groups after the twelfth digit: "0812 3456 7890 200").
_PHONE_NUMBER = re.compile(
    r"(?<![\w+.])(?<!\d-)"
    r"(?:\+62[ \-]?\(?|62(?=8)|\(?0)"
    r"(?P<national>[2-9]\d+(?:(?:[ .\-]|\) ?)\d{3,})*)"
    r"(?!\w|[.\-]\d)"
)
_GROUP = re.compile(r"\d+")
_DIGITS = re.compile(r"\D")


def redact(text: str) -> str:
    return _PHONE.sub(REDACTED, _IDENTIFIER.sub(REDACTED, text))


def identifiers_in(text: str) -> list[str]:
    """The NIK, KK and Indonesian phone numbers written in ``text``, as written.

    A 16-digit number counts when it is shaped like a NIK or KK: a province code
    (``identifiers._PROVINCE_CODES``), four more digits of the place, then a date
    (DDMMYY: the birth date, with 40 added to the day for women, or the day the card
    was issued). Most 16-digit timestamps in microseconds are no such date.
    """
    found = [
        match.group()
        for match in _NIK_OR_KK.finditer(text)
        if _nik_or_kk_shaped(_DIGITS.sub("", match.group()))
    ]
    for match in _PHONE_NUMBER.finditer(text):
        groups = _GROUP.findall(match["national"])
        while len(groups) > 1 and sum(map(len, groups)) > 12:
            groups.pop()
        if 8 <= sum(map(len, groups)) <= 12:
            found.append(match.group())
    return found


def _nik_or_kk_shaped(digits: str) -> bool:
    day, month = int(digits[6:8]), int(digits[8:10])
    return (
        digits[:2] in _PROVINCE_CODES and (1 <= day <= 31 or 41 <= day <= 71) and 1 <= month <= 12
    )


def record_text(record: logging.LogRecord) -> str:
    """Everything a handler could write of ``record``: its message with the arguments
    filled in, its traceback and its stack."""
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a malformed format string: keep its parts
        message = f"{record.msg} {record.args!r}"
    formatter = logging.Formatter()
    if record.exc_info and record.exc_info[1] is not None:
        message = f"{message}\n{formatter.formatException(record.exc_info)}"
    elif record.exc_text:
        message = f"{message}\n{record.exc_text}"
    if record.stack_info:
        message = f"{message}\n{formatter.formatStack(record.stack_info)}"
    return message


class RedactIdentifiersFilter(logging.Filter):
    """Render the record (message, arguments and traceback) once, redacted.

    The record leaves with a plain, already formatted ``msg`` and no ``args`` or
    ``exc_info``, so no handler can format the original values again.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record_text(record))
        record.args = None
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True
