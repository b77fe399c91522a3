"""Fixtures for loss reports: a desk officer who may issue, and a complete identity."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from kamtibmas.accounts.models import Role
from kamtibmas.conftest import make_user

#: Siti Aminah, born 25 May 1990 in Bekasi, registered in Kecamatan Bekasi Selatan
#: (327504): the NIK adds 40 to a woman's day of birth.
SITI_NIK = "3275046505900002"


def identity(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Siti Aminah",
        "nik": SITI_NIK,
        "birth_place": "Bekasi",
        "birth_date": date(1990, 5, 25),
        "sex": "P",
        "religion": "islam",
        "citizenship": "WNI",
        "occupation": "Pedagang",
        "address": "Jl. Cut Meutia RT 003/RW 024, Kayuringin Jaya, Bekasi Selatan",
        "phone": "0812-3456-7890",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


KTP_AND_KK = [
    {"type": "ktp", "details": {"nik": SITI_NIK}},
    {"type": "kk", "details": {"kk_number": "3275040101090011", "head": "Ahmad Yani"}},
]


@pytest.fixture
def desk(bekasi, settings, tmp_path) -> SimpleNamespace:
    """Polsek Bekasi Selatan's desk officer, with the name, rank and NRP a letter needs;
    signing keys in a fresh data directory."""
    settings.DATA_DIR = tmp_path
    officer = make_user(
        "spkt.selatan",
        Role.DESK_OFFICER,
        bekasi.polsek_selatan,
        first_name="Budi",
        last_name="Santoso",
        rank="Aipda",
        nrp="85031234",
    )
    other = make_user(
        "spkt.timur",
        Role.DESK_OFFICER,
        bekasi.polsek_timur,
        first_name="Dewi",
        last_name="Lestari",
        rank="Bripka",
        nrp="88041234",
    )
    return SimpleNamespace(officer=officer, other_unit=other, **vars(bekasi))
