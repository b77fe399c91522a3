"""The vulnerability index on the staff map: graduated symbols at RW centroids."""

from __future__ import annotations

import pytest

from kamtibmas.maps.tests.conftest import mapdata

pytestmark = pytest.mark.django_db

__all__ = ["mapdata"]  # the fixture, imported for this module


def test_the_staff_map_has_the_index_of_the_unit_s_rws(client, mapdata):
    client.force_login(mapdata.officer_selatan)
    response = client.get("/staff/map/index.geojson")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    data = response.json()
    assert data["type"] == "FeatureCollection" and data["kamtibmas"]["layer"] == "index"
    features = {f["id"]: f for f in data["features"]}
    rw024 = features[f"index-{mapdata.rw024.pk}"]
    longitude, latitude = rw024["geometry"]["coordinates"]
    assert -11 < latitude < 6 and 95 < longitude < 141
    assert 0 < rw024["properties"]["index"] <= 100
    assert rw024["properties"]["located"] == "area"
    page = client.get("/staff/map/").content.decode()
    assert "/staff/map/index.geojson" in page


def test_the_public_map_has_no_index(client, mapdata):
    assert client.get("/map/index.geojson").status_code == 404
    assert "index.geojson" not in client.get("/map/").content.decode()
