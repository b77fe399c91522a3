"""The full Kemendagri registry loaded into the database (``area_registry_load``,
``kamtibmas load_areas``). One load per session, rolled back afterwards: see the
``full_registry`` fixture."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Max
from django.utils import translation

from kamtibmas.areas.models import Area, AreaKind, AreaLevel, TimeZone
from kamtibmas.areas.registry import RegistryRecord
from kamtibmas.areas.services import area_registry_load, area_rw_get_or_create

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("full_registry", "db")]

EXPECTED_PER_LEVEL = {
    AreaLevel.PROVINCE: range(34, 39),
    AreaLevel.REGENCY: range(500, 521),
    AreaLevel.DISTRICT: range(7_000, 7_301),
    AreaLevel.VILLAGE: range(83_000, 84_101),
}


def level_counts() -> dict[int, int]:
    return dict(Area.objects.values_list("level").annotate(n=Count("pk")).order_by("level"))


def test_every_level_is_loaded_in_expected_numbers(full_registry):
    counts = level_counts()

    assert set(counts) == set(EXPECTED_PER_LEVEL)
    for level, expected in EXPECTED_PER_LEVEL.items():
        assert counts[level] in expected, level
        assert full_registry.levels[level].created == counts[level]
    assert 90_000 <= sum(counts.values()) <= 92_000
    assert full_registry.updated == 0


def test_kayuringin_jaya_is_a_kelurahan_of_bekasi_selatan():
    kayuringin = Area.objects.get(code="32.75.04.1005")

    assert kayuringin.name == "Kayuringin Jaya"
    assert kayuringin.kind == AreaKind.KELURAHAN
    assert kayuringin.level == AreaLevel.VILLAGE
    assert [(area.code, area.name, area.kind) for area in kayuringin.ancestors()] == [
        ("32", "Jawa Barat", AreaKind.PROVINSI),
        ("32.75", "Kota Bekasi", AreaKind.KOTA),
        ("32.75.04", "Bekasi Selatan", AreaKind.KECAMATAN),
    ]
    assert kayuringin.parent == Area.objects.get(code="32.75.04")


def test_names_are_cleaned_for_display():
    names = dict(
        Area.objects.filter(code__in=["31", "34", "11.01", "31.01", "31.71"]).values_list(
            "code", "name"
        )
    )

    assert names == {
        "31": "DKI Jakarta",
        "34": "Daerah Istimewa Yogyakarta",
        "11.01": "Kabupaten Aceh Selatan",
        "31.01": "Kabupaten Administrasi Kepulauan Seribu",
        "31.71": "Kota Administrasi Jakarta Pusat",
    }


def test_kinds_follow_the_codes():
    kinds = dict(
        Area.objects.filter(level=AreaLevel.REGENCY, code__in=["32.04", "32.75"]).values_list(
            "code", "kind"
        )
    )

    assert kinds == {"32.04": AreaKind.KABUPATEN, "32.75": AreaKind.KOTA}
    villages = Area.objects.filter(level=AreaLevel.VILLAGE)
    assert not villages.filter(code__regex=r"\.1\d{3}$").exclude(kind=AreaKind.KELURAHAN).exists()
    assert not villages.filter(code__regex=r"\.2\d{3}$").exclude(kind=AreaKind.DESA).exists()


@pytest.mark.parametrize(
    ("prefix", "zone"),
    [("91", TimeZone.WIT), ("81", TimeZone.WIT), ("51", TimeZone.WITA), ("31", TimeZone.WIB)],
)
def test_time_zone_of_every_area_follows_its_province(prefix, zone):
    province = Area.objects.filter(code__startswith=prefix)

    assert province.count() > 100
    assert set(province.values_list("timezone", flat=True).distinct()) == {zone}


def test_descendants_of_kota_bekasi_are_the_rows_under_its_code():
    kota = Area.objects.get(code="32.75")

    below = Area.objects.descendants_of(kota)

    assert below.count() == Area.objects.filter(code__startswith="32.75.").count() == 68
    assert below.filter(level=AreaLevel.DISTRICT).count() == 12


def test_rw_created_on_demand_inherits_zone_and_ancestors():
    kayuringin = Area.objects.get(code="32.75.04.1005")
    selatan = Area.objects.get(code="32.75.04")

    rw = area_rw_get_or_create(village=kayuringin, number=24)

    assert rw.code == "32.75.04.1005.024"
    assert rw.timezone == TimeZone.WIB
    assert Area.objects.descendants_of(selatan).filter(pk=rw.pk).exists()
    assert rw.ancestor_ids() == [*kayuringin.ancestor_ids(), kayuringin.pk]


def test_loading_again_changes_nothing():
    counts = level_counts()
    last_write = Area.objects.aggregate(last=Max("updated_at"))["last"]
    reported: list[int] = []

    result = area_registry_load(progress=reported.append)

    assert (result.created, result.updated) == (0, 0)
    assert result.unchanged == sum(counts.values()) == sum(reported)
    assert level_counts() == counts
    assert Area.objects.aggregate(last=Max("updated_at"))["last"] == last_write


def test_a_renamed_area_is_put_back_and_nothing_else_is_written():
    Area.objects.filter(code="32.75").update(name="Bekasi (old name)", kind=AreaKind.KABUPATEN)
    before = Area.objects.get(code="32.75")

    result = area_registry_load()

    kota = Area.objects.get(code="32.75")
    assert (kota.name, kota.kind) == ("Kota Bekasi", AreaKind.KOTA)
    assert kota.updated_at > before.updated_at
    assert result.levels[AreaLevel.REGENCY].updated == 1
    assert (result.created, result.updated) == (0, 1)


def test_a_new_registry_area_is_added_under_its_stored_parent():
    record = RegistryRecord(
        code="32.75.04.1099",
        name="Kayuringin Baru",
        level=AreaLevel.VILLAGE,
        kind=AreaKind.KELURAHAN,
        parent_code="32.75.04",
    )

    result = area_registry_load(records=[record])

    new = Area.objects.get(code="32.75.04.1099")
    selatan = Area.objects.get(code="32.75.04")
    assert result.levels[AreaLevel.VILLAGE].created == 1
    assert new.parent == selatan
    assert new.ancestor_ids() == [*selatan.ancestor_ids(), selatan.pk]
    assert new.timezone == TimeZone.WIB


def test_a_record_without_a_parent_is_refused():
    orphan = RegistryRecord(
        code="99.01",
        name="Nowhere",
        level=AreaLevel.REGENCY,
        kind=AreaKind.KABUPATEN,
        parent_code="99",
    )

    with pytest.raises(ValueError, match=r"99\.01"):
        area_registry_load(records=[orphan])
    assert not Area.objects.filter(code="99.01").exists()


def test_command_prints_a_summary_per_level():
    out, err = StringIO(), StringIO()

    with translation.override("en"):
        call_command("load_areas", stdout=out, stderr=err)

    lines = out.getvalue().splitlines()
    assert len(lines) == 5
    assert all("0 created, 0 updated" in line for line in lines[:4])
    assert "83,441 unchanged" in lines[3]
    assert lines[4].startswith("91,219 areas in the registry")
    assert "91219/91219" in err.getvalue()


def test_command_speaks_indonesian_by_default():
    out = StringIO()

    call_command("load_areas", stdout=out, stderr=StringIO())

    lines = out.getvalue().splitlines()
    assert lines[3] == "Desa/kelurahan: 0 dibuat, 0 diperbarui, 83.441 tidak berubah"
    assert lines[4].startswith("91.219 wilayah dalam registri, dimuat dalam ")


def test_records_below_the_village_level_are_refused():
    rw = RegistryRecord(
        code="32.75.04.1005.024",
        name="RW 024",
        level=AreaLevel.RW,
        kind=AreaKind.RW,
        parent_code="32.75.04.1005",
    )

    with pytest.raises(ValueError, match="desa/kelurahan"):
        area_registry_load(records=[rw])
