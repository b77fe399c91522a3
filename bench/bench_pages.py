"""§9 P9: the public pages on a cheap phone, in Chromium with throttled network and CPU,
against a minimal HTML page served the same way in the same run.

    .venv/bin/python bench/bench_pages.py                   # SQLite
    .venv/bin/python bench/bench_pages.py --rounds 1 --aspirations 0   # quicker

Target P9: "public pages on a cheap phone: <= 150 KB transferred, usable in < 1 s on
Chromium's slow-3G throttling".

1. A fresh database (``benchenv``) filled as ``bench_api.py`` fills it
   (``kamtibmas bench_data``: the demo plus ``--aspirations`` synthetic cases), static
   files collected, and the baseline page written into the collected static files.
2. ``kamtibmas serve`` on a free loopback port in production mode (``bench_api.Server``).
3. Every public page (no one signed in) opened in Debian's Chromium (Playwright,
   headless, ``--no-sandbox --disable-background-networking``) on a 412×915 phone
   screen, a fresh browser context per page (nothing cached, no connection reused),
   in Indonesian, service workers blocked; the data in the addresses is real: the demo
   case's receipt code, a check-in code issued for a demo dialogue, the signed survey
   link of a held dialogue, the newest valid certificate's QR text, the first event and
   aid programme linked from their lists.

Throttling, set through the Chrome DevTools Protocol on the page before it navigates:

- ``Network.emulateNetworkConditions`` with each profile below. Chromium adds the
  latency to every request (not to every round trip) and caps the throughput of
  all the page's requests together.
- ``Emulation.setCPUThrottlingRate`` 4 (a cheap phone's CPU, Lighthouse's mobile
  ``cpuSlowdownMultiplier``) in every profile.

Profiles:

- ``slow-3g``: DevTools' "Slow 3G" preset as ``front_end/core/sdk/NetworkManager.ts``
  defines it (``Slow3GConditions``; titled "3G" since DevTools renamed its presets in
  May 2024, crbug.com/342406608, same values): latency 400 ms × 5 = 2,000 ms, down and
  up 500 kbit/s × 0.8 = 50,000 B/s.
- ``lighthouse``: Lighthouse's mobile profile (``mobileSlow4G`` in
  ``core/config/constants.js``) at its nominal figures: 150 ms, 1.6 Mbit/s down
  (1.6 × 1024 kbit/s), 750 kbit/s up.
- ``lighthouse-devtools``: the same profile as Lighthouse applies it when it throttles
  through DevTools (``throttlingMethod: devtools``): request latency 150 ms × 3.75 =
  562.5 ms, throughput × 0.9 (1,474.56 kbit/s down, 675 kbit/s up). Lighthouse
  multiplies because a per-request latency stands for the round trips of a connection
  (DNS, TCP, TLS) that loopback does not have.

Measured per page (medians over ``--rounds``):

- transferred: the sum of ``encodedDataLength`` of every response's
  ``Network.loadingFinished`` event (the bytes Chromium received, headers included, as
  DevTools' "transferred" column counts them): HTML, CSS, JS, images, icons, fonts,
  data fetched by scripts, until the page is usable and the network is then idle.
- requests: how many requests the page made.
- usable: milliseconds from navigation start (``performance.timeOrigin``) to the
  latest of (a) the end of the ``load`` event: the HTML parsed, every stylesheet
  applied, every deferred script run (so the page's handlers are attached) and
  every image loaded; (b) the first contentful paint; (c) the first moment the page's
  main element is in the document (a ``MutationObserver`` installed before the page's
  own scripts): its form for form pages, the heading of ``<main>`` otherwise, and
  for the map the map element marked drawn (``data-ready="1"``, set by ``map.js``
  after its layers arrived).
- render-blocking: the resources Chromium marks ``renderBlockingStatus: blocking``.

Baseline B0: ``/static/bench-baseline.html``, a 300-byte HTML page (with a ``data:``
icon, so one request) served by the same server (WhiteNoise), measured in the same
run with the same throttling and definition. Each page's time is reported absolute
and as a ratio to B0. On the Slow 3G preset one request alone costs at least its
2,000 ms of latency, so "< 1 s" cannot hold there for any page, B0 included: that
profile's figure is read against B0; the Lighthouse profiles' against 1 s.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench_api import Server, fetch, prepare
from benchenv import bench_django, machine

BUDGET_BYTES = 150 * 1024
USABLE_TARGET_MS = 1000.0
CPU_SLOWDOWN = 4
TIMEOUT_MS = 180_000
# The browser tests' phone (kamtibmas/web/tests/conftest.py), fresh for every load.
PHONE = {
    "viewport": {"width": 412, "height": 915},
    "is_mobile": True,
    "has_touch": True,
    "locale": "id-ID",
    "service_workers": "block",
}
BASELINE_NAME = "bench-baseline.html"
BASELINE_HTML = (
    '<!doctype html>\n<html lang="id">\n<head>\n<meta charset="utf-8">\n'
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    '<link rel="icon" href="data:,">\n<title>Kamtibmas</title>\n</head>\n<body>\n'
    "<main><h1>Kamtibmas</h1>\n<p>Keamanan dan ketertiban masyarakat: dialog, aspirasi dan "
    "laporan kehilangan.</p></main>\n</body>\n</html>\n"
)


@dataclass(frozen=True)
class Profile:
    key: str
    label: str
    latency_ms: float
    down_bytes_s: float
    up_bytes_s: float
    target: str  # "baseline" or "1 s"


PROFILES = [
    Profile("slow-3g", "DevTools Slow 3G: 2,000 ms, 400 kbit/s down and up",
            400 * 5, 500 * 1000 / 8 * 0.8, 500 * 1000 / 8 * 0.8, "baseline"),
    Profile("lighthouse", "Lighthouse mobile, nominal: 150 ms, 1.6 Mbit/s down, 750 kbit/s up",
            150, 1.6 * 1024 * 1024 / 8, 750 * 1024 / 8, "1 s"),
    Profile("lighthouse-devtools",
            "Lighthouse mobile as its DevTools throttling applies it: 562.5 ms, "
            "1,474.56 kbit/s down, 675 kbit/s up",
            150 * 3.75, 1.6 * 1024 * 1024 / 8 * 0.9, 750 * 1024 / 8 * 0.9, "1 s"),
]  # fmt: skip


@dataclass(frozen=True)
class PublicPage:
    key: str
    path: str
    ready: str  # CSS selector of the main element (see the module's docstring)


@dataclass
class Load:
    usable_ms: float
    load_ms: float
    fcp_ms: float
    ready_ms: float
    transferred: int
    requests: int
    by_type: dict[str, int]
    blocking: list[str]
    encodings: dict[str, str]  # url -> Content-Encoding
    failed: list[str]
    each: list[tuple[str, str, int]]  # (type, url, bytes) of every finished request


@dataclass
class Measured:
    loads: list[Load] = field(default_factory=list)

    def median(self, name: str) -> float:
        return statistics.median(getattr(load, name) for load in self.loads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--aspirations", type=int, default=5_000)
    parser.add_argument("--profiles", default=",".join(p.key for p in PROFILES))
    parser.add_argument("--only", default="", help="comma-separated page keys (B0 comes along)")
    parser.add_argument("--requests", action="store_true", help="list every page's requests")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(f"stopped by signal {signum}"))
    with bench_django() as database:
        prepared = prepare(args.aspirations)
        addresses = page_addresses()
        baseline_write()
        report(database, prepared.aspirations, addresses, args)


def baseline_write() -> None:
    from django.conf import settings

    (Path(settings.STATIC_ROOT) / BASELINE_NAME).write_text(BASELINE_HTML)


def page_addresses() -> dict[str, str]:
    """The addresses that need data: issued or looked up now, before the server starts."""
    from django.core.exceptions import ValidationError
    from django.db import connections

    from kamtibmas.accounts.models import User
    from kamtibmas.aspirations.demo import DEMO_RECEIPT_CODE
    from kamtibmas.aspirations.models import Aspiration, Privacy, Status
    from kamtibmas.certificates.demo import demo_certificates_to_verify
    from kamtibmas.engagements.models import Dialogue, DialogueStatus
    from kamtibmas.engagements.services import CHECKIN_CODE_MAX_MINUTES, checkin_code_issue
    from kamtibmas.surveys.services import survey_dialogue, survey_token

    found = {"track": f"/track/{DEMO_RECEIPT_CODE}"}
    case = (
        Aspiration.objects.filter(privacy=Privacy.PUBLIC)
        .exclude(status=Status.REJECTED)
        .order_by("-pk")
        .first()
    )
    if case is not None:
        found["case"] = f"/aspirations/{case.number}/"
    for dialogue in Dialogue.objects.filter(status=DialogueStatus.HELD).order_by("-planned_start"):
        try:
            survey_dialogue(survey_token(dialogue))
        except ValidationError:  # closed: the next one
            continue
        found["survey"] = f"/survey/{survey_token(dialogue)}/"
        break
    dialogue = Dialogue.objects.exclude(status=DialogueStatus.CANCELLED).order_by("-pk").first()
    if dialogue is not None:
        issued = checkin_code_issue(
            actor=User.objects.get(username="spkt"),
            dialogue=dialogue,
            minutes=CHECKIN_CODE_MAX_MINUTES,
        )
        found["checkin"] = f"/checkin/{issued.raw}/"
    certificates = demo_certificates_to_verify()
    if certificates:
        found["verified"] = f"/verify/{certificates[-1][1]}"
    connections.close_all()
    return found


def public_pages(port: int, addresses: dict[str, str]) -> list[PublicPage]:
    """Every page of the portal a resident opens without signing in."""
    pages = [
        PublicPage(key, path, ready)
        for key, path, ready in [
            ("B0", f"/static/{BASELINE_NAME}", "main h1"),
            ("home", "/", "main h1"),
            ("aspiration-new", "/aspirations/new/", "#aspiration-form"),
            ("track-form", "/track/", "main form"),
            ("track", addresses["track"], "main h1"),
            ("events", "/events/", "main h1"),
            ("event", _first_link(port, "/events/", r"/events/\d+/"), "#event-title"),
            ("checkin", addresses["checkin"], "main form"),
            ("survey", addresses["survey"], "#survey-form"),
            ("loss", "/loss/", "#loss-form"),
            ("loss-status", "/loss/status", "#status-form"),
            ("verify-form", "/verify/", "#verify-form"),
            ("verified", addresses["verified"], "main h1"),
            ("aid", "/aid/", "main h1"),
            ("aid-program", _first_link(port, "/aid/", r"/aid/\d+/"), "#program-name"),
            ("map", "/map/", '#map[data-ready="1"]'),
            ("sign-in", "/accounts/login/", "main form"),
        ]
    ]
    if "case" in addresses:
        pages.insert(5, PublicPage("case", addresses["case"], "main h1"))
    return pages


def _first_link(port: int, path: str, pattern: str) -> str:
    status, content = fetch(port, "GET", path)
    found = re.search(pattern, content.decode())
    if status != 200 or found is None:
        sys.exit(f"{path} answered {status} with no link like {pattern}")
    return found.group(0)


# Records when the page's main element first appears (see the docstring, (c)).
READY_SCRIPT = """(() => {
  const selector = %s;
  const check = () => {
    if (window.__benchReady === undefined && document.querySelector(selector)) {
      window.__benchReady = performance.now();
    }
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true,
                                                 attributes: true});
  document.addEventListener('DOMContentLoaded', check);
})();"""

TIMINGS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return {
    load: nav.loadEventEnd,
    fcp: fcp ? fcp.startTime : 0,
    ready: window.__benchReady,
    blocking: performance.getEntriesByType('resource')
      .filter(r => r.renderBlockingStatus === 'blocking').map(r => r.name),
  };
}"""


