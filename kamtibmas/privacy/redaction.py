"""A logging filter that keeps NIK, KK and phone numbers out of every log line.

SECURITY.md 5: logs never contain a NIK, KK or phone number, whatever a
developer passes to a logger or an exception message carries.
"""

from __future__ import annotations

import logging
import re

# NIK/KK: 16 digits, together or in groups separated by single spaces or hyphens.
# Dots are not accepted as separators: dotted 16-digit strings in logs are area
# codes (32.75.04.1005.024.001), which must stay readable.
_IDENTIFIER = re.compile(r"(?<![\d.])\d(?:[ \-]?\d){15}(?![\d.])")
# Indonesian phone numbers as people and our E.164 storage write them: +62/62/0,
# then an area code (2-7, 9) or a mobile prefix (8), 7 to 12 more digits with
# optional single separators (space, hyphen, dot, brackets).
_PHONE = re.compile(r"(?<![\w+.])(?:\+62|62|0)[ ().\-]{0,2}[2-9](?:[ ().\-]{0,2}\d){6,11}(?![\d])")
REDACTED = "[disamarkan]"


def redact(text: str) -> str:
    return _PHONE.sub(REDACTED, _IDENTIFIER.sub(REDACTED, text))


class RedactIdentifiersFilter(logging.Filter):
    """Render the record (message, arguments and traceback) once, redacted.

    The record leaves with a plain, already formatted ``msg`` and no ``args`` or
    ``exc_info``, so no handler can format the original values again.
    """

    def filter(self, record: logging.LogRecord) -> bool:
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
        record.msg = redact(message)
        record.args = None
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True
