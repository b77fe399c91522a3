"""Reading what an Open311 client sends, strictly.

A form body or query string that is not well-formed (a pair without ``=``, a broken
percent escape, bytes that are not UTF-8, a NUL) is refused as a whole, never read
around. Every field a client sends is known to the endpoint, given once and
checked; anything else is refused with a message naming it, so nothing is dropped
in silence. Messages are for the client, in its language.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from kamtibmas.aspirations.models import TEXT_MAX_LENGTH, Privacy
from kamtibmas.open311.catalogue import (
    NOTIFY_BY,
    PRIVACY,
    RT,
    RW,
    SERVICES,
    AnswerError,
    Service,
    answer_check,
    w3c_datetime,
)

MAX_FIELDS = 200
# The spec's default query window and its largest range.
WINDOW = timedelta(days=90)
PAGE_SIZE_DEFAULT = 1000
PAGE_SIZE_MAX = 1000
IDS_MAX = 100
NAME_MAX = 60
ADDRESS_MAX = 500
ID_FIELD_MAX = 200
MEDIA_URL_MAX = 2000

_BROKEN_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Control characters other than tab, line feed and carriage return; never in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n]")
# Markup: a tag, a comment or declaration, or a character reference.
_MARKUP = re.compile(r"<\s*[A-Za-z!/?]|&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")
_ATTRIBUTE = re.compile(r"attribute\[([^\[\]]*)\](\[\])?")


class Open311Error(Exception):
    """A refusal: the HTTP status and one message per problem."""

    def __init__(self, status: int, messages: Sequence[str]):
        super().__init__(status, list(messages))
        self.status = status
        self.messages = list(messages)


def bad_request(*messages: str) -> Open311Error:
    return Open311Error(400, messages)


def unknown_service(code: str) -> Open311Error:
    """The specification's 404 for a service code it does not know."""
    message = _("service_code: there is no service “%(code)s” (see services.xml).")
    return Open311Error(404, [message % {"code": code}])


# ---------------------------------------------------------------------------
# Form bodies and query strings


