"""Programs, the stock ledger, households, eligibility and hand-outs (C4)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import translation

from kamtibmas.aid.ledger import Kind
from kamtibmas.aid.models import Handout, Household, StockEntry
from kamtibmas.aid.services import (
    aid_eligibility,
    aid_handout_record,
    aid_program_create,
    household_by_kk,
    household_register,
    stock_balances,
    stock_correct,
    stock_move,
    stock_receive,
)
from kamtibmas.aid.tests.conftest import KK
from kamtibmas.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db
#: 31 July 2025, 10.30 WIB: the reference dialogue.
DIALOGUE_MORNING = datetime(2025, 7, 31, 3, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def hand_out(aid, **changes):
    arguments = {
        "actor": aid.officer,
        "program": aid.program,
        "household": aid.household,
        "location": aid.venue,
        "recipient_name": "Ahmad Yani",
        "children_present": 2,
        "at": DIALOGUE_MORNING,
    }
    arguments.update(changes)
    return aid_handout_record(**arguments)


def balance(aid, item, location) -> int:
    return stock_balances(aid.program).get((item.pk, location.pk), 0)


def test_a_hand_out_takes_the_package_and_a_snack_per_child_present(aid):
    handout = hand_out(aid)
    assert handout.round == 1 and handout.local_day == date(2025, 7, 31)
    assert balance(aid, aid.sembako, aid.venue) == 49
    assert balance(aid, aid.snacks, aid.venue) == 28
    assert sorted(handout.entries.values_list("kind", "quantity")) == [
        ("handed_out", 1),
        ("handed_out", 2),
    ]


def test_a_second_package_is_refused_with_the_day_and_place_of_the_first(aid):
    hand_out(aid)
    with pytest.raises(ValidationError) as excinfo:
        hand_out(aid, at=DIALOGUE_MORNING + timedelta(hours=1))
    assert excinfo.value.messages == ["Already received on Thursday, 31 July 2025 at Balai RW 024."]
    assert Handout.objects.count() == 1
    assert balance(aid, aid.sembako, aid.venue) == 49


def test_the_snacks_never_exceed_the_children_of_the_family(aid):
    hand_out(aid, children_present=7)
    assert balance(aid, aid.snacks, aid.venue) == 27  # three children in the KK


def test_a_household_outside_the_area_or_a_day_outside_the_period_is_refused(aid):
    elsewhere = household_register(
        actor=aid.officer_timur,
        kk_number="3275010101090022",
        head_name="Budi",
        area=aid.margahayu,
        members=2,
    )
    verdict = aid_eligibility(
        program=aid.program, household=elsewhere, location=aid.venue, at=DIALOGUE_MORNING
    )
    assert verdict.reasons == ["This household lives outside the areas of the program."]
    late = aid_eligibility(
        program=aid.program,
        household=aid.household,
        location=aid.venue,
        at=datetime(2026, 1, 2, tzinfo=UTC),
    )
    assert late.reasons == [
        "The program runs from Tuesday, 1 July 2025 to Wednesday, 31 December 2025."
    ]


def test_rounds_interval_and_daily_limit(aid, bekasi):
    program = aid_program_create(
        actor=aid.officer,
        unit=bekasi.polsek_selatan,
        name="Sembako bulanan",
        starts_on=date(2025, 7, 1),
        ends_on=date(2025, 12, 31),
        areas=[bekasi.kayuringin],
        items=[{"name": "Paket sembako"}],
        locations=["Balai RW 024"],
        packages_per_household=3,
        min_days_between=28,
        max_per_day_per_location=1,
    )
    item = program.items.get()
    venue = program.locations.get()
    stock_receive(actor=aid.officer, item=item, location=venue, quantity=10)
    other = household_register(
        actor=aid.officer, kk_number="3275040101090033", head_name="Sri", area=bekasi.rw024,
        members=1,
    )  # fmt: skip
    first = hand_out(aid, program=program, location=venue)
    with pytest.raises(ValidationError) as excinfo:
        hand_out(aid, program=program, location=venue, household=other)
    assert "hand-outs of today" in excinfo.value.messages[0]
    with pytest.raises(ValidationError) as excinfo:
        hand_out(aid, program=program, location=venue, at=DIALOGUE_MORNING + timedelta(days=10))
    assert excinfo.value.messages == [
        "Received on Thursday, 31 July 2025; the next package from Thursday, 28 August 2025."
    ]
    second = hand_out(
        aid, program=program, location=venue, at=DIALOGUE_MORNING + timedelta(days=28)
    )
    assert (first.round, second.round) == (1, 2)


def test_stock_never_goes_negative_and_corrections_need_a_reason(aid):
    with pytest.raises(ValidationError) as excinfo:
        stock_move(
            actor=aid.officer, item=aid.sembako, source=aid.post, target=aid.venue, quantity=1
        )
    assert "Not enough Paket sembako at Pos Polisi Kayuringin: 0 left" in str(excinfo.value)
    moved = stock_move(
        actor=aid.officer, item=aid.sembako, source=aid.venue, target=aid.post, quantity=20
    )
    assert moved[0].transfer == moved[1].transfer is not None
    with pytest.raises(ValidationError):
        stock_correct(
            actor=aid.officer, item=aid.sembako, location=aid.post, kind=Kind.DAMAGED,
            quantity=2, reason=" ",
        )  # fmt: skip
    stock_correct(
        actor=aid.officer, item=aid.sembako, location=aid.post, kind=Kind.DAMAGED,
        quantity=2, reason="Karung beras sobek kena hujan",
    )  # fmt: skip
    stock_correct(
        actor=aid.officer, item=aid.sembako, location=aid.venue, kind=Kind.ADJUSTED,
        quantity=-1, reason="Hitung ulang: kurang satu",
    )  # fmt: skip
    with pytest.raises(ValidationError):
        stock_correct(
            actor=aid.officer, item=aid.sembako, location=aid.post, kind=Kind.ADJUSTED,
            quantity=-19, reason="salah hitung",
        )  # fmt: skip
    assert balance(aid, aid.sembako, aid.post) == 18
    assert balance(aid, aid.sembako, aid.venue) == 29
    assert StockEntry.objects.filter(program=aid.program).count() == 6


def test_the_kk_is_encrypted_found_by_its_blind_index_and_registered_once(aid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT kk_number, head_name, address FROM aid_household")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert KK not in stored and "Ahmad" not in stored and "Cut Meutia" not in stored
    assert household_by_kk("3275-0401-0109-0011") == aid.household
    with pytest.raises(ValidationError) as excinfo:
        household_register(
            actor=aid.officer, kk_number=KK, head_name="Lain", area=aid.rw024, members=1
        )
    assert "already registered" in excinfo.value.message_dict["kk_number"][0]
    with pytest.raises(ValidationError) as excinfo:
        household_register(
            actor=aid.officer, kk_number="12345", head_name="", area=aid.rw024, members=1,
            children=2,
        )  # fmt: skip
    assert set(excinfo.value.message_dict) == {"kk_number", "head_name", "children"}
    assert Household.objects.count() == 1
    assert AuditEntry.objects.filter(subject_type="aid.household").count() == 1


def test_only_the_units_officers_hand_out(aid):
    for actor in (aid.officer_timur, aid.resident):
        with pytest.raises(PermissionDenied):
            hand_out(aid, actor=actor)
    assert not Handout.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_at_the_same_moment_record_one_hand_out(aid, bekasi):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer: the two requests simply queue")
    from kamtibmas.accounts.models import Role
    from kamtibmas.conftest import make_user

    second = make_user("bhabin.dua", Role.COMMUNITY_OFFICER, bekasi.polsek_selatan)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(actor):
        try:
            barrier.wait()
            hand_out(aid, actor=actor)
            outcomes.append("handed out")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(a,)) for a in (aid.officer, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["handed out", "refused"]
    assert Handout.objects.count() == 1
    assert balance(aid, aid.sembako, aid.venue) == 49
