"""The map pages and their GeoJSON endpoints: content type, caching, scope, bad
filters, and no personal data or exact places of non-public cases in any answer."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from kamtibmas.maps.tests.conftest import PERSONAL, SECRET_CONFIDENTIAL
from kamtibmas.maps.tests.test_layers import assert_no_secret, assert_valid_geojson

LAYER_CODES = ["dialogues", "aspirations", "posts", "inspection-problems"]


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def staff_client(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("code", LAYER_CODES)
def test_public_geojson_is_valid_cached_and_holds_nothing_personal(client, mapdata, code):
    response = client.get(reverse("web:map-layer", args=[code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
    collection = json.loads(response.content)
    assert_valid_geojson(collection)
    assert_no_secret(collection)
    for feature in collection["features"]:
        assert "ref" not in feature["properties"] or code != "aspirations"


@pytest.mark.parametrize("code", LAYER_CODES)
def test_staff_geojson_is_valid_scoped_and_not_stored(client, mapdata, code):
    staff_client(client, mapdata.officer_timur)
    response = client.get(reverse("web:map-staff-layer", args=[code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert "no-store" in response["Cache-Control"]
    collection = json.loads(response.content)
    assert_valid_geojson(collection)
    assert_no_secret(collection)
    text = response.content.decode()
    assert "Kayuringin" not in text and mapdata.confidential.number not in text


def test_staff_features_link_to_their_pages(client, mapdata):
    staff_client(client, mapdata.officer_selatan)
    response = client.get(reverse("web:map-staff-layer", args=["aspirations"]))
    cases = {f["properties"]["number"]: f for f in json.loads(response.content)["features"]}
    assert cases[mapdata.confidential.number]["properties"]["url"] == reverse(
        "web:aspiration", args=[mapdata.confidential.pk]
    )
    public = client.get(reverse("web:map-layer", args=["dialogues"]))
    dialogues = json.loads(public.content)["features"]
    assert {f["properties"]["url"] for f in dialogues} == {
        reverse("web:event", args=[mapdata.ngopi.pk]),
        reverse("web:event", args=[mapdata.curhat.pk]),
    }


def test_the_pages_show_counts_and_nothing_personal(client, mapdata):
    public = client.get(reverse("web:map"))
    assert public.status_code == 200
    staff = staff_client(client, mapdata.officer_selatan).get(reverse("web:map-staff"))
    assert staff.status_code == 200
    assert "no-store" in staff["Cache-Control"]
    for response in (public, staff):
        html = response.content.decode()
        for word in PERSONAL:
            assert word not in html
        for value in SECRET_CONFIDENTIAL:
            assert str(value)[:7] not in html
        assert 'id="map"' in html and 'id="map-summary"' in html
        assert "leaflet/leaflet.js" in html and "kamtibmas/map.js" in html
        assert "<script>" not in html and " style=" not in html
    rows = {row["layer"]: row for row in public.context["rows"]}
    assert rows["aspirations"]["count"] == 5 and rows["aspirations"]["omitted"] == 1
    assert rows["dialogues"]["count"] == 2
    staff_rows = {row["layer"]: row for row in staff.context["rows"]}
    assert staff_rows["dialogues"]["count"] == 1  # Polsek Bekasi Selatan's own


def test_filters_reach_the_layers(client, mapdata):
    response = client.get(reverse("web:map"), {"start": "2025-08-01", "end": "2025-08-31"})
    rows = {row["layer"]: row for row in response.context["rows"]}
    assert rows["dialogues"]["count"] == 1
    assert rows["dialogues"]["url"].endswith("?start=2025-08-01&end=2025-08-31")
    layer = client.get(rows["dialogues"]["url"])
    assert [f["properties"]["title"] for f in json.loads(layer.content)["features"]] == [
        "Jumat Curhat Margahayu"
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2025-08-02", "end": "2025-08-01"}, "The end date is before the start date."),
        ({"start": "31/07/2025"}, "Enter a valid date."),
        ({"category": "bogus"}, "Select a valid choice."),
    ],
)
def test_bad_filters_are_refused_with_a_clear_message(client, mapdata, query, message):
    layer = client.get(reverse("web:map-layer", args=["dialogues"]), query)
    assert layer.status_code == 400
    assert message in json.loads(layer.content)["error"]
    page = client.get(reverse("web:map"), query)
    assert page.status_code == 400
    assert message in page.content.decode()
    assert 'id="map"' not in page.content.decode()
    staff_client(client, mapdata.officer_selatan)
    staff = client.get(reverse("web:map-staff-layer", args=["aspirations"]), query)
    assert staff.status_code == 400


def test_the_ends_of_the_calendar_mean_an_open_period(client, mapdata):
    query = {"start": "0001-01-01", "end": "9999-12-31"}
    response = client.get(reverse("web:map-layer", args=["dialogues"]), query)
    assert response.status_code == 200
    assert len(json.loads(response.content)["features"]) == 2
    assert client.get(reverse("web:map"), query).status_code == 200


def test_unknown_layers_and_outsiders(client, mapdata):
    assert client.get("/map/nothing.geojson").status_code == 404
    anonymous = client.get(reverse("web:map-staff-layer", args=["aspirations"]))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client.get(reverse("web:map-staff")).status_code == 302
    staff_client(client, mapdata.resident)
    assert client.get(reverse("web:map-staff")).status_code == 403
    assert client.get(reverse("web:map-staff-layer", args=["posts"])).status_code == 403


def test_links_to_the_maps(client, mapdata):
    assert reverse("web:map") in client.get(reverse("web:home")).content.decode()
    staff_client(client, mapdata.officer_selatan)
    assert reverse("web:map-staff") in client.get(reverse("web:staff-home")).content.decode()


def test_the_leaflet_assets_come_from_the_installed_packages(client):
    from django.contrib.staticfiles import finders

    for name in (
        "leaflet/leaflet.js",
        "leaflet/leaflet.css",
        "leaflet/images/layers.png",
        "leaflet-markercluster/leaflet.markercluster.js",
        "leaflet-markercluster/MarkerCluster.Default.css",
    ):
        found = finders.find(name)
        assert found and "site-packages/xstatic" in str(found).replace("\\", "/")