def pairs_from_bytes(raw: bytes, *, where: str) -> list[tuple[str, str]]:
    """The ``name=value`` pairs of a form body or query string, decoded as UTF-8.

    ``where`` names the part, like a field, at the start of the messages ("body",
    "query string").
    """
    if not raw:
        return []
    not_utf8 = _("not UTF-8: send UTF-8 text, percent-encoded.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request(f"{where}: {not_utf8}") from None
    if _BROKEN_ESCAPE.search(text):
        broken = _("a broken percent escape: “%” must be followed by two hex digits.")
        raise bad_request(f"{where}: {broken}")
    try:
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise bad_request(f"{where}: {not_utf8}") from None
    except ValueError:
        malformed = _(
            "not well-formed: send name=value pairs joined by “&”, percent-encoded, at most "
            "%(max)d of them."
        ) % {"max": MAX_FIELDS}
        raise bad_request(f"{where}: {malformed}") from None
    for name, value in pairs:
        unstorable(where, name + value)
    return pairs


def unstorable(where: str, text: str) -> None:
    """400 for a NUL (no text column can store it) or a replacement character (what
    a decoder leaves of bytes that were not UTF-8)."""
    if "\x00" in text or "\ufffd" in text:
        message = _("holds a NUL character or bytes that are not UTF-8.")
        raise bad_request(f"{where}: {message}")


def query_pairs(query_string: str) -> list[tuple[str, str]]:
    """The pairs of a WSGI ``QUERY_STRING``, which holds the raw bytes as latin-1."""
    try:
        raw = query_string.encode("iso-8859-1")
    except UnicodeEncodeError:
        raw = query_string.encode("utf-8")
    return pairs_from_bytes(raw, where="query string")


@dataclass
class Fields:
    """Pairs grouped by name, in the order they came."""

    values: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> Fields:
        grouped = cls()
        for name, value in pairs:
            grouped.values.setdefault(name, []).append(value)
        return grouped

    def names(self) -> list[str]:
        return list(self.values)

    def one(self, name: str) -> str:
        """The field's value ('' when absent or empty: the spec treats both alike)."""
        values = self.values.get(name, [])
        if len(values) > 1:
            raise bad_request(
                _("%(field)s: give it once (it came %(count)d times).")
                % {"field": name, "count": len(values)}
            )
        return values[0].strip() if values else ""

    def many(self, name: str) -> list[str]:
        """A comma-separated list that may also be repeated (``status=open,closed``)."""
        found = []
        for value in self.values.get(name, []):
            found += [part.strip() for part in value.split(",") if part.strip()]
        return found


def refuse_unknown(fields: Fields, known: Iterable[str], *, attributes: bool = False) -> None:
    known = set(known)
    unknown = [
        name
        for name in fields.names()
        if name not in known and not (attributes and name.startswith("attribute["))
    ]
    if unknown:
        raise bad_request(
            _("Unknown fields: %(fields)s. This endpoint accepts: %(known)s.")
            % {
                "fields": ", ".join(sorted(unknown)),
                "known": ", ".join(sorted(known) + (["attribute[CODE]"] if attributes else [])),
            }
        )


def check_text(name: str, value: str, *, limit: int, lines: bool = False) -> list[str]:
    """Problems of one text field: control characters, markup, length, line breaks."""
    problems = []
    if _CONTROL.search(value):
        problems.append(_("%(field)s: holds control characters.") % {"field": name})
    if not lines and _LINE_BREAK.search(value):
        problems.append(_("%(field)s: give one line, without line breaks.") % {"field": name})
    if _MARKUP.search(value):
        problems.append(
            _("%(field)s: HTML and code are not accepted; send plain text.") % {"field": name}
        )
    if len(value) > limit:
        problems.append(
            _("%(field)s: keep it to %(max)d characters (it has %(count)d).")
            % {"field": name, "max": limit, "count": len(value)}
        )
    return problems


# ---------------------------------------------------------------------------
# POST requests


POST_FIELDS = (
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
)


@dataclass(frozen=True)
class RequestInput:
    """A service request as the client sent it, checked field by field."""

    service: Service
    description: str
    address_id: str
    latitude: float | None
    longitude: float | None
    address_string: str
    email: str
    phone: str
    first_name: str
    last_name: str
    device_id: str
    account_id: str
    media_url: str
    privacy: str
    notify_by: str
    rw: int | None
    rt: int | None
    # Every attribute answered, as sent (cleaned), for the record and the case's text.
    answers: dict[str, list[str]]

    @property
    def reporter_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


def _coordinate(fields: Fields, name: str, limit: float) -> float | None:
    raw = fields.one(name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise bad_request(_("%(field)s: give a number in degrees.") % {"field": name}) from None
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise bad_request(
            _("%(field)s: give a number from -%(limit)d to %(limit)d degrees (WGS84).")
            % {"field": name, "limit": limit}
        )
    return value


def _answers(fields: Fields, service: Service) -> tuple[dict[str, list[str]], list[str]]:
    """The answers to the service's attributes, and the problems found."""
    sent: dict[str, list[str]] = {}
    problems = []
    for name, values in fields.values.items():
        if not name.startswith("attribute["):
            continue
        match = _ATTRIBUTE.fullmatch(name)
        if match is None:
            problems.append(
                _("%(field)s: write attribute[CODE] or attribute[CODE][].") % {"field": name}
            )
            continue
        code, is_list = match.group(1), bool(match.group(2))
        if not is_list and len(values) > 1:
            problems.append(
                _("%(field)s: give it once, or send attribute[%(code)s][] for several values.")
                % {"field": name, "code": code}
            )
            continue
        sent.setdefault(code, []).extend(values)
    unknown = sorted(code for code in sent if service.attribute(code) is None)
    if unknown:
        problems.append(
            _("Unknown attributes of service %(service)s: %(codes)s. It has: %(known)s.")
            % {
                "service": service.code,
                "codes": ", ".join(unknown),
                "known": ", ".join(a.code for a in service.attributes),
            }
        )
    answers: dict[str, list[str]] = {}
    for attribute in service.attributes:
        values = sent.get(attribute.code, [])
        name = f"attribute[{attribute.code}]"
        for value in values:
            problems += check_text(name, value, limit=TEXT_MAX_LENGTH, lines=True)
        try:
            cleaned = answer_check(attribute, values)
        except AnswerError as exc:
            problems.append(f"{name}: {exc}")
            continue
        if attribute.required and not cleaned:
            problems.append(_("%(field)s: this attribute is required.") % {"field": name})
        if cleaned:
            answers[attribute.code] = cleaned
    return answers, problems


def request_input(fields: Fields) -> RequestInput:
    """Check a POST request's fields; one ``Open311Error`` lists every problem.

    An unknown service code is 404 (as the spec says); everything else is 400.
    """
    code = fields.one("service_code")
    if not code:
        raise bad_request(_("service_code: this field is required (see services.xml)."))
    service = SERVICES.get(code)
    if service is None:
        raise unknown_service(code)
    problems: list[str] = []
    texts = {
        name: fields.one(name)
        for name in (
            "description",
            "address_id",
            "address_string",
            "email",
            "phone",
            "first_name",
            "last_name",
            "device_id",
            "account_id",
            "media_url",
        )
    }
    limits = {
        "description": TEXT_MAX_LENGTH,
        "address_id": 24,
        "address_string": ADDRESS_MAX,
        "email": 254,
        "phone": 20,
        "first_name": NAME_MAX,
        "last_name": NAME_MAX,
        "device_id": ID_FIELD_MAX,
        "account_id": ID_FIELD_MAX,
        "media_url": MEDIA_URL_MAX,
    }
    for name, value in texts.items():
        problems += check_text(name, value, limit=limits[name], lines=name == "description")
    media_url = texts["media_url"]
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            problems.append(_("media_url: give a web address starting with http:// or https://."))
    latitude = longitude = None
    try:
        latitude = _coordinate(fields, "lat", 90)
        longitude = _coordinate(fields, "long", 180)
    except Open311Error as exc:
        problems += exc.messages
    if (latitude is None) != (longitude is None) and not problems:
        problems.append(_("lat and long: give both, or neither."))
    if not texts["address_id"]:
        given = latitude is not None or texts["address_string"]
        problems.append(
            _(
                "address_id: give the Kemendagri code of the desa/kelurahan (e.g. "
                "32.75.04.1005); lat/long and address_string are kept with it but cannot "
                "place a report in an area on their own."
            )
            if given
            else _(
                "Give the location: address_id, the Kemendagri code of the desa/kelurahan "
                "(e.g. 32.75.04.1005), with lat/long or address_string if you have them."
            )
        )
    answers, answer_problems = _answers(fields, service)
    problems += answer_problems
    if problems:
        raise bad_request(*problems)
    privacy = (answers.get(PRIVACY) or [Privacy.CONFIDENTIAL.value])[0]
    rw = answers.get(RW)
    rt = answers.get(RT)
    return RequestInput(
        service=service,
        description=texts["description"],
        address_id=texts["address_id"],
        latitude=latitude,
        longitude=longitude,
        address_string=texts["address_string"],
        email=texts["email"],
        phone=texts["phone"],
        first_name=texts["first_name"],
        last_name=texts["last_name"],
        device_id=texts["device_id"],
        account_id=texts["account_id"],
        media_url=media_url,
        privacy=privacy,
        notify_by=(answers.get(NOTIFY_BY) or [""])[0],
        rw=int(rw[0]) if rw else None,
        rt=int(rt[0]) if rt else None,
        answers=answers,
    )


# ---------------------------------------------------------------------------
# GET requests and servicerequestupdates


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


@dataclass(frozen=True)
class RequestsQuery:
    ids: list[str]
    service_codes: list[str]
    statuses: list[str]
    window: Window
    page: Page
    extensions: bool


def _moment(fields: Fields, name: str) -> datetime | None:
    raw = fields.one(name)
    if not raw:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            # A date alone (the W3C profile allows it) is that day's start in UTC.
            return datetime.fromisoformat(raw).replace(tzinfo=UTC)
        return w3c_datetime(raw)
    except ValueError:
        raise bad_request(
            _(
                "%(field)s: give a date and time in W3C ISO 8601 form with its offset, e.g. "
                "2025-07-31T10:10:00+07:00 or 2025-07-31T03:10:00Z."
            )
            % {"field": name}
        ) from None


def window(fields: Fields, *, now: datetime) -> Window:
    """The span of ``start_date``/``end_date``: at most 90 days (the spec's rule). A
    missing end is 90 days after the start, a missing start 90 days before the end;
    neither means the last 90 days."""
    start, end = _moment(fields, "start_date"), _moment(fields, "end_date")
    try:
        if start is None and end is None:
            end = now
        if start is None:
            assert end is not None
            start = end - WINDOW
        if end is None:
            end = start + WINDOW
    except OverflowError:
        raise bad_request(
            _("start_date and end_date: give dates between the years 1 and 9999.")
        ) from None
    if end < start:
        raise bad_request(_("end_date: it comes before start_date."))
    if end - start > WINDOW:
        raise bad_request(
            _("start_date and end_date may not span more than 90 days (they span %(days)d).")
            % {"days": (end - start).days}
        )
    return Window(since=start, until=end)


def _positive(fields: Fields, name: str, default: int, maximum: int) -> int:
    raw = fields.one(name)
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= maximum:
        raise bad_request(
            _("%(field)s: give a whole number from 1 to %(max)d.") % {"field": name, "max": maximum}
        )
    return int(raw)


def page(fields: Fields) -> Page:
    return Page(
        number=_positive(fields, "page", 1, 1_000_000),
        size=_positive(fields, "page_size", PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX),
    )


def flag(fields: Fields, name: str) -> bool:
    raw = fields.one(name).lower()
    if raw in ("", "false"):
        return False
    if raw == "true":
        return True
    raise bad_request(_("%(field)s: give true or false.") % {"field": name})


REQUESTS_FIELDS = (
    "jurisdiction_id",
    "api_key",
    "service_request_id",
    "service_code",
    "start_date",
    "end_date",
    "status",
    "page",
    "page_size",
    "extensions",
)


def requests_query(fields: Fields, *, now: datetime) -> RequestsQuery:
    ids = [value.upper() for value in fields.many("service_request_id")]
    if len(ids) > IDS_MAX:
        raise bad_request(
            _("service_request_id: give at most %(max)d ids at once.") % {"max": IDS_MAX}
        )
    if any(len(value) > 32 for value in ids):
        raise bad_request(_("service_request_id: this is not a request id."))
    codes = fields.many("service_code")
    unknown = sorted({code for code in codes if code not in SERVICES})
    if unknown:
        raise bad_request(
            _("service_code: there is no service %(codes)s (see services.xml).")
            % {"codes": ", ".join(unknown)}
        )
    statuses = [value.lower() for value in fields.many("status")]
    wrong = sorted({status for status in statuses if status not in ("open", "closed")})
    if wrong:
        raise bad_request(
            _("status: %(values)s is not a status; give open, closed or both.")
            % {"values": ", ".join(wrong)}
        )
    return RequestsQuery(
        ids=ids,
        service_codes=codes,
        statuses=statuses,
        window=window(fields, now=now),
        page=page(fields),
        extensions=flag(fields, "extensions"),
    )
