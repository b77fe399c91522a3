"""Great-circle distances and search boxes (pure)."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kamtibmas.areas.geo import (
    EARTH_RADIUS_KM,
    box_half_width,
    box_inner_radius_km,
    haversine_km,
)

latitudes = st.floats(min_value=-90, max_value=90)
longitudes = st.floats(min_value=-180, max_value=180)
points = st.tuples(latitudes, longitudes)
half_heights = st.floats(min_value=0.001, max_value=200)

MONAS = (-6.1754, 106.8272)  # Jakarta
GEDUNG_SATE = (-6.9025, 107.6187)  # Bandung


def test_jakarta_to_bandung_is_about_120_km():
    assert haversine_km(*MONAS, *GEDUNG_SATE) == pytest.approx(119.0, abs=3)


def test_a_degree_of_latitude_is_about_111_km():
    assert haversine_km(0, 0, 1, 0) == pytest.approx(111.195, abs=0.01)


def test_antipodes_are_half_the_circumference_apart():
    assert haversine_km(10, 20, -10, -160) == pytest.approx(math.pi * EARTH_RADIUS_KM)


@given(points, points)
def test_distance_is_symmetric_and_bounded(a, b):
    distance = haversine_km(*a, *b)

    assert distance == pytest.approx(haversine_km(*b, *a), abs=1e-9)
    assert 0 <= distance <= math.pi * EARTH_RADIUS_KM + 1e-9


@given(points)
def test_distance_to_itself_is_zero(a):
    assert haversine_km(*a, *a) == pytest.approx(0, abs=1e-9)


@given(points, points, points)
def test_triangle_inequality(a, b, c):
    assert haversine_km(*a, *c) <= haversine_km(*a, *b) + haversine_km(*b, *c) + 1e-6


def outside_box(point, centre, half_height, half_width) -> bool:
    dlat = abs(point[0] - centre[0])
    dlon = abs((point[1] - centre[1] + 180) % 360 - 180)
    return dlat > half_height or dlon > half_width


@given(points, half_heights, points)
def test_every_point_outside_the_box_is_beyond_its_inner_radius(centre, half_height, point):
    half_width = box_half_width(centre[0], half_height)
    assume(outside_box(point, centre, half_height, half_width))

    radius = box_inner_radius_km(centre[0], half_height, half_width)

    assert haversine_km(*centre, *point) >= radius - 1e-6


@given(latitudes, half_heights)
def test_boxes_are_at_least_as_wide_as_high(latitude, half_height):
    assert box_half_width(latitude, half_height) >= min(half_height, 180)


def test_the_inner_radius_of_a_small_box_near_the_equator_is_its_half_height():
    assert box_inner_radius_km(-6.2, 0.05, box_half_width(-6.2, 0.05)) == pytest.approx(
        5.56, abs=0.01
    )


def test_a_box_over_the_whole_globe_has_no_outside():
    assert box_inner_radius_km(0, 90, 180) == math.inf
