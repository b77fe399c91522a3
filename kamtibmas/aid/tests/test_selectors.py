"""Reconciliation, distribution counts, the public summary and the recipients of a
dialogue (C4, issue 8 point 5), on a program built through ``aid.services``."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import translation

from kamtibmas.aid.ledger import Kind
from kamtibmas.aid.models import StockEntry
from kamtibmas.aid.selectors import (
    SUPPRESSED,
    aid_distribution_summary,
    aid_public_summary,
    aid_recipients,
    aid_reconciliation,
    public_count,
)
from kamtibmas.aid.services import (
    aid_handout_record,
    aid_program_create,
    household_register,
    stock_correct,
    stock_move,
    stock_receive,
)
from kamtibmas.aid.tests.conftest import KK
from kamtibmas.areas.services import area_rt_get_or_create, area_rw_get_or_create
from kamtibmas.engagements.models import DialogueType
from kamtibmas.engagements.services import dialogue_record_past
from kamtibmas.privacy.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db
DIALOGUE_MORNING = datetime(2025, 7, 31, 3, 30, tzinfo=UTC)
NEXT_MORNING = datetime(2025, 8, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def served(aid) -> SimpleNamespace:
    """Five households served: Ahmad Yani (RW 024, no RT), three of RT 001/RW 024 at
    the venue on 31 July, one of RT 002/RW 025 at the post on 1 August; stock moved,
    damaged and recounted on the way."""
    rt001 = area_rt_get_or_create(rw=aid.rw024, number=1)
    rw025 = area_rw_get_or_create(village=aid.kayuringin, number=25)
    rt002 = area_rt_get_or_create(rw=rw025, number=2)
    officer = aid.officer
    stock_move(actor=officer, item=aid.sembako, source=aid.venue, target=aid.post, quantity=10)
    stock_move(actor=officer, item=aid.snacks, source=aid.venue, target=aid.post, quantity=5)
    stock_correct(
        actor=officer, item=aid.sembako, location=aid.venue, kind=Kind.DAMAGED, quantity=2,
        reason="Karung beras sobek",
    )  # fmt: skip
    stock_correct(
        actor=officer, item=aid.snacks, location=aid.venue, kind=Kind.ADJUSTED, quantity=-1,
        reason="Hitung ulang",
    )  # fmt: skip

    def register(kk: str, name: str, area, children: int):
        return household_register(
            actor=officer, kk_number=kk, head_name=name, area=area, members=children + 2,
            children=children,
        )  # fmt: skip

    neighbours = [
        register("3275040101090021", "Siti Aminah", rt001, 1),
        register("3275040101090031", "Joko Susilo", rt001, 0),
        register("3275040101090041", "Dewi Lestari", rt001, 2),
    ]
    far = register("3275040101090051", "Bambang Hartono", rt002, 2)
    handouts = [
        aid_handout_record(
            actor=officer,
            program=aid.program,
            household=aid.household,
            location=aid.venue,
            recipient_name="Ahmad Yani",
            children_present=2,
            at=DIALOGUE_MORNING,
        )
    ]
    for household in neighbours:
        handouts.append(
            aid_handout_record(
                actor=officer,
                program=aid.program,
                household=household,
                location=aid.venue,
                recipient_name="Penerima",
                children_present=household.children,
                at=DIALOGUE_MORNING,
            )
        )
    handouts.append(
        aid_handout_record(
            actor=officer,
            program=aid.program,
            household=far,
            location=aid.post,
            recipient_name="Bambang Hartono",
            children_present=2,
            at=NEXT_MORNING,
        )
    )
    return SimpleNamespace(aid=aid, handouts=handouts, far=far, neighbours=neighbours)


def rows_by_key(aid, actor=None):
    rows = aid_reconciliation(actor=actor or aid.officer, program=aid.program)
    return {(row.item, row.location): row for row in rows}


# --- reconciliation ----------------------------------------------------------------------


def test_a_ledger_written_through_the_services_reconciles(served):
    aid = served.aid
    rows = rows_by_key(aid)
    assert set(rows) == {
        ("Paket sembako", "Balai RW 024"),
        ("Paket sembako", "Pos Polisi Kayuringin"),
        ("Snack anak", "Balai RW 024"),
        ("Snack anak", "Pos Polisi Kayuringin"),
    }
    venue = rows[("Paket sembako", "Balai RW 024")]
    assert (venue.received, venue.handed_out, venue.moved_out, venue.damaged) == (50, 4, 10, 2)
    assert (venue.expected, venue.balance, venue.handed_out_by_handouts) == (34, 34, 4)
    post = rows[("Paket sembako", "Pos Polisi Kayuringin")]
    assert (post.moved_in, post.handed_out, post.expected, post.balance) == (10, 1, 9, 9)
    snacks = rows[("Snack anak", "Balai RW 024")]
    # 30 received, 2 + 1 + 0 + 2 handed out, 5 moved, one fewer on a recount.
    assert (snacks.handed_out, snacks.adjusted, snacks.expected, snacks.balance) == (5, -1, 19, 19)
    assert rows[("Snack anak", "Pos Polisi Kayuringin")].balance == 3
    assert all(row.agrees and not row.discrepancies for row in rows.values())


def test_a_hand_out_entry_forged_past_the_services_is_reported_with_its_entry(served):
    aid = served.aid
    forged = StockEntry.objects.create(
        program=aid.program, item=aid.sembako, location=aid.venue, kind=Kind.HANDED_OUT,
        quantity=3, delta=-3, recorded_by=aid.officer,
    )  # fmt: skip
    venue = rows_by_key(aid)[("Paket sembako", "Balai RW 024")]
    # The balance still follows its entries; the hand-outs do not explain them.
    assert venue.balance_agrees and (venue.expected, venue.balance) == (31, 31)
    assert (venue.handed_out, venue.handed_out_by_handouts) == (7, 4)
    assert not venue.handouts_agree and not venue.agrees
    [discrepancy] = venue.discrepancies
    assert (discrepancy.handout_id, discrepancy.expected, discrepancy.recorded) == (None, 0, 3)
    [entry] = discrepancy.entries
    assert (entry.id, entry.kind, entry.quantity) == (forged.pk, "handed_out", 3)
    assert entry.recorded_by == aid.officer.display_name
    assert entry.created_at == forged.created_at
    assert discrepancy.explanation == "Handed out in the ledger without a recorded hand-out."
    others = {key: row for key, row in rows_by_key(aid).items() if row.location_id != aid.venue.pk}
    assert others and all(row.agrees for row in others.values())


def test_a_hand_out_that_took_more_than_it_implies_is_listed_with_all_its_entries(served):
    aid = served.aid
    handout = served.handouts[0]
    extra = StockEntry.objects.create(
        program=aid.program, item=aid.snacks, location=aid.venue, kind=Kind.HANDED_OUT,
        quantity=1, delta=-1, recorded_by=aid.officer, handout=handout,
    )  # fmt: skip
    snacks = rows_by_key(aid)[("Snack anak", "Balai RW 024")]
    [discrepancy] = snacks.discrepancies
    assert (discrepancy.handout_id, discrepancy.expected, discrepancy.recorded) == (
        handout.pk,
        2,
        3,
    )
    assert sorted(entry.quantity for entry in discrepancy.entries) == [1, 2]
    assert extra.pk in {entry.id for entry in discrepancy.entries}
    assert discrepancy.explanation == (
        f"Hand-out #{handout.pk} took 3 from the ledger; it should take 2."
    )


def test_an_entry_whose_delta_contradicts_its_kind_breaks_the_balance(served):
    aid = served.aid
    StockEntry.objects.create(
        program=aid.program, item=aid.sembako, location=aid.post, kind=Kind.RECEIVED,
        quantity=5, delta=7, recorded_by=aid.officer,
    )  # fmt: skip
    post = rows_by_key(aid)[("Paket sembako", "Pos Polisi Kayuringin")]
    assert (post.expected, post.balance) == (14, 16)
    assert not post.balance_agrees and post.handouts_agree


def test_another_unit_and_residents_find_no_program(served):
    aid = served.aid
    for outsider in (aid.commander_timur, aid.officer_timur, aid.resident):
        with pytest.raises(Http404):
            aid_reconciliation(actor=outsider, program=aid.program)
        with pytest.raises(Http404):
            aid_distribution_summary(actor=outsider, program=aid.program)
    # The Polres above the Polsek sees it.
    assert rows_by_key(aid, actor=aid.commander_polres)


# --- distribution counts -----------------------------------------------------------------


def test_the_distribution_counts_by_rw_rt_day_and_location(served):
    aid = served.aid
    summary = aid_distribution_summary(actor=aid.commander_selatan, program=aid.program)
    sembako, snacks = aid.sembako.pk, aid.snacks.pk
    assert (summary.households, summary.handouts) == (5, 5)
    assert summary.quantities == {sembako: 5, snacks: 7}
    assert summary.children_snacks == 7
    assert [
        (line.kelurahan, line.rw, line.rt, line.households, line.quantities)
        for line in summary.by_area
    ] == [
        ("Kayuringin Jaya", "RW 024", "", 1, {sembako: 1, snacks: 2}),
        ("Kayuringin Jaya", "RW 024", "RT 001", 3, {sembako: 3, snacks: 3}),
        ("Kayuringin Jaya", "RW 025", "RT 002", 1, {sembako: 1, snacks: 2}),
    ]
    assert [
        (line.day, line.location, line.households, line.quantities) for line in summary.by_day
    ] == [
        (date(2025, 7, 31), "Balai RW 024", 4, {sembako: 4, snacks: 5}),
        (date(2025, 8, 1), "Pos Polisi Kayuringin", 1, {sembako: 1, snacks: 2}),
    ]
    text = repr(dataclasses.asdict(summary))
    for personal in ("Ahmad Yani", "Bambang", KK, "Cut Meutia"):
        assert personal not in text


@pytest.fixture
def ngopi(aid):
    return dialogue_record_past(
        actor=aid.officer,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi Kamtibmas bersama warga RW 024",
        area=aid.rw024,
        unit=aid.polsek_selatan,
        venue_name="Slum Area samping lokasi setempat",
        start=datetime(2025, 7, 31, 3, 10, tzinfo=UTC),
        end=datetime(2025, 7, 31, 5, 0, tzinfo=UTC),
    )


@pytest.fixture
def at_dialogue(aid, ngopi) -> SimpleNamespace:
    """A program handed out at the reference dialogue to Ahmad Yani, and at the post
    (no dialogue) to a neighbour."""
    program = aid_program_create(
        actor=aid.officer, unit=aid.polsek_selatan, name="Sembako Ngopi",
        starts_on=date(2025, 7, 1), ends_on=date(2025, 12, 31), areas=[aid.kayuringin],
        items=[{"name": "Paket sembako"}], locations=["Lokasi dialog", "Pos"], dialogues=[ngopi],
    )  # fmt: skip
    item = program.items.get()
    venue, post = program.locations.get(name="Lokasi dialog"), program.locations.get(name="Pos")
    stock_receive(actor=aid.officer, item=item, location=venue, quantity=5)
    stock_receive(actor=aid.officer, item=item, location=post, quantity=5)
    neighbour = household_register(
        actor=aid.officer, kk_number="3275040101090061", head_name="Rina", area=aid.rw024,
        members=1,
    )  # fmt: skip
    aid_handout_record(
        actor=aid.officer, program=program, household=aid.household, location=venue,
        recipient_name="Ahmad Yani", dialogue=ngopi, at=DIALOGUE_MORNING,
    )  # fmt: skip
    aid_handout_record(
        actor=aid.officer, program=program, household=neighbour, location=post,
        recipient_name="Rina", at=NEXT_MORNING,
    )  # fmt: skip
    return SimpleNamespace(program=program, item=item, ngopi=ngopi)


def test_the_counts_of_one_dialogue_leave_out_the_other_hand_outs(aid, at_dialogue):
    whole = aid_distribution_summary(actor=aid.officer, program=at_dialogue.program)
    one = aid_distribution_summary(
        actor=aid.officer, program=at_dialogue.program, dialogue=at_dialogue.ngopi
    )
    assert (whole.households, one.households) == (2, 1)
    assert one.dialogue == "Ngopi Kamtibmas bersama warga RW 024"
    assert [(line.location, line.households) for line in one.by_day] == [("Lokasi dialog", 1)]


# --- the public summary ------------------------------------------------------------------


@pytest.mark.parametrize(("count", "shown"), [(0, 0), (1, "<3"), (2, "<3"), (3, 3), (40, 40)])
def test_public_counts_below_three_are_suppressed(count, shown):
    assert public_count(count) == shown


def test_the_public_summary_has_no_cell_for_one_or_two_families(served):
    aid = served.aid
    summary = aid_public_summary(aid.program)
    assert (summary.program, summary.sponsor) == (
        "Sembako Ngopi Kamtibmas",
        "Polres Metro Bekasi Kota",
    )
    assert (summary.starts_on, summary.ends_on) == (date(2025, 7, 1), date(2025, 12, 31))
    assert summary.households == 5
    assert [(item.name, item.quantity) for item in summary.items] == [
        ("Paket sembako", 5),
        ("Snack anak", 7),
    ]
    assert [
        (line.kelurahan, line.rw, line.households, [item.quantity for item in line.items])
        for line in summary.lines
    ] == [
        ("Kayuringin Jaya", "RW 024", 4, [4, 5]),
        # One family in RW 025: its two snacks would say how many children it brought.
        ("Kayuringin Jaya", "RW 025", SUPPRESSED, [SUPPRESSED, SUPPRESSED]),
    ]
    text = repr(dataclasses.asdict(summary))
    for personal in ("Ahmad Yani", "Bambang", "Siti", KK, "Cut Meutia", "RT 00"):
        assert personal not in text


def test_a_program_with_two_families_shows_no_exact_count(aid):
    hand = {
        "actor": aid.officer, "program": aid.program, "location": aid.venue,
        "recipient_name": "Penerima", "at": DIALOGUE_MORNING,
    }  # fmt: skip
    aid_handout_record(household=aid.household, children_present=0, **hand)
    summary = aid_public_summary(aid.program)
    assert summary.households == SUPPRESSED
    assert [item.quantity for item in summary.items] == [SUPPRESSED, SUPPRESSED]
    assert [line.households for line in summary.lines] == [SUPPRESSED]


# --- recipients of a dialogue ------------------------------------------------------------


def test_the_recipients_of_a_dialogue_are_audited_one_read_per_household(aid, at_dialogue):
    before = AuditEntry.objects.filter(action=AuditAction.READ).count()
    recipients = aid_recipients(
        actor=aid.commander_selatan, program=at_dialogue.program, dialogue=at_dialogue.ngopi
    )
    assert [(r.head_name, r.rw, r.rt, r.received) for r in recipients] == [
        ("Ahmad Yani", "RW 024", "", {at_dialogue.item.pk: 1})
    ]
    reads = AuditEntry.objects.filter(action=AuditAction.READ).order_by("-id")
    assert reads.count() == before + 1
    assert reads[0].subject_id == str(aid.household.pk)
    assert reads[0].actor == aid.commander_selatan


def test_the_recipients_are_for_the_units_aid_staff_only(aid, at_dialogue):
    arguments = {"program": at_dialogue.program, "dialogue": at_dialogue.ngopi}
    with pytest.raises(PermissionDenied):
        aid_recipients(actor=aid.resident, **arguments)
    with pytest.raises(Http404):
        aid_recipients(actor=aid.commander_timur, **arguments)
    assert not AuditEntry.objects.filter(action=AuditAction.READ).exists()
