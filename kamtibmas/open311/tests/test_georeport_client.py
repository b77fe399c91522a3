"""Real clients against a running server: the PyPI ``georeport`` client reads every
GET endpoint in JSON and XML (it parses XML with ``xmltodict``), and posts go
through ``requests`` as a partner application would send them."""

from __future__ import annotations

import gc
import io
import threading
from collections.abc import Iterator

import pytest
import requests
from georeport import GeoReport
from PIL import Image

from kamtibmas.aspirations.models import Aspiration, AspirationPhoto
from kamtibmas.open311.tests.conftest import KAYURINGIN
from kamtibmas.triage.taxonomy import Category

FORMATS = ["json", "xml"]


@pytest.fixture
def server(live_server) -> Iterator[object]:
    """The live server, left quiet: ``requests`` keeps some sockets open until their
    responses are collected, and the server's request threads close their (shared,
    in-memory) database connection only then. Wait for them before the test ends."""
    yield live_server
    gc.collect()
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(timeout=10)


def _root(server) -> str:
    return f"{server.url}/open311/v2"


def _post(server, fmt: str, **fields) -> requests.Response:
    return requests.post(
        f"{_root(server)}/requests.{fmt}",
        data=fields,
        headers={"Accept-Language": "en"},
        timeout=60,
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_georeport_client_reads_every_endpoint(o311, server, fmt, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    posted = _post(
        server,
        fmt,
        api_key=o311.raw_key,
        service_code="layanan",
        address_id=KAYURINGIN,
        description="KTP saya hilang di Pasar Kayuringin kemarin sore.",
        **{"attribute[privacy]": "public", "attribute[lost_items][]": ["ktp", "sim"]},
    )
    assert posted.status_code == 200, posted.text
    assert posted.headers["Content-Type"] == (
        "application/json; charset=utf-8" if fmt == "json" else "text/xml; charset=utf-8"
    )
    number = Aspiration.objects.get().number
    client = GeoReport(_root(server), jurisdiction="localhost", output_format=fmt)

    services = client.get_service_list()
    definition = client.get_service_definition("layanan")
    listed = client.get_service_requests(service_code="layanan,lainnya", status="open")
    one = client.get_service_request(number)

    assert [s["service_code"] for s in services] == Category.values
    assert definition["service_code"] == "layanan"
    attributes = definition["attributes"]
    if fmt == "xml":  # xmltodict: containers hold their singular elements
        attributes = attributes["attribute"]
    assert "lost_items" in [a["code"] for a in attributes]
    # xmltodict gives a dict for a single element, a list for several.
    listed_ids = (
        [listed["service_request_id"]]
        if isinstance(listed, dict)
        else [item["service_request_id"] for item in listed]
    )
    assert listed_ids == [number]
    assert one["service_request_id"] == number and one["status"] == "open"
    assert one["service_code"] == "layanan"


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_georeport_client_sees_http_errors(o311, server, fmt):
    other = GeoReport(_root(server), jurisdiction="sfgov.org", output_format=fmt)
    ours = GeoReport(_root(server), output_format=fmt)

    with pytest.raises(requests.HTTPError) as unknown_jurisdiction:
        other.get_service_list()
    with pytest.raises(requests.HTTPError) as unknown_service:
        ours.get_service_definition("pothole")
    with pytest.raises(requests.HTTPError) as bad_date:
        ours.get_service_requests(start_date="31/07/2025")

    statuses = [
        getattr(raised.value.response, "status_code", None)
        for raised in (unknown_jurisdiction, unknown_service, bad_date)
    ]
    assert statuses == [404, 404, 400]


def test_a_partner_posts_a_photo_as_multipart(o311, server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    picture = io.BytesIO()
    Image.new("RGB", (80, 60), "navy").save(picture, "JPEG")

    answer = requests.post(
        f"{_root(server)}/requests.json",
        data={
            "api_key": o311.raw_key,
            "service_code": "lingkungan",
            "address_id": KAYURINGIN,
            "description": "Saluran air tersumbat sampah, air meluap ke jalan.",
        },
        files={"media": ("saluran.jpg", picture.getvalue(), "image/jpeg")},
        timeout=60,
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()[0]["service_request_id"] == Aspiration.objects.get().number
    assert AspirationPhoto.objects.count() == 1


def test_a_partner_without_a_key_is_told_so(o311, server):
    answer = _post(server, "xml", service_code="lingkungan", address_id=KAYURINGIN)

    assert answer.status_code == 403
    assert "<errors><error><code>403</code>" in answer.text
    assert not Aspiration.objects.exists()