def measure(browser, base: str, page_spec: PublicPage, profile: Profile) -> Load:
    """One load of one page in a fresh context (see the module's docstring)."""
    # No request routing (Playwright would pause every request to ask its handler).
    context = browser.new_context(base_url=base, **PHONE)
    try:
        context.add_init_script(READY_SCRIPT % json.dumps(page_spec.ready))
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": profile.latency_ms,
                "downloadThroughput": profile.down_bytes_s,
                "uploadThroughput": profile.up_bytes_s,
            },
        )
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        kinds: dict[str, str] = {}
        urls: dict[str, str] = {}
        sizes: dict[str, int] = {}
        encodings: dict[str, str] = {}
        failed: list[str] = []

        def sent(event: dict) -> None:
            urls[event["requestId"]] = event["request"]["url"]
            kinds[event["requestId"]] = event.get("type", "Other")

        def received(event: dict) -> None:
            headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
            encodings[event["response"]["url"]] = headers.get("content-encoding", "")
            if event["response"]["status"] >= 400:
                failed.append(f"{event['response']['status']} {event['response']['url']}")

        cdp.on("Network.requestWillBeSent", sent)
        cdp.on("Network.responseReceived", received)
        cdp.on(
            "Network.loadingFinished",
            lambda e: sizes.update({e["requestId"]: int(e["encodedDataLength"])}),
        )
        cdp.on(
            "Network.loadingFailed",
            lambda e: failed.append(f"{e['errorText']} {urls.get(e['requestId'])}"),
        )
        response = page.goto(page_spec.path, wait_until="load", timeout=TIMEOUT_MS)
        if response is None or response.status != 200:
            sys.exit(f"{page_spec.path}: {response and response.status}, not 200")
        page.wait_for_function("() => window.__benchReady !== undefined", timeout=TIMEOUT_MS)
        page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
        timings = page.evaluate(TIMINGS)
        by_type: dict[str, int] = {}
        for request_id, size in sizes.items():
            kind = kinds.get(request_id, "Other")
            by_type[kind] = by_type.get(kind, 0) + size
        return Load(
            usable_ms=max(timings["load"], timings["fcp"], timings["ready"]),
            load_ms=timings["load"],
            fcp_ms=timings["fcp"],
            ready_ms=timings["ready"],
            transferred=sum(sizes.values()),
            requests=len(urls),
            by_type=by_type,
            blocking=timings["blocking"],
            encodings=encodings,
            failed=failed,
            each=[
                (kinds.get(key, "Other"), urls.get(key, "?"), size) for key, size in sizes.items()
            ],
        )
    finally:
        context.close()


