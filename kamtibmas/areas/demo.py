"""Demo units (§8): Polda Metro Jaya > Polres Metro Bekasi Kota > Polsek Bekasi
Selatan with its posts, a functional unit, and the partner agencies of the
reference event. Idempotent: units are found by name before being created."""

from __future__ import annotations

from typing import Any

from kamtibmas.areas.models import Area, Unit, UnitKind
from kamtibmas.areas.services import unit_create

# Polda Metro Jaya's jurisdiction: DKI Jakarta and the Bekasi, Depok and Tangerang areas.
POLDA_METRO_COVERAGE = ["31", "32.16", "32.75", "32.76", "36.03", "36.71", "36.74"]


def _unit(name: str, **fields: Any) -> Unit:
    existing = Unit.objects.filter(name=name).first()
    return existing if existing is not None else unit_create(name=name, **fields)


def demo_load() -> dict[str, Unit]:
    area = {
        a.code: a
        for a in Area.objects.filter(
            code__in=[
                *POLDA_METRO_COVERAGE,
                "32.75.04",
                "32.75.04.1001",
                "32.75.04.1004",
                "32.75.04.1005",
            ]
        )
    }
    polda = _unit(
        "Polda Metro Jaya",
        kind=UnitKind.POLDA,
        coverage=[area[c] for c in POLDA_METRO_COVERAGE if c in area],
        latitude=-6.2233,
        longitude=106.8093,
        address="Jl. Jenderal Sudirman Kav. 55, Senayan, Jakarta Selatan",
        phone="(021) 5234000",
    )
    polres = _unit(
        "Polres Metro Bekasi Kota",
        kind=UnitKind.POLRES,
        parent=polda,
        coverage=[area["32.75"]],
        area=area["32.75.04"],
        latitude=-6.2437,
        longitude=106.9930,
        address="Jl. Pramuka No. 1, Marga Jaya, Bekasi Selatan",
        phone="(021) 8841110",
        opening_hours="24 jam",
    )
    satreskrim = _unit(
        "Satreskrim Polres Metro Bekasi Kota",
        kind=UnitKind.SATUAN,
        parent=polres,
        coverage=[area["32.75"]],
        area=area["32.75.04"],
    )
    polsek = _unit(
        "Polsek Bekasi Selatan",
        kind=UnitKind.POLSEK,
        parent=polres,
        coverage=[area["32.75.04"]],
        area=area["32.75.04"],
        latitude=-6.2558,
        longitude=106.9905,
        address="Jl. Kemakmuran, Marga Jaya, Bekasi Selatan",
        phone="(021) 8841025",
        opening_hours="24 jam (SPKT)",
    )
    posts = {
        "Pos Polisi Kayuringin Jaya": (
            "32.75.04.1005",
            -6.2449,
            106.9873,
            "Jl. Kayuringin Raya, Kayuringin Jaya",
        ),
        "Pos Polisi Pekayon Jaya": (
            "32.75.04.1001",
            -6.2629,
            106.9822,
            "Jl. Pekayon Raya, Pekayon Jaya",
        ),
        "Pos Polisi Jaka Setia": (
            "32.75.04.1004",
            -6.2745,
            106.9740,
            "Jl. Jakasetia Raya, Jaka Setia",
        ),
    }
    units = {"polda": polda, "polres": polres, "satreskrim": satreskrim, "polsek": polsek}
    for name, (code, lat, lon, address) in posts.items():
        units[name] = _unit(
            name,
            kind=UnitKind.POST,
            parent=polsek,
            coverage=[area[code]],
            area=area[code],
            latitude=lat,
            longitude=lon,
            address=address,
            opening_hours="08.00–20.00 WIB",
        )
    units["kelurahan"] = _unit(
        "Kelurahan Kayuringin Jaya",
        kind=UnitKind.KELURAHAN,
        coverage=[area["32.75.04.1005"]],
        area=area["32.75.04.1005"],
        latitude=-6.2461,
        longitude=106.9889,
        address="Jl. Kayuringin Jaya, Bekasi Selatan",
    )
    units["kecamatan"] = _unit(
        "Kecamatan Bekasi Selatan",
        kind=UnitKind.KECAMATAN,
        coverage=[area["32.75.04"]],
        area=area["32.75.04"],
        latitude=-6.2487,
        longitude=106.9948,
        address="Jl. Ahmad Yani, Bekasi Selatan",
    )
    return units
