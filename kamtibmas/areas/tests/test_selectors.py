"""The nearest police post (``post_nearest``)."""

from __future__ import annotations

import random
from typing import cast

import pytest

from kamtibmas.areas.geo import haversine_km
from kamtibmas.areas.models import Unit, UnitKind
from kamtibmas.areas.selectors import post_nearest
from kamtibmas.areas.services import unit_create

pytestmark = pytest.mark.django_db

# Roughly the bounding box of Indonesia.
SOUTH, NORTH, WEST, EAST = -11.0, 6.0, 95.0, 141.0


def brute_force(posts: list[Unit], latitude: float, longitude: float, limit: int):
    ranked = sorted(
        (haversine_km(latitude, longitude, cast(float, p.latitude), cast(float, p.longitude)), p.pk)
        for p in posts
    )
    return ranked[:limit]


def test_the_post_of_the_kelurahan_wins_near_its_office(bekasi):
    unit_create(
        name="Pos Polisi Pekayon",
        kind=UnitKind.POST,
        parent=bekasi.polsek_selatan,
        latitude=-6.2600,
        longitude=106.9720,
    )
    unit_create(
        name="Pos Polisi Summarecon",
        kind=UnitKind.POST,
        parent=bekasi.polsek_timur,
        latitude=-6.2260,
        longitude=107.0010,
    )
    # The polsek is nearer than every post, but it is not a post.
    unit_create(
        name="Polsek with coordinates", kind=UnitKind.POLSEK, latitude=-6.2480, longitude=106.9945
    )

    [(unit, distance)] = post_nearest(latitude=-6.2490, longitude=106.9950)

    assert unit == bekasi.post_kayuringin
    assert distance == pytest.approx(haversine_km(-6.2490, 106.9950, -6.2476, 106.9942))


def test_results_are_ordered_nearest_first_with_distances(bekasi):
    results = post_nearest(latitude=-6.2515, longitude=107.0100, limit=5)

    assert [unit for unit, _ in results] == [bekasi.post_margahayu, bekasi.post_kayuringin]
    assert results[0][1] < results[1][1]
    assert results[1][1] == pytest.approx(haversine_km(-6.2515, 107.0100, -6.2476, 106.9942))


def test_other_kinds_can_be_asked_for(bekasi):
    polsek = unit_create(
        name="Polsek with coordinates", kind=UnitKind.POLSEK, latitude=-6.2480, longitude=106.9945
    )

    results = post_nearest(
        latitude=-6.2490, longitude=106.9950, limit=2, kinds=(UnitKind.POST, UnitKind.POLSEK)
    )

    assert [unit for unit, _ in results] == [polsek, bekasi.post_kayuringin]


def test_a_post_far_away_is_still_found(bekasi):
    [(unit, distance)] = post_nearest(latitude=-2.5337, longitude=140.7181)  # Jayapura

    assert unit == bekasi.post_margahayu
    assert distance == pytest.approx(3_759, abs=1)


def test_a_lookup_near_a_post_takes_two_queries(bekasi, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        post_nearest(latitude=-6.2476, longitude=106.9942)


def test_no_posts_means_no_result(db):
    assert post_nearest(latitude=-6.2, longitude=106.8) == []
    assert post_nearest(latitude=-6.2, longitude=106.8, limit=0) == []


def test_a_post_beyond_the_first_box_beats_a_farther_one_inside_it(db):
    # The first box is ±0.05° (5.56 km at the equator). "corner" lies inside it but
    # 7.7 km away; "beyond" lies outside it, 6.6 km away, and is the nearest.
    unit_create(name="corner", kind=UnitKind.POST, latitude=0.049, longitude=0.049)
    beyond = unit_create(name="beyond", kind=UnitKind.POST, latitude=0.0, longitude=0.0595)

    [(unit, distance)] = post_nearest(latitude=0.0, longitude=0.0)

    assert unit == beyond
    assert distance == pytest.approx(6.616, abs=0.01)


def test_a_post_just_inside_the_inner_circle_is_taken_from_the_first_box(
    db, django_assert_max_num_queries
):
    inside = unit_create(name="inside", kind=UnitKind.POST, latitude=0.0499, longitude=0.0)
    unit_create(name="outside", kind=UnitKind.POST, latitude=0.0, longitude=-0.0501)

    with django_assert_max_num_queries(2):
        [(unit, _distance)] = post_nearest(latitude=0.0, longitude=0.0)

    assert unit == inside


def test_posts_across_the_antimeridian_are_found(db):
    east = unit_create(name="east", kind=UnitKind.POST, latitude=-16.0, longitude=179.99)
    unit_create(name="far", kind=UnitKind.POST, latitude=-16.0, longitude=178.0)

    [(unit, distance)] = post_nearest(latitude=-16.0, longitude=-179.99)

    assert unit == east
    assert distance == pytest.approx(2.14, abs=0.01)


def test_out_of_range_coordinates_are_refused(db):
    with pytest.raises(ValueError, match="Latitude"):
        post_nearest(latitude=91, longitude=0)


def test_ten_thousand_posts_match_a_brute_force_scan(db):
    rng = random.Random(20250731)
    Unit.objects.bulk_create(
        Unit(
            name=f"Pos {i}",
            kind=UnitKind.POST,
            path=f"/nearest-test/{i}/",
            latitude=rng.uniform(SOUTH, NORTH),
            longitude=rng.uniform(WEST, EAST),
        )
        for i in range(10_000)
    )
    Unit.objects.bulk_create(  # non-posts nearby must never be picked
        Unit(
            name=f"Polsek {i}",
            kind=UnitKind.POLSEK,
            path=f"/nearest-test/polsek-{i}/",
            latitude=rng.uniform(SOUTH, NORTH),
            longitude=rng.uniform(WEST, EAST),
        )
        for i in range(500)
    )
    posts = list(Unit.objects.filter(kind=UnitKind.POST))
    # Points across the archipelago, plus a few outside it where the box must grow.
    queries = [(rng.uniform(SOUTH, NORTH), rng.uniform(WEST, EAST)) for _ in range(45)]
    queries += [(-45.0, 120.0), (20.0, 80.0), (5.9999, 140.9999), (-11.0, 95.0), (0.0, 170.0)]

    for latitude, longitude in queries:
        for limit in (1, 3):
            found = post_nearest(latitude=latitude, longitude=longitude, limit=limit)

            expected = brute_force(posts, latitude, longitude, limit)
            assert [unit.pk for unit, _ in found] == [pk for _, pk in expected]
            assert [distance for _, distance in found] == pytest.approx(
                [distance for distance, _ in expected]
            )
