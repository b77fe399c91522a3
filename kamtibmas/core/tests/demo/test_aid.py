"""The demo aid distribution (§8): the sembako and snacks of the reference dialogue,
RW 024's household register, and a ledger that reconciles.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Sum

from kamtibmas.aid.demo import HOUSEHOLDS, PROGRAM, SERVED
from kamtibmas.aid.ledger import Kind, Movement, reconcile
from kamtibmas.aid.models import AidProgram, Handout, Household, StockEntry
from kamtibmas.aid.services import stock_balances
from kamtibmas.core.tests.demo import run_demo_steps
from kamtibmas.engagements.demo import REFERENCE_TITLE


def test_the_reference_dialogue_handed_out_sembako_and_snacks():
    program = AidProgram.objects.get(name=PROGRAM)
    assert program.dialogues.get().title == REFERENCE_TITLE
    handouts = Handout.objects.filter(program=program)
    assert handouts.count() == SERVED
    assert {h.local_day.isoformat() for h in handouts} == {"2025-07-31"}
    assert {h.dialogue.title for h in handouts if h.dialogue} == {REFERENCE_TITLE}
    assert all(h.dialogue_id for h in handouts)
    assert Household.objects.count() == HOUSEHOLDS
    assert all(h.area.code.startswith("32.75.04.1005") for h in Household.objects.all())
    handed = dict(
        StockEntry.objects.filter(program=program, kind="handed_out")
        .values_list("item__name")
        .annotate(total=Sum("quantity"))
    )
    assert handed["Paket sembako"] == SERVED
    assert 0 < handed["Camilan anak"] <= 40


def test_the_ledger_reconciles_to_the_last_package():
    program = AidProgram.objects.get(name=PROGRAM)
    entries = list(StockEntry.objects.filter(program=program))
    balances = stock_balances(program)
    summary = reconcile(
        Movement(e.item_id, e.location_id, Kind(e.kind), e.quantity) for e in entries
    )
    assert {key: row.expected for key, row in summary.items()} == balances
    by_item: Counter[int] = Counter()
    for (item, _location), value in balances.items():
        by_item[item] += value
    sembako = program.items.get(name="Paket sembako").pk
    assert by_item[sembako] == 30 - SERVED - 1  # received − handed out − the broken one
    hall = program.locations.get(name="Balai Warga RW 024").pk
    assert all(value == 0 for (item, location), value in balances.items() if location == hall)


def test_a_second_run_creates_nothing():
    before = (Handout.objects.count(), StockEntry.objects.count(), Household.objects.count())
    run_demo_steps()
    assert (Handout.objects.count(), StockEntry.objects.count(), Household.objects.count()) == (
        before
    )
