"""The GeoJSON layers: valid RFC 7946, coarsened, scoped, filtered, bounded in queries."""

from __future__ import annotations

import json
import math
from datetime import date

import pytest

from kamtibmas.areas.geo import haversine_km
from kamtibmas.aspirations.models import Privacy
from kamtibmas.maps.layers import (
    LAYERS,
    Layer,
    LayerContext,
    LayerFeatures,
    MapFilter,
    area_centroids,
    layer_collection,
    layer_register,
    layers_offered,
)
from kamtibmas.maps.tests.conftest import (
    NGOPI,
    PERSONAL,
    PUBLIC_CASE,
    SECRET_ANONYMOUS,
    SECRET_CONFIDENTIAL,
    SECRET_PEKAYON,
    submit,
)

SECRETS = [SECRET_CONFIDENTIAL, SECRET_ANONYMOUS, SECRET_PEKAYON]


def collections(user, filters=None):
    context = LayerContext(user=user, filters=filters or MapFilter())
    offered = layers_offered(public=user is None)
    return {layer.code: layer_collection(layer, context) for layer in offered}


def features(collection):
    return {feature["id"]: feature for feature in collection["features"]}


def position(feature):
    longitude, latitude = feature["geometry"]["coordinates"]
    return latitude, longitude


def assert_valid_geojson(collection):
    """RFC 7946: a FeatureCollection of Features, each with a geometry and a
    properties object; positions [longitude, latitude] in WGS84; no crs member;
    no properties member on the collection (section 7.1)."""
    json.dumps(collection, allow_nan=False)  # finite numbers only
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection
    assert "properties" not in collection and "geometry" not in collection
    assert isinstance(collection["features"], list)
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert set(feature) >= {"type", "geometry", "properties"}
        assert "crs" not in feature
        assert isinstance(feature["properties"], dict)
        assert isinstance(feature["id"], str)
        geometry = feature["geometry"]
        assert geometry["type"] == "Point"
        longitude, latitude = geometry["coordinates"]
        assert len(geometry["coordinates"]) == 2
        assert all(
            isinstance(value, float) and math.isfinite(value) for value in (longitude, latitude)
        )
        assert -180 <= longitude <= 180 and -90 <= latitude <= 90
        # Kota Bekasi: longitude first (about 107 east), latitude second (about 6 south).
        assert 106 < longitude < 108 and -7 < latitude < -6


def assert_no_secret(collection):
    text = json.dumps(collection, ensure_ascii=False)
    for word in PERSONAL:
        assert word not in text
    for latitude, longitude in SECRETS:
        assert str(latitude)[:7] not in text and str(longitude)[:8] not in text
        for feature in collection["features"]:
            # Nothing within 300 m of where a non-public case was reported.
            shown_latitude, shown_longitude = position(feature)
            assert haversine_km(shown_latitude, shown_longitude, latitude, longitude) > 0.3


@pytest.mark.parametrize("audience", ["public", "admin", "commander_polres", "officer_selatan"])
def test_every_layer_is_valid_geojson_without_secrets(mapdata, audience):
    user = None if audience == "public" else getattr(mapdata, audience)
    built = collections(user)
    offered = {"dialogues", "aspirations", "posts", "inspection-problems"}
    # The vulnerability index (kamtibmas.safety.layers) is for staff only.
    assert set(built) == (offered if user is None else offered | {"index"})
    for collection in built.values():
        assert_valid_geojson(collection)
        assert_no_secret(collection)
        about = collection["kamtibmas"]
        assert about["count"] == len(collection["features"])


