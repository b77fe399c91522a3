"""§9 P9's byte budget: every public page, opened in Chromium on a phone by someone not
signed in, transfers at most 150 KB, counting everything it loads (HTML, CSS, JS,
images, icons and the data its scripts fetch). Times are not tested here (they are
not deterministic): ``bench/bench_pages.py`` measures them under throttling.

What is counted is what the live test server sends, as Chromium counts it
(``encodedDataLength`` of every finished request, headers included), with one
correction: the test server hands static files out uncompressed, where production
serves WhiteNoise's gzipped copies (``CompressedManifestStaticFilesStorage``, checked
below). A static response is therefore counted at the size of WhiteNoise's own gzip of
its body, where WhiteNoise would keep one (it saves at least 5 %). Pages and data are
counted as served: production does not compress them either, except the public map
layers, which compress themselves (``gzip_page``) here too.

The data is the map fixture's Kota Bekasi (a handful of cases and dialogues): the
weight of the map's layers grows with the cases, which the bench measures at 5,000.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from whitenoise.compress import Compressor

from kamtibmas.aspirations.models import Privacy, Source
from kamtibmas.aspirations.services import aspiration_submit
from kamtibmas.engagements.models import DialogueType
from kamtibmas.engagements.services import checkin_code_issue, dialogue_record_past
from kamtibmas.maps.tests.conftest import mapdata
from kamtibmas.surveys.services import survey_token
from kamtibmas.web.tests.conftest import phone_page

pytestmark = pytest.mark.browser

__all__ = ["mapdata"]  # the fixture, imported for this module

BUDGET_BYTES = 150 * 1024


@pytest.fixture
def public_paths(mapdata) -> dict[str, str]:
    """Every public page, with real codes: the receipt of a case, a check-in code and
    the survey link of a dialogue held this morning."""
    now = timezone.now()
    today = dialogue_record_past(
        actor=mapdata.officer_selatan,
        type=DialogueType.objects.get(code="jumat_curhat"),
        title="Jumat Curhat Kayuringin Jaya",
        area=mapdata.rw024,
        unit=mapdata.polsek_selatan,
        venue_name="Masjid Al-Ikhlas",
        start=now - timedelta(hours=3),
        end=now - timedelta(hours=1),
    )
    checkin = checkin_code_issue(actor=mapdata.officer_selatan, dialogue=today)
    receipt = aspiration_submit(
        text="Jalan berlubang di depan sekolah.",
        area=mapdata.rw024,
        privacy=Privacy.PUBLIC,
        source=Source.WEB,
    ).receipt_code
    return {
        "home": "/",
        "aspiration-new": "/aspirations/new/",
        "track-form": "/track/",
        "track": f"/track/{receipt}",
        "case": f"/aspirations/{mapdata.public_case.number}/",
        "events": "/events/",
        "event": f"/events/{today.pk}/",
        "checkin": f"/checkin/{checkin.raw}/",
        "survey": f"/survey/{survey_token(today)}/",
        "loss": "/loss/",
        "loss-status": "/loss/status",
        "verify-form": "/verify/",
        "aid": "/aid/",
        "map": "/map/",
        "sign-in": "/accounts/login/",
    }


def production_gzip_size(url: str, body: bytes) -> int:
    """The body's size as WhiteNoise's compressed storage serves it in production."""
    compressor = Compressor(use_brotli=False, quiet=True)
    if not compressor.should_compress(url.split("?")[0]):
        return len(body)
    compressed = compressor.compress_gzip(body)
    effective = compressor.is_compressed_effectively("Gzip", url, len(body), compressed)
    return len(compressed) if effective else len(body)


def page_weight(chromium, live_server, path: str) -> tuple[int, list[str]]:
    """Bytes a fresh phone page transfers for ``path`` (see the module's docstring),
    and a line per request for the failure message."""
    pages = phone_page(chromium, live_server)
    page = next(pages)
    try:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        sizes: dict[str, int] = {}
        urls: dict[str, str] = {}
        statics: list[Any] = []

        def sent(event: dict[str, Any]) -> None:
            urls[event["requestId"]] = event["request"]["url"]

        def finished(event: dict[str, Any]) -> None:
            sizes[event["requestId"]] = int(event["encodedDataLength"])

        cdp.on("Network.requestWillBeSent", sent)
        cdp.on("Network.loadingFinished", finished)
        page.on("response", lambda r: statics.append(r) if "/static/" in r.url else None)
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{path}: {response}"
        page.wait_for_load_state("networkidle")
        saved = {}
        for static in statics:
            if static.header_value("content-encoding") in (None, "identity"):
                body = static.body()
                saved[static.url] = len(body) - production_gzip_size(static.url, body)
        lines = []
        total = 0
        for request_id, size in sizes.items():
            url = urls.get(request_id, "?")
            counted = size - saved.get(url, 0)
            total += counted
            lines.append(f"{counted:9,d}  {url}")
        return total, lines
    finally:
        next(pages, None)


def test_production_serves_static_files_compressed():
    """The correction above holds only while production keeps WhiteNoise's compressed
    storage (``kamtibmas.config.staticfiles``)."""
    from whitenoise.storage import CompressedManifestStaticFilesStorage

    from kamtibmas.config.staticfiles import StaticFilesStorage

    assert issubclass(StaticFilesStorage, CompressedManifestStaticFilesStorage)


def test_every_public_page_transfers_at_most_150_kb(chromium, live_server, public_paths):
    over = []
    for name, path in public_paths.items():
        total, lines = page_weight(chromium, live_server, path)
        assert total > 1000, f"{name}: only {total} bytes counted"
        if total > BUDGET_BYTES:
            over.append(f"{name} {path}: {total:,d} bytes\n" + "\n".join(lines))
    assert over == [], "\n\n".join(over)


def test_the_budget_catches_a_heavy_page(chromium, live_server, public_paths):
    """The count sees what a page's scripts fetch: the map's layers are in it."""
    total, lines = page_weight(chromium, live_server, public_paths["map"])
    assert any("/map/aspirations.geojson" in line for line in lines), lines
    assert any("leaflet" in line for line in lines), lines
    assert total > 50 * 1024
