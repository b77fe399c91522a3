"""Aspirations fixtures: the Bekasi slice plus a Satreskrim, a kelurahan office,
their staff and the Polres' routing rules, all built through the services."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kamtibmas.accounts.models import Role
from kamtibmas.areas.models import UnitKind
from kamtibmas.areas.services import area_rt_get_or_create, unit_create
from kamtibmas.aspirations.models import Privacy, RoutingRule, Source
from kamtibmas.aspirations.services import aspiration_submit
from kamtibmas.conftest import make_user


@pytest.fixture
def c2(bekasi):
    satreskrim = unit_create(
        name="Satreskrim Polres Metro Bekasi Kota",
        kind=UnitKind.SATUAN,
        parent=bekasi.polres,
        coverage=[bekasi.kota],
    )
    kelurahan = unit_create(
        name="Kelurahan Kayuringin Jaya",
        kind=UnitKind.KELURAHAN,
        coverage=[bekasi.kayuringin],
        area=bekasi.kayuringin,
    )
    RoutingRule.objects.create(
        jurisdiction=bekasi.polres, responsible="satreskrim", target=satreskrim
    )
    return SimpleNamespace(
        **vars(bekasi),
        satreskrim=satreskrim,
        kelurahan=kelurahan,
        rt001=area_rt_get_or_create(rw=bekasi.rw024, number=1),
        handler_reskrim=make_user(
            "reskrim", Role.HANDLER, satreskrim, email="reskrim@example.test"
        ),
        partner_kelurahan=make_user("lurah", Role.PARTNER, kelurahan),
        desk_selatan=make_user(
            "spkt.selatan", Role.DESK_OFFICER, bekasi.polsek_selatan, email="spkt@example.test"
        ),
    )


@pytest.fixture
def submit(c2):
    """Submit a web aspiration in Kayuringin Jaya RT 001/RW 024 with sane defaults."""

    def _submit(text="Lampu jalan di gang RT 001 mati sudah seminggu, rawan begal.", **extra):
        fields = {
            "area": c2.rt001,
            "privacy": Privacy.PUBLIC,
            "source": Source.WEB,
            "reporter_name": "Budi Santoso",
            "reporter_phone": "0812-3456-7890",
            "notify_by": "sms",
        }
        fields.update(extra)
        return aspiration_submit(text=text, **fields)

    return _submit


@pytest.fixture(autouse=True)
def english():
    """Assertions read the English message ids; Indonesian is tested by the .po test."""
    from django.utils import translation

    with translation.override("en"):
        yield
