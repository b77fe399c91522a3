"""Unit services: the materialised path and the coverage rule (``unit_*`` in services)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kamtibmas.areas.models import Unit, UnitKind
from kamtibmas.areas.services import unit_create, unit_move, unit_update


def assert_paths_consistent() -> None:
    for unit in Unit.objects.select_related("parent"):
        expected = f"{unit.parent.path if unit.parent else '/'}{unit.pk}/"
        assert unit.path == expected, unit.name


def error_codes(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, set[str | None]]:
    """The codes of the errors, by the field they are about."""
    return {name: {e.code for e in errors} for name, errors in exc.value.error_dict.items()}


@pytest.fixture
def polda_jabar(bekasi) -> Unit:
    """A second root; moving the Polres under it leaves the fixture's objects stale."""
    polda = unit_create(name="Polda Jawa Barat", kind=UnitKind.POLDA, coverage=[bekasi.jabar])
    unit_move(unit=Unit.objects.get(pk=bekasi.polres.pk), parent=polda)
    return polda


def test_a_unit_created_under_a_stale_parent_gets_the_parent_s_current_path(bekasi, polda_jabar):
    stale_polsek = bekasi.polsek_selatan  # its path still starts at Polda Metro Jaya

    post = unit_create(name="Pos Polisi Jakasetia", kind=UnitKind.POST, parent=stale_polsek)

    current = Unit.objects.get(pk=bekasi.polsek_selatan.pk)
    assert post.path == f"{current.path}{post.pk}/"
    assert post.path.startswith(polda_jabar.path)
    assert_paths_consistent()


def test_moving_a_stale_unit_moves_its_current_subtree(bekasi, polda_jabar):
    unit_move(unit=bekasi.polsek_selatan, parent=bekasi.polda)  # both objects are stale

    assert Unit.objects.get(pk=bekasi.polsek_selatan.pk).parent == bekasi.polda
    post = Unit.objects.get(pk=bekasi.post_kayuringin.pk)
    assert post.path == f"{bekasi.polda.path}{bekasi.polsek_selatan.pk}/{post.pk}/"
    assert bekasi.polsek_selatan.path == f"{bekasi.polda.path}{bekasi.polsek_selatan.pk}/"
    assert_paths_consistent()


def test_moving_under_a_stale_parent_uses_the_parent_s_current_path(bekasi, polda_jabar):
    unit_move(unit=bekasi.post_kayuringin, parent=bekasi.polres)  # both objects are stale

    polres = Unit.objects.get(pk=bekasi.polres.pk)
    assert Unit.objects.get(pk=bekasi.post_kayuringin.pk).path.startswith(polres.path)
    assert_paths_consistent()


@pytest.mark.parametrize("target", ["polsek_selatan", "post_kayuringin"])
def test_a_unit_cannot_be_moved_under_itself_or_below_it(bekasi, target):
    with pytest.raises(ValidationError) as exc:
        unit_move(unit=bekasi.polsek_selatan, parent=getattr(bekasi, target))

    assert error_codes(exc) == {"parent": {"parent_cycle"}}
    assert Unit.objects.get(pk=bekasi.polsek_selatan.pk).parent == bekasi.polres
    assert_paths_consistent()


def test_a_police_unit_covers_only_areas_its_parent_covers(bekasi):
    with pytest.raises(ValidationError) as exc:
        unit_create(
            name="Pos Polisi Margahayu 2",
            kind=UnitKind.POST,
            parent=bekasi.polsek_selatan,
            coverage=[bekasi.kayuringin, bekasi.margahayu],
        )

    assert error_codes(exc) == {"coverage": {"coverage_outside_parent"}}
    assert "Margahayu" in " ".join(exc.value.messages)
    assert not Unit.objects.filter(name="Pos Polisi Margahayu 2").exists()


def test_areas_below_the_parent_s_coverage_are_within_it(bekasi):
    post = unit_create(
        name="Pos RW 024", kind=UnitKind.POST, parent=bekasi.polsek_selatan, coverage=[bekasi.rw024]
    )

    assert list(post.coverage.all()) == [bekasi.rw024]


def test_partner_units_are_not_bound_by_a_police_parent_s_coverage(bekasi):
    kelurahan = unit_create(
        name="Kelurahan Margahayu",
        kind=UnitKind.KELURAHAN,
        parent=bekasi.polsek_selatan,
        coverage=[bekasi.margahayu],
    )
    kecamatan = unit_create(name="Kecamatan Bekasi Timur", kind=UnitKind.KECAMATAN)
    # Nor is a police unit under a partner unit.
    unit_create(name="Satpam", kind=UnitKind.SATUAN, parent=kecamatan, coverage=[bekasi.kota])

    assert kelurahan.path.startswith(bekasi.polsek_selatan.path)
    assert kecamatan.parent is None and kecamatan.path == f"/{kecamatan.pk}/"


def test_a_move_that_takes_coverage_outside_the_new_parent_is_refused(bekasi):
    with pytest.raises(ValidationError) as exc:
        unit_move(unit=bekasi.post_kayuringin, parent=bekasi.polsek_timur)

    assert error_codes(exc) == {"coverage": {"coverage_outside_parent"}}
    assert Unit.objects.get(pk=bekasi.post_kayuringin.pk).parent == bekasi.polsek_selatan
    assert_paths_consistent()


def test_shrinking_coverage_below_what_a_child_covers_is_refused(bekasi):
    with pytest.raises(ValidationError) as exc:
        unit_update(unit=bekasi.polsek_selatan, data={"coverage": [bekasi.rw024]})

    assert error_codes(exc) == {"coverage": {"coverage_below_children"}}
    assert list(bekasi.polsek_selatan.coverage.all()) == [bekasi.selatan]


def test_update_refuses_fields_it_does_not_know(bekasi):
    with pytest.raises(ValueError, match="path"):
        unit_update(unit=bekasi.post_kayuringin, data={"path": "/1/"})


def test_update_moves_and_changes_coverage_in_one_step(bekasi):
    post = unit_update(
        unit=bekasi.post_kayuringin,
        data={
            "name": "Pos Polisi Margahayu Barat",
            "parent": bekasi.polsek_timur,
            "coverage": [bekasi.margahayu],
            "phone": "(021) 555",
        },
    )

    stored = Unit.objects.get(pk=post.pk)
    assert stored.name == "Pos Polisi Margahayu Barat" and stored.phone == "(021) 555"
    assert stored.latitude == bekasi.post_kayuringin.latitude  # not given: kept
    assert stored.parent == bekasi.polsek_timur
    assert stored.path == f"{bekasi.polsek_timur.path}{post.pk}/"
    assert list(stored.coverage.all()) == [bekasi.margahayu]
    assert_paths_consistent()


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_use_of_an_rw_creates_it_once(bekasi):
    """Two officers record the first dialogue in RW 007 at the same moment."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connection

    from kamtibmas.areas.models import Area
    from kamtibmas.areas.services import area_rw_get_or_create

    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite's in-memory test database locks whole tables between threads; "
            "on a real SQLite file the IMMEDIATE write lock serialises creation anyway. "
            "Set DATABASE_URL to PostgreSQL to run this."
        )
    barrier = Barrier(4)

    def first_use(_):
        from django.db import connections

        try:
            barrier.wait()
            return area_rw_get_or_create(village=bekasi.kayuringin, number=7).pk
        finally:
            connections.close_all()

    with ThreadPoolExecutor(4) as pool:
        ids = set(pool.map(first_use, range(4)))
    assert len(ids) == 1
    assert Area.objects.filter(code="32.75.04.1005.007").count() == 1