def report(database: str, aspirations: int, addresses: dict[str, str], args) -> None:
    from granian import __version__ as granian_version
    from playwright.sync_api import sync_playwright

    from kamtibmas.web.tests.conftest import CHROMIUM, CHROMIUM_ARGS

    profiles = [p for p in PROFILES if p.key in args.profiles.split(",")]
    server = Server(None, None)
    try:
        base = f"http://127.0.0.1:{server.port}"
        pages = public_pages(server.port, addresses)
        if args.only:
            wanted = {"B0", *args.only.split(",")}
            pages = [page for page in pages if page.key in wanted]
        measured = {(p.key, pr.key): Measured() for p in pages for pr in profiles}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            version = browser.version
            for round_number in range(args.rounds):
                for profile in profiles:
                    for page_spec in pages:
                        load = measure(browser, base, page_spec, profile)
                        measured[page_spec.key, profile.key].loads.append(load)
                print(f"round {round_number + 1} of {args.rounds} done", file=sys.stderr)
            browser.close()
    finally:
        server.stop()
    print("\n".join(report_lines(database, aspirations, version, granian_version, pages,
                                 profiles, measured, args.rounds, args.requests)))  # fmt: skip


def report_lines(
    database: str,
    aspirations: int,
    chromium: str,
    granian: str,
    pages: list[PublicPage],
    profiles: list[Profile],
    measured: dict[tuple[str, str], Measured],
    rounds: int,
    show_requests: bool = False,
) -> list[str]:
    first = profiles[0].key
    lines = [
        "P9: public pages on a cheap phone (bench/bench_pages.py)",
        f"machine:  {machine()}",
        f"database: {database}; {aspirations:,} aspirations",
        f"server:   kamtibmas serve (granian {granian}), production settings, loopback",
        f"browser:  Chromium {chromium}, headless, 412×915 phone, a fresh context per load, "
        f"CPU throttled {CPU_SLOWDOWN}× (Emulation.setCPUThrottlingRate)",
        f"rounds:   {rounds}, medians; usable = max(load event end, first contentful paint, "
        "main element present)",
        "",
        "Bytes per page (the same in every profile; transferred = encodedDataLength, headers "
        "included):",
        f"{'page':16}{'requests':>9}{'KB':>8}{'HTML':>8}{'CSS':>8}{'JS':>8}{'data':>8}"
        f"{'other':>8}  blocking  verdict (<= 150 KB)",
    ]
    for page_spec in pages:
        found = measured[page_spec.key, first]
        load = found.loads[-1]
        types = dict(load.by_type)
        html = types.pop("Document", 0)
        css = types.pop("Stylesheet", 0)
        js = types.pop("Script", 0)
        data = types.pop("Fetch", 0) + types.pop("XHR", 0)
        other = sum(types.values())
        size = found.median("transferred")
        verdict = "PASS" if size <= BUDGET_BYTES else "FAIL"
        lines.append(
            f"{page_spec.key:16}{found.median('requests'):9.0f}{size / 1024:8.1f}"
            f"{html / 1024:8.1f}{css / 1024:8.1f}{js / 1024:8.1f}{data / 1024:8.1f}"
            f"{other / 1024:8.1f}  {len(load.blocking):8d}  {verdict}"
        )
    compressed = sorted(
        {
            url.rsplit("/", 1)[-1] + ": " + (encoding or "identity")
            for key in {p.key for p in pages}
            for url, encoding in measured[key, first].loads[-1].encodings.items()
            if "/static/" in url
        }
    )
    lines.append("static files as served: " + ", ".join(compressed))
    failures = sorted({f for m in measured.values() for load in m.loads for f in load.failed})
    if failures:
        lines.append("failed requests: " + "; ".join(failures))
    for profile in profiles:
        baseline = measured["B0", profile.key].median("usable_ms")
        lines += [
            "",
            f"{profile.label} ({profile.key}), CPU {CPU_SLOWDOWN}×:",
            f"{'page':16}{'usable ms':>10}{'× B0':>7}{'load':>8}{'FCP':>8}{'main':>8}  verdict",
        ]
        for page_spec in pages:
            found = measured[page_spec.key, profile.key]
            usable = found.median("usable_ms")
            if profile.target == "1 s":
                verdict = f"{'PASS' if usable < USABLE_TARGET_MS else 'FAIL'} (< 1 s)"
            else:
                verdict = f"{usable / baseline:.2f} × B0 (< 1 s impossible: 2 s per request)"
            lines.append(
                f"{page_spec.key:16}{usable:10,.0f}{usable / baseline:7.2f}"
                f"{found.median('load_ms'):8,.0f}{found.median('fcp_ms'):8,.0f}"
                f"{found.median('ready_ms'):8,.0f}  {verdict}"
            )
    lines += ["", "addresses:"] + [f"  {p.key:16}{p.path[:100]}" for p in pages]
    if show_requests:
        for page_spec in pages:
            lines += ["", f"requests of {page_spec.key}:"] + [
                f"  {kind:12}{size:8,d}  {url[:110]}"
                for kind, url, size in measured[page_spec.key, first].loads[-1].each
            ]
    return lines


if __name__ == "__main__":
    main()