def test_public_layers_place_records_where_they_are_or_at_centroids(mapdata):
    built = collections(None)
    dialogues = features(built["dialogues"])
    ngopi = dialogues[f"dialogue-{mapdata.ngopi.pk}"]
    assert ngopi["geometry"]["coordinates"] == [NGOPI[1], NGOPI[0]]
    assert ngopi["properties"]["located"] == "exact"
    assert ngopi["properties"]["date"] == "2025-07-31"  # 10.10 WIB
    # Margahayu's dialogue has no coordinates: the kelurahan's only known point, its post.
    curhat = dialogues[f"dialogue-{mapdata.curhat.pk}"]
    assert curhat["geometry"]["coordinates"] == [107.012, -6.252]
    assert curhat["properties"]["located"] == "area"

    cases = features(built["aspirations"])
    public = cases[f"aspiration-{mapdata.public_case.number}"]
    assert public["geometry"]["coordinates"] == [PUBLIC_CASE[1], PUBLIC_CASE[0]]
    # Kayuringin Jaya's centroid: its post, the dialogue and the public case.
    kayuringin = (
        (-6.2476 + NGOPI[0] + PUBLIC_CASE[0]) / 3,
        (106.9942 + NGOPI[1] + PUBLIC_CASE[1]) / 3,
    )
    for case in (mapdata.confidential, mapdata.anonymous):
        feature = cases[f"aspiration-{case.number}"]
        assert feature["properties"]["located"] == "area"
        assert position(feature) == pytest.approx(kayuringin, abs=1e-6)
        # The public sees the kelurahan, not the RT, of a non-public case.
        assert feature["properties"]["area"] == "Kelurahan Kayuringin Jaya"
        assert set(feature["properties"]) == {
            "number", "category", "category_label", "status", "status_label", "date",
            "area", "located",
        }  # fmt: skip
    # Nothing public is known in Pekayon Jaya: the grid cell, or left out and counted.
    grid = cases[f"aspiration-{mapdata.pekayon_grid.number}"]
    assert grid["properties"]["located"] == "grid"
    assert grid["geometry"]["coordinates"] == [106.97, -6.26]
    assert f"aspiration-{mapdata.pekayon_nowhere.number}" not in cases
    assert built["aspirations"]["kamtibmas"]["omitted"] == 1

    problems = list(features(built["inspection-problems"]).values())
    assert [p["properties"]["item"] for p in problems] == ["penerangan_jalan"]
    assert problems[0]["geometry"]["coordinates"] == [NGOPI[1], NGOPI[0]]
    posts = {f["properties"]["name"] for f in built["posts"]["features"]}
    assert posts == {"Pos Polisi Kayuringin", "Pos Polisi Margahayu"}
    # Polda, Polres and the Polseks have no coordinates.
    assert built["posts"]["kamtibmas"]["omitted"] == 4


def test_staff_see_non_public_cases_at_their_rw_centroid(mapdata):
    cases = features(collections(mapdata.officer_selatan)["aspirations"])
    rw024 = ((NGOPI[0] + PUBLIC_CASE[0]) / 2, (NGOPI[1] + PUBLIC_CASE[1]) / 2)
    feature = cases[f"aspiration-{mapdata.confidential.number}"]
    assert position(feature) == pytest.approx(rw024, abs=1e-6)
    assert feature["properties"]["privacy"] == Privacy.CONFIDENTIAL
    assert feature["properties"]["ref"] == mapdata.confidential.pk
    assert feature["properties"]["area"] == "RT 001"


def test_centroids_never_use_non_public_points(mapdata):
    centroids = area_centroids().points
    assert mapdata.pekayon.pk not in centroids
    assert centroids[mapdata.rw024.pk] == pytest.approx(
        ((NGOPI[0] + PUBLIC_CASE[0]) / 2, (NGOPI[1] + PUBLIC_CASE[1]) / 2)
    )


def test_staff_layers_are_scoped_to_the_unit(mapdata):
    timur = collections(mapdata.officer_timur)
    ids = {fid for collection in timur.values() for fid in features(collection)}
    assert f"dialogue-{mapdata.curhat.pk}" in ids
    assert f"aspiration-{mapdata.margahayu_case.number}" in ids
    assert f"dialogue-{mapdata.ngopi.pk}" not in ids
    for case in (mapdata.public_case, mapdata.confidential, mapdata.anonymous):
        assert f"aspiration-{case.number}" not in ids
    assert timur["inspection-problems"]["features"] == []
    assert [f["properties"]["name"] for f in timur["posts"]["features"]] == ["Pos Polisi Margahayu"]
    selatan = collections(mapdata.officer_selatan)
    ids = {fid for collection in selatan.values() for fid in features(collection)}
    assert f"dialogue-{mapdata.curhat.pk}" not in ids
    assert f"aspiration-{mapdata.margahayu_case.number}" not in ids
    assert f"dialogue-{mapdata.ngopi.pk}" in ids
    # A resident is not staff: nothing at all.
    resident = collections(mapdata.resident)
    assert all(c["features"] == [] for c in resident.values())


