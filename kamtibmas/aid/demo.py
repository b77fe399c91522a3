"""Demo aid distribution (§4 C4, §8): the paket sembako and the children's snacks of
the Ngopi Kamtibmas of 31 July 2025 (PRODUCT.md §1).

Polres Metro Bekasi Kota brought 30 food packages and 40 snacks to the store room of
Polsek Bekasi Selatan the day before; that morning 26 packages and the snacks were
carried to the RW 024 hall, where the Kapolres handed a package to each of 24
households of RW 024's register and a snack to every child present. One package
broke on the way (its oil leaked); the two left over went back to the store room.
The ledger reconciles: every package and snack is in it.

Written through ``aid.services``; stock entries are back-dated to the moment they
happened (demo only, as in the other demo steps). Seeded and idempotent: skipped
once the program exists.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from kamtibmas.accounts.models import User
from kamtibmas.aid.ledger import Kind
from kamtibmas.aid.models import AidItem, AidLocation, AidProgram, StockEntry
from kamtibmas.aid.services import (
    aid_handout_record,
    aid_program_create,
    household_register,
    stock_correct,
    stock_move,
    stock_receive,
)
from kamtibmas.areas.models import Area, Unit
from kamtibmas.areas.services import area_rt_get_or_create, area_rw_get_or_create
from kamtibmas.engagements.demo import REFERENCE_TITLE
from kamtibmas.engagements.models import Dialogue

SEED = 20250731
WIB = ZoneInfo("Asia/Jakarta")
PROGRAM = "Paket sembako Ngopi Kamtibmas RW 024"
KAYURINGIN = "32.75.04.1005"
HOUSEHOLDS = 40
SERVED = 24
HEADS = ["Ahmad", "Budi", "Cecep", "Dedi", "Endang", "Fauzi", "Hasan", "Iwan", "Joko",
         "Komar", "Lukman", "Maman", "Nur", "Oman", "Rahmat", "Slamet", "Tono", "Ujang",
         "Wawan", "Yayat", "Siti", "Aminah", "Euis", "Neneng", "Yati", "Imas"]  # fmt: skip
FAMILY = ["Suryana", "Hidayat", "Saputra", "Rohman", "Maulana", "Kurnia", "Setiadi",
          "Permana", "Sulaeman", "Ramdani"]  # fmt: skip


def _wib(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WIB).astimezone(UTC)


def _backdate(entries: list[StockEntry], moment: datetime) -> None:
    StockEntry.objects.filter(pk__in=[entry.pk for entry in entries]).update(created_at=moment)


def demo_load() -> AidProgram | None:
    existing = AidProgram.objects.filter(name=PROGRAM).first()
    if existing is not None:
        return existing
    kapolres = User.objects.filter(username="kapolres").first()
    bhabin = User.objects.filter(username="bhabin").first()
    # Run by the Polsek whose officers carry and hand out; the Polres sponsors it.
    polsek = Unit.objects.filter(name="Polsek Bekasi Selatan").first()
    kayuringin = Area.objects.filter(code=KAYURINGIN).first()
    dialogue = Dialogue.objects.filter(title=REFERENCE_TITLE).first()
    if None in (kapolres, bhabin, polsek, kayuringin, dialogue):
        return None
    assert kapolres and bhabin and polsek and kayuringin and dialogue
    day = date(2025, 7, 31)
    program = aid_program_create(
        actor=kapolres,
        unit=polsek,
        name=PROGRAM,
        sponsor="Polres Metro Bekasi Kota",
        starts_on=day,
        ends_on=day,
        areas=[kayuringin],
        dialogues=[dialogue],
        items=[
            {
                "name": "Paket sembako",
                "contents": "beras 5 kg, minyak goreng 1 l, gula pasir 1 kg, mi instan 5 bungkus",
            },
            {"name": "Camilan anak", "measure": "bungkus", "per_child": True},
        ],
        locations=["Gudang Polsek Bekasi Selatan", "Balai Warga RW 024"],
    )
    sembako = AidItem.objects.get(program=program, name="Paket sembako")
    snacks = AidItem.objects.get(program=program, name="Camilan anak")
    store = AidLocation.objects.get(program=program, name="Gudang Polsek Bekasi Selatan")
    hall = AidLocation.objects.get(program=program, name="Balai Warga RW 024")
    hall.dialogue = dialogue
    hall.save(update_fields=["dialogue"])

    arrived = [
        stock_receive(actor=kapolres, item=sembako, location=store, quantity=30,
                      reason="Dari Polres Metro Bekasi Kota"),
        stock_receive(actor=kapolres, item=snacks, location=store, quantity=40,
                      reason="Dari Polres Metro Bekasi Kota"),
    ]  # fmt: skip
    _backdate(arrived, _wib(day - timedelta(days=1), 15, 0))
    carried = [
        *stock_move(actor=bhabin, item=sembako, source=store, target=hall, quantity=26),
        *stock_move(actor=bhabin, item=snacks, source=store, target=hall, quantity=40),
    ]
    _backdate(carried, _wib(day, 8, 30))
    broken = stock_correct(
        actor=bhabin,
        item=sembako,
        location=hall,
        kind=Kind.DAMAGED,
        quantity=1,
        reason="Minyak goreng bocor dalam perjalanan; paket tidak layak dibagikan",
    )
    _backdate([broken], _wib(day, 9, 45))

    rng = random.Random(SEED)
    rw024 = area_rw_get_or_create(village=kayuringin, number=24)
    households = []
    for index in range(HOUSEHOLDS):
        members = rng.randint(2, 7)
        rt = area_rt_get_or_create(rw=rw024, number=1 + index % 5)
        households.append(
            household_register(
                actor=bhabin,
                kk_number=f"327504{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}"
                f"{rng.randint(5, 22):02d}{index + 1:04d}",
                head_name=f"{rng.choice(HEADS)} {rng.choice(FAMILY)}",
                area=rt,
                members=members,
                children=rng.randint(0, min(3, members - 1)),
                address=f"Gg. Mawar No. {rng.randint(1, 60)}, RT 00{1 + index % 5}/RW 024",
                vulnerability=rng.choice(
                    ["", "", "Lansia tinggal sendiri", "Kepala keluarga pekerja harian lepas"]
                ),
            )
        )
    served = sorted(rng.sample(range(HOUSEHOLDS), SERVED))
    snacks_left = 40  # carried to the hall
    for order, index in enumerate(served):
        household = households[index]
        present = min(household.children, snacks_left)
        snacks_left -= present
        aid_handout_record(
            actor=kapolres,
            program=program,
            household=household,
            location=hall,
            recipient_name=household.head_name,
            children_present=present,
            dialogue=dialogue,
            at=_wib(day, 10, 40) + timedelta(minutes=order),
        )
    StockEntry.objects.filter(program=program, handout__isnull=False).update(
        created_at=_wib(day, 10, 40)
    )
    back = stock_move(
        actor=bhabin,
        item=sembako,
        source=hall,
        target=store,
        quantity=26 - 1 - SERVED,
        reason="Sisa paket dikembalikan ke gudang",
    )
    if snacks_left:
        back += stock_move(
            actor=bhabin,
            item=snacks,
            source=hall,
            target=store,
            quantity=snacks_left,
            reason="Sisa camilan dikembalikan ke gudang",
        )
    _backdate(back, _wib(day, 12, 0))
    return program
