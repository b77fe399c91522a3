"""SLA clocks for aspirations, counted in Indonesian working days (PRODUCT.md §4 C2).

Pure arithmetic: no ORM, no settings. Callers pass the unit's ``SlaPolicy`` (stored
as JSON on the unit), the unit's zone (WIB ``Asia/Jakarta``, WITA ``Asia/Makassar``,
WIT ``Asia/Jayapura``) and a ``HolidayCalendar``; instants go in and come out as
aware datetimes (UTC in practice). docs/decisions/009-sla-calendar.md explains the
choices.

Invariants (each is a property test in ``tests/test_sla.py``):

* A working day is Monday to Friday and not a holiday. Holidays are Indonesia's
  national public holidays plus cuti bersama (joint leave days), plus the unit's
  ``extra`` dates, minus its ``removed`` dates.
* Counting happens on the local calendar of the unit's zone. "Within N working
  days of ``start``" ends at 23:59:59 local time on the Nth working day strictly
  after ``start``'s local date; the day of receipt never counts, whatever the hour.
* ``N == 0`` means immediate: the deadline is ``start`` itself.
* A deadline's local date is always a working day, and
  ``working_days_between(start, add_working_days(start, n)) == n``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any, Final
from zoneinfo import ZoneInfo

import holidays
from holidays.constants import GOVERNMENT, PUBLIC

URGENCY_CODES: Final = ("darurat", "tinggi", "sedang", "rendah")
"""The urgency codes of §5, most urgent first (``triage.taxonomy.Urgency`` values)."""

MAX_SLA_DAYS: Final = 365
"""Upper bound on any configured period: a larger number is a typing mistake."""

DEFAULT_RESOLVE_DAYS: Final[Mapping[str, int]] = MappingProxyType(
    {"darurat": 0, "tinggi": 7, "sedang": 14, "rendah": 30}
)

# Shown by ``HolidayCalendar.name`` for a unit's extra date given without a name.
_UNNAMED_EXTRA = {"id": "Libur daerah", "en_US": "Regional holiday"}

_END_OF_DAY = time(23, 59, 59)


def _plain_date(value: object, what: str) -> date:
    # A datetime is a date subclass; accepting one would silently use its UTC date.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{what} must be a local date, not {type(value).__name__}")
    return value


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime (UTC in practice), got {value!r}")


class HolidayCalendar:
    """Indonesia's non-working days, from the ``holidays`` package, adjusted by a unit.

    ``extra`` adds dates (regional holidays such as Galungan in Bali); pass a mapping
    of date to name to have ``name`` show them. ``removed`` takes dates out (a
    package date the unit does not observe). A date may not be both. Removing a
    Saturday or Sunday does not make it a working day.

    ``include_joint_leave`` (default ``True``) counts cuti bersama, the package's
    "government" category, as non-working days. ``language`` ("id" or "en_US")
    is the language of ``name``; it is fixed here because the package otherwise
    follows the process locale.

    Years are read from the package on first use and kept. The cache is filled
    with complete values only, so a calendar may be shared between threads.
    """

    def __init__(
        self,
        *,
        extra: Iterable[date] | Mapping[date, str] = (),
        removed: Iterable[date] = (),
        include_joint_leave: bool = True,
        language: str = "id",
    ) -> None:
        if language not in holidays.Indonesia.supported_languages:
            supported = ", ".join(holidays.Indonesia.supported_languages)
            raise ValueError(f"Unsupported language {language!r}; expected one of: {supported}.")
        if isinstance(extra, Mapping):
            named = {_plain_date(d, "An extra holiday"): str(n) for d, n in extra.items()}
        else:
            named = {_plain_date(d, "An extra holiday"): "" for d in extra}
        self._extra: Mapping[date, str] = MappingProxyType(named)
        self._removed = frozenset(_plain_date(d, "A removed holiday") for d in removed)
        both = sorted(self._extra.keys() & self._removed)
        if both:
            listed = ", ".join(d.isoformat() for d in both)
            raise ValueError(f"Dates both added and removed as holidays: {listed}.")
        self._categories = (PUBLIC, GOVERNMENT) if include_joint_leave else (PUBLIC,)
        self._language = language
        self._years: dict[int, Mapping[date, str]] = {}

    def __repr__(self) -> str:
        return (
            f"HolidayCalendar(extra={len(self._extra)}, removed={len(self._removed)}, "
            f"include_joint_leave={GOVERNMENT in self._categories}, "
            f"language={self._language!r})"
        )

    def _package_year(self, year: int) -> Mapping[date, str]:
        cached = self._years.get(year)
        if cached is None:
            cached = _package_holidays(year, self._categories, self._language)
            self._years[year] = cached
        return cached

    def is_holiday(self, d: date) -> bool:
        """Whether ``d`` is a holiday (weekends aside) for this unit."""
        d = _plain_date(d, "d")
        if d in self._extra:
            return True
        return d not in self._removed and d in self._package_year(d.year)

    def is_working_day(self, d: date) -> bool:
        """Monday to Friday and not a holiday. ``d`` is a local date, not a datetime."""
        d = _plain_date(d, "d")
        return d.weekday() < 5 and not self.is_holiday(d)

    def name(self, d: date) -> str | None:
        """The holiday's name for display, or ``None`` when ``d`` is not a holiday.

        Plain weekends have no name. Names of package holidays come in the
        calendar's language; Islamic dates the government has not confirmed yet
        carry "(perkiraan)".
        """
        d = _plain_date(d, "d")
        if d in self._extra:
            return self._extra[d] or _UNNAMED_EXTRA[self._language]
        if d in self._removed:
            return None
        return self._package_year(d.year).get(d)

    def holidays_in(self, year: int) -> list[tuple[date, str]]:
        """Every holiday of ``year`` with its name, in date order, for a unit to review."""
        dates = {d for d in self._package_year(year) if d not in self._removed}
        dates |= {d for d in self._extra if d.year == year}
        return [(d, self.name(d) or "") for d in sorted(dates)]


@functools.lru_cache(maxsize=64)
def _package_holidays(year: int, categories: tuple[str, ...], language: str) -> Mapping[date, str]:
    """The ``holidays`` package's days of ``year``, computed once per process: each
    intake builds a calendar, and computing a year took a tenth of its time."""
    source = holidays.Indonesia(years=year, categories=categories, language=language)
    return MappingProxyType(dict(source.items()))


def indonesian_calendar(
    *,
    extra: Iterable[date] | Mapping[date, str] = (),
    removed: Iterable[date] = (),
    include_joint_leave: bool = True,
    language: str = "id",
) -> HolidayCalendar:
    """The calendar for one unit: national holidays and cuti bersama, adjusted."""
    return HolidayCalendar(
        extra=extra, removed=removed, include_joint_leave=include_joint_leave, language=language
    )


def joint_leave_known(year: int) -> bool:
    """Whether the installed ``holidays`` package lists cuti bersama for ``year``.

    The government publishes each year's joint leave days (SKB 3 Menteri) in the
    autumn before; until the package is upgraded those days count as working days.
    """
    return bool(holidays.Indonesia(years=year, categories=(GOVERNMENT,)))


def _whole_days(value: object, what: str) -> int:
    # bool is an int subclass, and JSON true must not mean one day.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(
            f"{what} must be a whole number of working days, "
            f"got {value!r} ({type(value).__name__})."
        )
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value}.")
    if value > MAX_SLA_DAYS:
        raise ValueError(f"{what} must be at most {MAX_SLA_DAYS} working days, got {value}.")
    return value


def _default_resolve_days() -> Mapping[str, int]:
    return DEFAULT_RESOLVE_DAYS


@dataclass(frozen=True)
class SlaPolicy:
    """A unit's SLA periods, all in working days; 0 means immediate.

    ``resolve_days`` has exactly the codes of ``URGENCY_CODES``. The defaults are
    PRODUCT.md §4 C2's. Every constructor validates, so a policy in hand is sound.
    """

    verify_days: int = 3
    first_notice_days: int = 3
    partner_answer_days: int = 5
    resolve_days: Mapping[str, int] = field(default_factory=_default_resolve_days, hash=False)

    def __post_init__(self) -> None:
        for name in ("verify_days", "first_notice_days", "partner_answer_days"):
            _whole_days(getattr(self, name), name)
        if not isinstance(self.resolve_days, Mapping):
            raise ValueError("resolve_days must map urgency codes to working days.")
        unknown = sorted(set(self.resolve_days) - set(URGENCY_CODES), key=str)
        if unknown:
            raise ValueError(
                f"Unknown urgency code {unknown[0]!r} in resolve_days; "
                f"expected one of: {', '.join(URGENCY_CODES)}."
            )
        missing = [code for code in URGENCY_CODES if code not in self.resolve_days]
        if missing:
            raise ValueError(f"resolve_days is missing urgency codes: {', '.join(missing)}.")
        checked = {
            code: _whole_days(self.resolve_days[code], f"resolve_days[{code!r}]")
            for code in URGENCY_CODES
        }
        # Frozen means frozen: keep a read-only copy, not the caller's dict.
        object.__setattr__(self, "resolve_days", MappingProxyType(checked))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SlaPolicy:
        """A policy from a unit's stored JSON; missing keys keep their defaults.

        ``resolve_days`` may list only the codes a unit changes. Unknown keys are
        refused rather than ignored, so a misspelt setting is noticed.

        :raises ValueError: with a message naming the offending setting.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"SLA configuration must be an object, got {type(data).__name__}.")
        allowed = ("verify_days", "first_notice_days", "partner_answer_days", "resolve_days")
        for key in data:
            if key not in allowed:
                raise ValueError(
                    f"Unknown SLA setting {key!r}; expected one of: {', '.join(allowed)}."
                )
        resolve = data.get("resolve_days", {})
        if not isinstance(resolve, Mapping):
            raise ValueError(
                "resolve_days must be an object mapping urgency codes to working days, "
                f"got {type(resolve).__name__}."
            )
        defaults = cls()
        return cls(
            verify_days=data.get("verify_days", defaults.verify_days),
            first_notice_days=data.get("first_notice_days", defaults.first_notice_days),
            partner_answer_days=data.get("partner_answer_days", defaults.partner_answer_days),
            resolve_days={**defaults.resolve_days, **resolve},
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form ``from_dict`` reads back."""
        return {
            "verify_days": self.verify_days,
            "first_notice_days": self.first_notice_days,
            "partner_answer_days": self.partner_answer_days,
            "resolve_days": dict(self.resolve_days),
        }

    def resolve_days_for(self, urgency: str) -> int:
        """Working days to resolve an aspiration of ``urgency``.

        :raises ValueError: for a code not in ``URGENCY_CODES``.
        """
        try:
            return self.resolve_days[urgency]
        except KeyError:
            raise ValueError(
                f"Unknown urgency code {urgency!r}; expected one of: {', '.join(URGENCY_CODES)}."
            ) from None


def _local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def _end_of_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, _END_OF_DAY, tzinfo=zone).astimezone(UTC)


def _days_after(day: date) -> Iterator[date]:
    while True:
        day += timedelta(days=1)
        yield day


def add_working_days(
    start: datetime, days: int, *, zone: ZoneInfo, calendar: HolidayCalendar
) -> datetime:
    """The end (23:59:59 local, returned in UTC) of the ``days``-th working day after ``start``.

    Days are counted strictly after ``start``'s local date in ``zone``, so the day
    of receipt never counts. ``days == 0`` returns ``start`` unchanged (immediate).

    :raises ValueError: if ``start`` is naive or ``days`` is negative.
    """
    _require_aware(start, "start")
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}.")
    if days == 0:
        return start
    remaining = days
    for day in _days_after(_local_date(start, zone)):
        if calendar.is_working_day(day):
            remaining -= 1
            if remaining == 0:
                return _end_of_day(day, zone)
    raise AssertionError("unreachable: the days after a date never run out")  # pragma: no cover


def working_days_between(
    start: datetime, end: datetime, *, zone: ZoneInfo, calendar: HolidayCalendar
) -> int:
    """Working days strictly after ``start``'s local date up to ``end``'s local date, inclusive.

    0 when ``end <= start``. The inverse of ``add_working_days``:
    ``working_days_between(s, add_working_days(s, n, ...), ...) == n``.

    :raises ValueError: if either datetime is naive.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    if end <= start:
        return 0
    last = _local_date(end, zone)
    count = 0
    for day in _days_after(_local_date(start, zone)):
        if day > last:
            return count
        if calendar.is_working_day(day):
            count += 1
    raise AssertionError("unreachable: the days after a date never run out")  # pragma: no cover


@dataclass(frozen=True)
class Deadlines:
    """The clocks started when an aspiration is received (aware datetimes, UTC)."""

    verify_by: datetime
    first_notice_by: datetime
    resolve_by: datetime


def deadlines(
    *,
    policy: SlaPolicy,
    received_at: datetime,
    urgency: str,
    zone: ZoneInfo,
    calendar: HolidayCalendar,
) -> Deadlines:
    """The verify, first-notice and resolve deadlines of an aspiration received at ``received_at``.

    A ``darurat`` aspiration's ``resolve_by`` is ``received_at`` itself (immediate
    hand-off to the 110 duty desk) under the default policy.

    :raises ValueError: for an unknown urgency or a naive ``received_at``.
    """
    resolve_days = policy.resolve_days_for(urgency)

    def by(days: int) -> datetime:
        return add_working_days(received_at, days, zone=zone, calendar=calendar)

    return Deadlines(
        verify_by=by(policy.verify_days),
        first_notice_by=by(policy.first_notice_days),
        resolve_by=by(resolve_days),
    )


def partner_answer_by(
    *, policy: SlaPolicy, referred_at: datetime, zone: ZoneInfo, calendar: HolidayCalendar
) -> datetime:
    """When a partner agency must answer an aspiration referred to it at ``referred_at``."""
    return add_working_days(referred_at, policy.partner_answer_days, zone=zone, calendar=calendar)


def is_overdue(
    *, deadline: datetime | None, now: datetime, done_at: datetime | None = None
) -> bool:
    """Whether a clock missed its deadline.

    Done work is judged by when it was done: late if ``done_at > deadline``,
    whatever ``now`` is. Open work is overdue once ``now > deadline``; the deadline
    instant itself is still in time. No deadline (a clock that does not apply) is
    never overdue. An immediate deadline is met only by work done at or before it.

    :raises ValueError: if a datetime is naive.
    """
    _require_aware(now, "now")
    if deadline is None:
        return False
    _require_aware(deadline, "deadline")
    if done_at is not None:
        _require_aware(done_at, "done_at")
        return done_at > deadline
    return now > deadline
