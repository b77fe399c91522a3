"""A sembako program of Polsek Bekasi Selatan for Kayuringin Jaya, its stock and a
household of RW 024."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from kamtibmas.aid.models import AidItem, AidLocation
from kamtibmas.aid.services import aid_program_create, household_register, stock_receive

KK = "3275040101090011"


@pytest.fixture
def aid(bekasi) -> SimpleNamespace:
    officer = bekasi.officer_selatan
    program = aid_program_create(
        actor=officer,
        unit=bekasi.polsek_selatan,
        name="Sembako Ngopi Kamtibmas",
        sponsor="Polres Metro Bekasi Kota",
        starts_on=date(2025, 7, 1),
        ends_on=date(2025, 12, 31),
        areas=[bekasi.kayuringin],
        items=[
            {"name": "Paket sembako", "contents": "beras 5 kg, minyak 1 l, gula 1 kg"},
            {"name": "Snack anak", "measure": "bungkus", "per_child": True},
        ],
        locations=["Pos Polisi Kayuringin", "Balai RW 024"],
    )
    sembako = AidItem.objects.get(program=program, name="Paket sembako")
    snacks = AidItem.objects.get(program=program, name="Snack anak")
    post = AidLocation.objects.get(program=program, name="Pos Polisi Kayuringin")
    venue = AidLocation.objects.get(program=program, name="Balai RW 024")
    stock_receive(actor=officer, item=sembako, location=venue, quantity=50)
    stock_receive(actor=officer, item=snacks, location=venue, quantity=30)
    household = household_register(
        actor=officer,
        kk_number=KK,
        head_name="Ahmad Yani",
        area=bekasi.rw024,
        members=5,
        children=3,
        address="Jl. Cut Meutia RT 003/RW 024",
    )
    return SimpleNamespace(
        program=program,
        sembako=sembako,
        snacks=snacks,
        post=post,
        venue=venue,
        household=household,
        officer=officer,
        **vars(bekasi),
    )
