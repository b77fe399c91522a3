"""A logging filter that keeps NIK, KK and phone numbers out of every log line.

SECURITY.md 5: logs never contain a NIK, KK or phone number, whatever a
developer passes to a logger or an exception message carries.
"""

from __future__ import annotations

import logging
import re

# 16-digit identifiers (NIK/KK), with or without separators, and phone numbers in
# Indonesian forms (+62…, 62…, 08…) of 9 to 15 digits.
_IDENTIFIER = re.compile(r"(?<!\d)\d(?:[ .\-]?\d){15}(?!\d)")
_PHONE = re.compile(r"(?<![\w+])(?:\+62|62|0)[ \-]?8(?:[ \-]?\d){7,12}(?!\d)")
REDACTED = "[disamarkan]"


def redact(text: str) -> str:
    return _PHONE.sub(REDACTED, _IDENTIFIER.sub(REDACTED, text))


class RedactIdentifiersFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, redacted, so the handler prints that instead.
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(formatted)
            record.exc_info = None
            record.msg = f"{record.msg}\n{record.exc_text}"
            record.exc_text = None
        return True
