"""SLA arithmetic: properties over any instant and zone, then dates checked by hand.

The hand-checked cases use the government's published calendar (SKB 3 Menteri on
national holidays and cuti bersama for 2025 and 2026). Every expected deadline is
23:59:59 local time, written here as the UTC instant a reporter's clock would show.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from holidays.constants import GOVERNMENT, PUBLIC
from hypothesis import given, settings
from hypothesis import strategies as st

from kamtibmas.aspirations.sla import (
    URGENCY_CODES,
    Deadlines,
    SlaPolicy,
    add_working_days,
    deadlines,
    indonesian_calendar,
    is_overdue,
    joint_leave_known,
    partner_answer_by,
    working_days_between,
)
from kamtibmas.triage.taxonomy import Urgency

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
WIT = ZoneInfo("Asia/Jayapura")

CALENDAR = indonesian_calendar()
PUBLIC_ONLY = indonesian_calendar(include_joint_leave=False)

# An oracle independent of HolidayCalendar: the package itself, asked directly.
ORACLE = holidays.Indonesia(years=range(2019, 2033), categories=(PUBLIC, GOVERNMENT))

FAST = settings(max_examples=120, deadline=None)

instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
zones = st.sampled_from([WIB, WITA, WIT])
day_counts = st.integers(min_value=0, max_value=40)


def at(year: int, month: int, day: int, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """A local wall-clock time as a UTC instant, the way it would be stored."""
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)


def end_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=zone).astimezone(UTC)


def add(start: datetime, days: int, zone: ZoneInfo = WIB, calendar=CALENDAR) -> datetime:
    return add_working_days(start, days, zone=zone, calendar=calendar)


# Properties -------------------------------------------------------------------------


@FAST
@given(start=instants, days=st.integers(min_value=1, max_value=40), zone=zones)
def test_deadline_is_end_of_a_working_day_never_weekend_or_holiday(start, days, zone):
    local = add(start, days, zone).astimezone(zone)
    assert (local.hour, local.minute, local.second) == (23, 59, 59)
    assert local.weekday() < 5
    assert local.date() not in ORACLE
    assert CALENDAR.is_working_day(local.date())
    assert local.date() > start.astimezone(zone).date()


@FAST
@given(start=instants, days=day_counts, zone=zones)
def test_working_days_between_inverts_add_working_days(start, days, zone):
    deadline = add(start, days, zone)
    assert working_days_between(start, deadline, zone=zone, calendar=CALENDAR) == days


@FAST
@given(start=instants, days=day_counts, zone=zones)
def test_deadlines_grow_strictly_with_the_number_of_days(start, days, zone):
    assert add(start, days, zone) < add(start, days + 1, zone)


@FAST
@given(start=instants, days=st.integers(min_value=1, max_value=40), zone=zones)
def test_the_day_before_the_deadline_is_one_working_day_short(start, days, zone):
    deadline = add(start, days, zone)
    just_before = deadline - timedelta(days=1)
    if just_before > start:
        assert working_days_between(start, just_before, zone=zone, calendar=CALENDAR) == days - 1


@FAST
@given(start=instants, zone=zones)
def test_zero_days_is_immediate(start, zone):
    assert add(start, 0, zone) == start


@FAST
@given(start=instants, end=instants, zone=zones)
def test_nothing_is_counted_backwards(start, end, zone):
    counted = working_days_between(start, end, zone=zone, calendar=CALENDAR)
    if end <= start:
        assert counted == 0
    else:
        assert 0 <= counted <= (end - start).days + 1


@FAST
@given(start=instants, days=st.integers(min_value=1, max_value=40))
def test_zones_agree_when_receipt_is_midday_everywhere(start, days):
    # 03:00–09:59 UTC is the same local date in WIB, WITA and WIT.
    start = start.replace(hour=5)
    dates = {add(start, days, zone).astimezone(zone).date() for zone in (WIB, WITA, WIT)}
    assert len(dates) == 1


# Time zones near midnight ------------------------------------------------------------


def test_friday_2330_wib_is_saturday_in_wita_and_both_count_from_monday():
    received = datetime(2025, 7, 4, 16, 30, tzinfo=UTC)  # Friday
    assert received.astimezone(WIB).date() == date(2025, 7, 4)
    assert received.astimezone(WITA).date() == date(2025, 7, 5)
    assert received.astimezone(WIT).date() == date(2025, 7, 5)
    # Saturday is not a working day, so receipt late on Friday costs nothing.
    assert add(received, 1, WIB) == end_of(date(2025, 7, 7), WIB)
    assert add(received, 1, WITA) == end_of(date(2025, 7, 7), WITA)
    # Monday 23:00 WIB is already Tuesday in WITA: one more working day counted there.
    monday_late = datetime(2025, 7, 7, 16, 0, tzinfo=UTC)
    assert working_days_between(received, monday_late, zone=WIB, calendar=CALENDAR) == 1
    assert working_days_between(received, monday_late, zone=WITA, calendar=CALENDAR) == 2


def test_thursday_2330_wib_is_friday_in_wita_so_the_first_working_day_moves():
    received = datetime(2025, 7, 3, 16, 30, tzinfo=UTC)  # Thursday 23:30 WIB
    assert add(received, 1, WIB) == end_of(date(2025, 7, 4), WIB)
    assert add(received, 1, WITA) == end_of(date(2025, 7, 7), WITA)


def test_deadline_is_returned_in_utc():
    deadline = add(at(2025, 7, 1, 9, 0, WIT), 1, WIT)
    assert deadline.tzinfo is UTC
    assert deadline == datetime(2025, 7, 2, 14, 59, 59, tzinfo=UTC)


# The real calendar, checked by hand -------------------------------------------------


def test_idul_fitri_2025_with_cuti_bersama():
    # Thu 27 Mar; then Fri 28 cuti (Nyepi), Sat 29 Nyepi, Mon 31 + Tue 1 Apr Idul Fitri,
    # 2, 3, 4, 7 Apr cuti bersama: the first working day is Tue 8 Apr.
    received = at(2025, 3, 27, 10, 0, WIB)
    assert add(received, 1) == end_of(date(2025, 4, 8), WIB)
    found = deadlines(
        policy=SlaPolicy(), received_at=received, urgency="tinggi", zone=WIB, calendar=CALENDAR
    )
    assert found == Deadlines(
        verify_by=end_of(date(2025, 4, 10), WIB),
        first_notice_by=end_of(date(2025, 4, 10), WIB),
        resolve_by=end_of(date(2025, 4, 16), WIB),
    )
    # sedang: 14 working days also step over Good Friday, 18 Apr.
    assert add(received, 14) == end_of(date(2025, 4, 28), WIB)


def test_idul_fitri_2025_without_cuti_bersama_counts_the_joint_leave_days():
    received = at(2025, 3, 27, 10, 0, WIB)
    assert add(received, 3, calendar=PUBLIC_ONLY) == end_of(date(2025, 4, 3), WIB)


def test_independence_day_2025_on_a_sunday():
    assert CALENDAR.name(date(2025, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"
    assert CALENDAR.name(date(2025, 8, 18)) == "Cuti Bersama Hari Kemerdekaan Republik Indonesia"
    received = at(2025, 8, 15, 9, 0, WIB)  # Friday
    assert add(received, 1) == end_of(date(2025, 8, 19), WIB)
    assert add(received, 3) == end_of(date(2025, 8, 21), WIB)
    assert partner_answer_by(
        policy=SlaPolicy(), referred_at=received, zone=WIB, calendar=CALENDAR
    ) == end_of(date(2025, 8, 25), WIB)
    # Without joint leave nothing stands in for the Sunday: Monday counts.
    assert add(received, 1, calendar=PUBLIC_ONLY) == end_of(date(2025, 8, 18), WIB)


def test_christmas_and_the_year_boundary_2025_2026():
    # Thu 25 Dec Natal, Fri 26 cuti bersama, Thu 1 Jan, Fri 16 Jan Isra Mikraj.
    received = at(2025, 12, 24, 14, 0, WIB)
    assert add(received, 3) == end_of(date(2025, 12, 31), WIB)
    assert add(received, 4) == end_of(date(2026, 1, 2), WIB)
    assert add(received, 7) == end_of(date(2026, 1, 7), WIB)
    assert add(received, 14) == end_of(date(2026, 1, 19), WIB)
    assert (
        working_days_between(received, at(2026, 1, 19, 8, 0, WIB), zone=WIB, calendar=CALENDAR)
        == 14
    )


def test_received_on_new_years_eve_after_midnight_local():
    # 17:30 UTC on 31 Dec is already 1 Jan (a holiday) in WIB; Friday 2 Jan still counts.
    received = datetime(2025, 12, 31, 17, 30, tzinfo=UTC)
    assert received.astimezone(WIB).date() == date(2026, 1, 1)
    assert add(received, 1, WIB) == end_of(date(2026, 1, 2), WIB)


def test_nyepi_2026_in_bali():
    # Tue 17 Mar WITA; Wed 18 cuti, Thu 19 Nyepi, Fri 20 cuti, Sat 21 + Sun 22 Idul Fitri,
    # Mon 23 + Tue 24 cuti bersama: the first working day is Wed 25 Mar.
    received = at(2026, 3, 17, 10, 0, WITA)
    assert CALENDAR.name(date(2026, 3, 19)) == "Hari Suci Nyepi"
    assert add(received, 1, WITA) == end_of(date(2026, 3, 25), WITA)
    assert add(received, 3, WITA) == end_of(date(2026, 3, 27), WITA)
    assert add(received, 3, WITA, PUBLIC_ONLY) == end_of(date(2026, 3, 23), WITA)


def test_a_unit_adds_a_regional_holiday():
    galungan = date(2025, 11, 19)  # Wednesday
    bali = indonesian_calendar(extra={galungan: "Hari Raya Galungan"})
    received = at(2025, 11, 17, 10, 0, WITA)  # Monday
    assert add(received, 3, WITA, bali) == end_of(date(2025, 11, 21), WITA)
    assert add(received, 3, WITA) == end_of(date(2025, 11, 20), WITA)
    assert bali.name(galungan) == "Hari Raya Galungan"
    assert indonesian_calendar(extra=[galungan]).name(galungan) == "Libur daerah"
    assert (galungan, "Hari Raya Galungan") in bali.holidays_in(2025)


def test_a_unit_removes_a_date_it_does_not_observe():
    boxing_day = date(2025, 12, 26)
    calendar = indonesian_calendar(removed=[boxing_day])
    assert calendar.is_working_day(boxing_day)
    assert calendar.name(boxing_day) is None
    assert boxing_day not in dict(calendar.holidays_in(2025))
    assert add(at(2025, 12, 24, 14, 0, WIB), 3, calendar=calendar) == end_of(
        date(2025, 12, 30), WIB
    )
    # Removing a Sunday holiday does not make Sunday a working day.
    assert not indonesian_calendar(removed=[date(2025, 8, 17)]).is_working_day(date(2025, 8, 17))


def test_a_date_cannot_be_added_and_removed():
    with pytest.raises(ValueError, match="both added and removed"):
        indonesian_calendar(extra=[date(2025, 12, 26)], removed=[date(2025, 12, 26)])


def test_calendar_wants_dates_not_datetimes():
    with pytest.raises(TypeError, match="local date"):
        CALENDAR.is_working_day(datetime(2025, 8, 16, 12, 0, tzinfo=UTC))
    with pytest.raises(TypeError, match="local date"):
        indonesian_calendar(extra=[datetime(2025, 1, 2, tzinfo=UTC)])


def test_names_follow_the_chosen_language_not_the_process_locale():
    english = indonesian_calendar(language="en_US")
    assert english.name(date(2025, 3, 31)) == "Eid al-Fitr"
    assert CALENDAR.name(date(2025, 3, 31)) == "Hari Raya Idul Fitri"
    assert CALENDAR.name(date(2025, 7, 4)) is None
    with pytest.raises(ValueError, match="Unsupported language"):
        indonesian_calendar(language="jv")


def test_joint_leave_known_for_published_years_only():
    assert joint_leave_known(2025)
    assert joint_leave_known(2026)
    assert not joint_leave_known(2045)


# Deadlines and overdue ---------------------------------------------------------------


def test_darurat_is_immediate():
    received = at(2025, 7, 1, 10, 0, WIB)
    found = deadlines(
        policy=SlaPolicy(), received_at=received, urgency="darurat", zone=WIB, calendar=CALENDAR
    )
    assert found.resolve_by == received
    assert found.verify_by == end_of(date(2025, 7, 4), WIB)
    assert not is_overdue(deadline=found.resolve_by, now=received, done_at=received)
    assert is_overdue(deadline=found.resolve_by, now=received + timedelta(minutes=1))


@pytest.mark.parametrize(
    ("deadline", "now", "done_at", "overdue"),
    [
        (None, datetime(2030, 1, 1, tzinfo=UTC), None, False),
        (datetime(2025, 7, 4, tzinfo=UTC), datetime(2025, 7, 4, tzinfo=UTC), None, False),
        (datetime(2025, 7, 4, tzinfo=UTC), datetime(2025, 7, 4, 0, 0, 1, tzinfo=UTC), None, True),
        (
            datetime(2025, 7, 4, tzinfo=UTC),
            datetime(2025, 8, 1, tzinfo=UTC),
            datetime(2025, 7, 3, tzinfo=UTC),
            False,
        ),
        (
            datetime(2025, 7, 4, tzinfo=UTC),
            datetime(2025, 7, 1, tzinfo=UTC),
            datetime(2025, 7, 5, tzinfo=UTC),
            True,
        ),
    ],
    ids=["no-deadline", "at-deadline", "one-second-late", "done-in-time", "done-late"],
)
def test_is_overdue(deadline, now, done_at, overdue):
    assert is_overdue(deadline=deadline, now=now, done_at=done_at) is overdue


def test_naive_datetimes_are_refused():
    naive = datetime(2025, 7, 4, 10, 0)
    aware = naive.replace(tzinfo=UTC)
    with pytest.raises(ValueError, match="aware"):
        add(naive, 3)
    with pytest.raises(ValueError, match="aware"):
        working_days_between(aware, naive, zone=WIB, calendar=CALENDAR)
    with pytest.raises(ValueError, match="aware"):
        is_overdue(deadline=naive, now=aware)
    with pytest.raises(ValueError, match="negative"):
        add(aware, -1)


def test_unknown_urgency_is_refused():
    with pytest.raises(ValueError, match="Unknown urgency code 'kritis'"):
        deadlines(
            policy=SlaPolicy(),
            received_at=at(2025, 7, 1, 10, 0, WIB),
            urgency="kritis",
            zone=WIB,
            calendar=CALENDAR,
        )


# Policy -------------------------------------------------------------------------------


def test_policy_defaults_are_product_md():
    policy = SlaPolicy()
    assert (policy.verify_days, policy.first_notice_days, policy.partner_answer_days) == (3, 3, 5)
    assert dict(policy.resolve_days) == {"darurat": 0, "tinggi": 7, "sedang": 14, "rendah": 30}
    assert SlaPolicy.from_dict({}) == policy
    assert hash(SlaPolicy.from_dict({})) == hash(policy)


def test_urgency_codes_match_triage():
    assert set(URGENCY_CODES) == set(Urgency.values)


def test_policy_from_dict_overrides_only_what_it_names():
    policy = SlaPolicy.from_dict({"verify_days": 2, "resolve_days": {"tinggi": 5}})
    assert policy.verify_days == 2
    assert policy.first_notice_days == 3
    assert dict(policy.resolve_days) == {"darurat": 0, "tinggi": 5, "sedang": 14, "rendah": 30}


def test_policy_cannot_be_changed_through_its_mapping():
    source = {"darurat": 0, "tinggi": 7, "sedang": 14, "rendah": 30}
    policy = SlaPolicy(resolve_days=source)
    source["tinggi"] = 99
    assert policy.resolve_days["tinggi"] == 7
    with pytest.raises(TypeError):
        policy.resolve_days["tinggi"] = 1  # type: ignore[index]


@FAST
@given(
    verify=st.integers(0, 365),
    notice=st.integers(0, 365),
    partner=st.integers(0, 365),
    resolve=st.fixed_dictionaries({code: st.integers(0, 365) for code in URGENCY_CODES}),
)
def test_policy_round_trips_through_json_form(verify, notice, partner, resolve):
    policy = SlaPolicy(
        verify_days=verify,
        first_notice_days=notice,
        partner_answer_days=partner,
        resolve_days=resolve,
    )
    assert SlaPolicy.from_dict(policy.to_dict()) == policy


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([3, 3, 5], "must be an object, got list"),
        ({"verify_day": 3}, "Unknown SLA setting 'verify_day'"),
        ({"verify_days": -1}, "verify_days must not be negative, got -1"),
        ({"verify_days": "3"}, "verify_days must be a whole number of working days, got '3'"),
        ({"first_notice_days": 2.5}, "first_notice_days must be a whole number"),
        ({"partner_answer_days": True}, "partner_answer_days must be a whole number"),
        ({"partner_answer_days": None}, "partner_answer_days must be a whole number"),
        ({"verify_days": 366}, "must be at most 365 working days, got 366"),
        ({"resolve_days": [7, 14]}, "resolve_days must be an object"),
        ({"resolve_days": {"kritis": 1}}, "Unknown urgency code 'kritis' in resolve_days"),
        ({"resolve_days": {"tinggi": -7}}, r"resolve_days\['tinggi'\] must not be negative"),
    ],
)
def test_policy_from_dict_refuses_bad_configuration(data, message):
    with pytest.raises(ValueError, match=message):
        SlaPolicy.from_dict(data)


def test_policy_constructor_wants_every_urgency():
    with pytest.raises(ValueError, match="missing urgency codes: sedang, rendah"):
        SlaPolicy(resolve_days={"darurat": 0, "tinggi": 7})