def test_period_and_category_filter(mapdata):
    august = MapFilter(start=date(2025, 8, 1), end=date(2025, 8, 31))
    built = collections(None, august)
    assert list(features(built["dialogues"])) == [f"dialogue-{mapdata.curhat.pk}"]
    assert built["inspection-problems"]["features"] == []
    assert built["aspirations"]["features"] == []  # all received today
    assert len(built["posts"]["features"]) == 2  # posts have no period
    # The day of 31 July 2025 in WIB holds the dialogue that started 10.10 WIB.
    one_day = collections(None, MapFilter(start=date(2025, 7, 31), end=date(2025, 7, 31)))
    assert list(features(one_day["dialogues"])) == [f"dialogue-{mapdata.ngopi.pk}"]
    narkoba = collections(None, MapFilter(category="narkoba"))["aspirations"]
    assert list(features(narkoba)) == [f"aspiration-{mapdata.confidential.number}"]


def test_a_reversed_or_unknown_filter_is_refused():
    with pytest.raises(ValueError, match="end date is before the start date"):
        MapFilter(start=date(2025, 8, 2), end=date(2025, 8, 1))
    with pytest.raises(ValueError, match="Unknown category"):
        MapFilter(category="bogus")


def test_another_app_can_register_a_layer(mapdata):
    def index_build(context):
        return LayerFeatures()

    registered = LAYERS.get("index")  # the safety app's own layer, put back after
    layer_register(Layer("index", "Index", index_build, public=False))
    try:
        assert "index" in {layer.code for layer in layers_offered(public=False)}
        assert "index" not in {layer.code for layer in layers_offered(public=True)}
        collection = collections(mapdata.admin)["index"]
        assert collection["features"] == [] and collection["kamtibmas"]["layer"] == "index"
    finally:
        del LAYERS["index"]
        if registered is not None:
            layer_register(registered)


def _grow(mapdata, n):
    for i in range(n):
        submit(
            mapdata.rt001,
            [Privacy.PUBLIC, Privacy.CONFIDENTIAL, Privacy.ANONYMOUS][i % 3],
            f"Laporan nomor {i} tentang lampu jalan yang mati.",
            at=(-6.24 - i / 10000, 106.98 + i / 10000),
        )


@pytest.mark.parametrize("audience", ["public", "officer_selatan"])
def test_queries_do_not_grow_with_the_data(mapdata, audience, django_assert_max_num_queries):
    user = None if audience == "public" else getattr(mapdata, audience)
    # Four for the centroids, one per layer, and for staff the scope (unit, its
    # subtree, its coverage) and the unit's area (the zone of the period's days).
    # The map's own layers: the safety app's vulnerability index, registered beside
    # them, reads more as more areas have cases (18 to 22 queries here).
    limit = 8 if user is None else 12

    def collections(user):
        context = LayerContext(user=user, filters=MapFilter())
        offered = layers_offered(public=user is None)
        return {
            layer.code: layer_collection(layer, context)
            for layer in offered
            if layer.code != "index"
        }

    with django_assert_max_num_queries(limit):
        small = collections(user)
    _grow(mapdata, 30)
    # A new user object: the scope is computed again, as in a new request.
    if user is not None:
        user = type(user).objects.get(pk=user.pk)
    with django_assert_max_num_queries(limit):
        large = collections(user)
    assert large["aspirations"]["kamtibmas"]["count"] == (
        small["aspirations"]["kamtibmas"]["count"] + 30
    )
