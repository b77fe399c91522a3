"""Issue 12 point 5: a bounded soak under the production server, on loopback.

    .venv/bin/python bench/bench_soak.py                 # SQLite, 180 s
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_soak.py \
        --redis redis://127.0.0.1:6379/0 --output soak-pg.txt
    .venv/bin/python bench/bench_soak.py --duration 60 --aspirations 1000   # quicker

A mix of what the platform serves at once, each kind a weighted share of the
requests (``--weights``, default submit=2,track=3,sync=4,dashboard=1):

- ``submit``: a resident submits an aspiration (``POST /api/v1/aspirations`` with the
  demo resident's API token; the bodies of ``bench_api.submit_bodies``);
- ``track``: a resident follows their case by its receipt code (``GET
  /api/v1/track/{code}``), the codes answered to the submits of the warm-up;
- ``sync``: a community officer's phone polls its inbox (``GET /api/v1/aspirations``
  with the demo officer's token);
- ``dashboard``: the Polres commander opens ``/staff/dashboard/`` in a signed-in
  staff session, past its second factor (made in the scratch database beforehand).

The set-up is ``bench_api``'s (a scratch database from ``benchenv`` filled by
``kamtibmas bench_data``, ``kamtibmas serve`` on a free loopback port in production
mode), with ``kamtibmas worker`` running beside the server as in production.

1. Warm-up: every submit body sent ``bench_api.WARM_UP_SENDS`` times (the last time
   keeping the receipt codes), then each kind once through ``preflight``.
2. Peak: the mix in a closed loop (wrk, 2 × workers × threads connections, a Lua
   script choosing each request's kind by weight) for ``--peak-seconds``.
3. Soak: half that rate for ``--duration`` seconds with an open-loop client (request
   i is due at start + i / rate whatever the answers before it; its latency counts
   from then), the kinds drawn by weight in a fixed order. Every ``--sample-seconds``
   the resident memory (RSS) of every process of the server (the ``kamtibmas serve``
   process and its descendants) and of the worker, and the load average.

The quick kinds' latencies are also split by whether a dashboard was in flight
while they were, which shows where their tail comes from. ``--rate`` soaks at a
given rate instead (no peak run), e.g. the mix without dashboards
(``--weights submit=2,track=3,sync=4,dashboard=0``) at the full mix's rate.

Verdicts: per kind and overall, p99 <= 3 × p50 and no error (anything but 2xx/3xx,
or no answer). Memory is flat when the median of the last minute's samples is within
10 % of the first minute's (the windows are a third of the soak when it is shorter
than three minutes), for the server's processes together and for the worker.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import itertools
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from bench_api import (
    LUA_DONE,
    VENV_BIN,
    WARM_UP_SENDS,
    WRK,
    Prepared,
    Server,
    Target,
    headers,
    prepare,
    server_env,
    warm_up_submit,
    wrk,
)
from benchenv import bench_django, machine

KINDS = ("submit", "track", "sync", "dashboard")
DEFAULT_WEIGHTS = "submit=2,track=3,sync=4,dashboard=1"
SUBMIT_PATH = "/api/v1/aspirations"
SYNC_PATH = "/api/v1/aspirations"
TRACK_PATH = "/api/v1/track/"
DASHBOARD_PATH = "/staff/dashboard/"
#: The session cookie's name under the production settings (server_env sets
#: KAMTIBMAS_PRODUCTION=1); this process runs with the development settings.
SESSION_COOKIE = "__Host-kamtibmas_session"
#: Memory is flat when the last window's median RSS is within this share of the first's.
FLAT_WITHIN = 0.10
#: The windows compared, seconds (at most a third of the soak).
MEMORY_WINDOW = 60.0
P99_OVER_P50 = 3.0


@dataclass(frozen=True)
class Actors:
    """Who sends what: tokens, the staff session and the receipt codes to follow."""

    resident_token: str
    officer_token: str
    commander_session: str
    codes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Call:
    kind: str
    method: str
    path: str
    body: bytes | None
    headers: dict[str, str]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of soak")
    parser.add_argument("--peak-seconds", type=float, default=20.0, help="closed-loop run")
    parser.add_argument("--sample-seconds", type=float, default=5.0, help="memory samples")
    parser.add_argument("--aspirations", type=int, default=5_000)
    parser.add_argument("--weights", default=DEFAULT_WEIGHTS, help="e.g. %(default)s")
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="soak at this many requests/s instead of half the peak (no peak run): "
        "e.g. another mix's rate, to compare at the same load",
    )
    parser.add_argument("--workers", type=int, default=None, help="default: kamtibmas serve's")
    parser.add_argument("--threads", type=int, default=None, help="default: kamtibmas serve's")
    parser.add_argument(
        "--redis",
        default="",
        help="KAMTIBMAS_REDIS_URL for the server and worker (§9 shape 2), under a key "
        "prefix of this run's own; default: none (per-process caches)",
    )
    parser.add_argument("--output", type=Path, default=None, help="also write the report here")
    args = parser.parse_args()
    weights = weights_parse(args.weights)
    if WRK is None:
        sys.exit("wrk is missing: apt-get install wrk")
    if args.redis:
        os.environ["KAMTIBMAS_REDIS_URL"] = args.redis
        os.environ["KAMTIBMAS_REDIS_PREFIX"] = f"kamtibmas_soak_{os.getpid()}"
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(f"stopped by signal {signum}"))
    with bench_django() as database:
        prepared = prepare(args.aspirations)
        actors = actors_prepare()
        text = soak(database, prepared, actors, weights, args)
    print(text)
    if args.output is not None:
        args.output.write_text(text + "\n")


def weights_parse(text: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in text.split(","):
        kind, _, weight = part.partition("=")
        if kind.strip() not in KINDS or not weight.strip().isdigit():
            sys.exit(f"--weights: not KIND=N with KIND one of {', '.join(KINDS)}: {part!r}")
        found[kind.strip()] = int(weight)
    if not any(found.values()):
        sys.exit("--weights: all zero")
    return {kind: found.get(kind, 0) for kind in KINDS}


def actors_prepare() -> Actors:
    """Tokens for the demo resident and community officer, and a session for the Polres
    commander as after the code page: signed in, the second factor passed with the
    demo authenticator (what ``otp_login`` and ``session_start`` record)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import connections
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kamtibmas.accounts.middleware import SEEN_KEY, SIGNED_IN_KEY
    from kamtibmas.accounts.models import User
    from kamtibmas.accounts.services import api_token_issue

    _token, resident = api_token_issue(user=User.objects.get(username="warga"), name="soak")
    _token, officer = api_token_issue(user=User.objects.get(username="bhabin"), name="soak")
    commander = User.objects.get(username="kapolres")
    device = TOTPDevice.objects.get(user=commander, confirmed=True)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    now = int(time.time())
    session[SESSION_KEY] = str(commander.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = commander.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SIGNED_IN_KEY] = session[SEEN_KEY] = now
    session.set_expiry(settings.SESSION_COOKIE_AGE)
    session.create()
    key = session.session_key
    assert key is not None
    connections.close_all()
    return Actors(resident_token=resident, officer_token=officer, commander_session=key)


def calls(prepared: Prepared, actors: Actors) -> dict[str, list[Call]]:
    """Every request of each kind, taken in turn."""
    resident = headers(actors.resident_token)
    officer = {"Authorization": f"Bearer {actors.officer_token}"}
    commander = {"Cookie": f"{SESSION_COOKIE}={actors.commander_session}"}
    return {
        "submit": [
            Call("submit", "POST", SUBMIT_PATH, body.encode(), resident) for body in prepared.bodies
        ],
        "track": [Call("track", "GET", TRACK_PATH + code, None, {}) for code in actors.codes],
        "sync": [Call("sync", "GET", SYNC_PATH, None, officer)],
        "dashboard": [Call("dashboard", "GET", DASHBOARD_PATH, None, commander)],
    }


def send(connection: http.client.HTTPConnection, call: Call) -> tuple[int, bytes]:
    connection.request(call.method, call.path, body=call.body, headers=call.headers)
    response = connection.getresponse()
    return response.status, response.read()


def warm_up(port: int, prepared: Prepared, actors: Actors) -> Actors:
    """``bench_api``'s warm-up with the resident's token, the last pass keeping the
    receipt codes the tracking requests follow."""
    as_resident = dataclasses.replace(prepared, token=actors.resident_token)
    warm_up_submit(port, as_resident, WARM_UP_SENDS - 1)
    codes = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for call in calls(prepared, actors)["submit"]:
        status, content = send(connection, call)
        if status != 201:
            sys.exit(f"warm-up submit answered {status}: {content[:300]!r}")
        codes.append(json.loads(content)["receipt_code"])
    connection.close()
    return dataclasses.replace(actors, codes=codes)


def preflight(port: int, mix: dict[str, list[Call]]) -> None:
    """Each kind answers what it should before anything is timed: the dashboard a page,
    not the sign-in or code page it redirects to when the session is not right."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for kind, kind_calls in mix.items():
        status, content = send(connection, kind_calls[0])
        expected = 201 if kind == "submit" else 200
        if status != expected:
            sys.exit(f"{kind}: {kind_calls[0].path} answered {status}\n{content[:500]!r}")
    connection.close()


def lua_mix(directory: Path, mix: dict[str, list[Call]], weights: dict[str, int]) -> Path:
    """A wrk script sending the kinds by weight, each kind's requests in turn."""
    pieces = []
    for kind in KINDS:
        if not weights[kind]:
            continue
        requests = []
        for call in mix[kind]:
            body = (call.body or b"").decode()
            assert "]==]" not in body
            # ASCII only (paths, tokens, a cookie): a JSON string is then a Lua one.
            head = ", ".join(
                f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in call.headers.items()
            )
            body_lua = f"[==[{body}]==]" if call.body else "nil"
            method, path = json.dumps(call.method), json.dumps(call.path)
            requests.append(f"wrk.format({method}, {path}, {{{head}}}, {body_lua})")
        pieces.append((weights[kind], requests))
    lines = ["local kinds = {}", "local turn = {}", "local cumulative = {}", "local total = 0"]
    lines.append("init = function(args)")
    for number, (weight, requests) in enumerate(pieces, start=1):
        lines.append(f"  kinds[{number}] = {{" + ",\n    ".join(requests) + "}")
        lines.append(f"  turn[{number}] = math.random(#kinds[{number}])")
        lines.append(f"  total = total + {weight}; cumulative[{number}] = total")
    lines += [
        "end",
        "request = function()",
        "  local draw = math.random(total)",
        "  local k = 1",
        "  while cumulative[k] < draw do k = k + 1 end",
        "  turn[k] = turn[k] % #kinds[k] + 1",
        "  return kinds[k][turn[k]]",
        "end",
    ]  # fmt: skip
    script = directory / "mix.lua"
    script.write_text("\n".join(lines) + "\n" + LUA_DONE)
    return script


@dataclass
class Outcome:
    kind: str
    due: float  # seconds from the start of the schedule
    latency: float  # milliseconds, from when the request was due
    late: float  # seconds the request started after it was due
    failure: str  # "" when answered 2xx/3xx


def schedule(weights: dict[str, int], total: int) -> list[str]:
    """The kind of every request of the soak, drawn by weight in a fixed order."""
    rng = random.Random(12)
    kinds = [kind for kind in KINDS if weights[kind]]
    return rng.choices(kinds, weights=[weights[kind] for kind in kinds], k=total)


def open_loop_mix(
    port: int, mix: dict[str, list[Call]], kinds: list[str], rate: float
) -> list[Outcome]:
    """``bench_api.open_loop`` over a mix: request i, of kind ``kinds[i]``, is due at
    start + i / rate whatever the answers before it. A client thread per connection,
    enough that one is free when a request is due even behind a slow dashboard."""
    counter = itertools.count()
    turns = {kind: itertools.cycle(mix[kind]) for kind in KINDS if mix[kind]}
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    start = time.perf_counter() + 0.5

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while (index := next(counter)) < len(kinds):
            kind = kinds[index]
            with lock:
                call = next(turns[kind])
            due = start + index / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            began = time.perf_counter()
            try:
                status, _content = send(connection, call)
                failure = "" if 200 <= status < 400 else f"HTTP {status}"
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                failure = type(error).__name__
            finished = time.perf_counter()
            outcome = Outcome(
                kind, due - start, (finished - due) * 1000, max(0.0, began - due), failure
            )
            with lock:
                outcomes.append(outcome)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(max(16, int(rate / 4)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@dataclass
class Sample:
    at: float  # seconds from the start of the soak
    server_kb: int
    processes: int
    worker_kb: int
    load: float  # one-minute load average


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (granian's workers), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue += children.get(current, [])
    return found


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    """Memory of the server's processes and the worker, and the load, every few seconds."""

    def __init__(self, server_pid: int, worker_pid: int, every: float) -> None:
        super().__init__(daemon=True)
        self.server_pid, self.worker_pid, self.every = server_pid, worker_pid, every
        self.samples: list[Sample] = []
        self.stopped = threading.Event()
        self.start_time = time.perf_counter()

    def sample(self) -> None:
        pids = descendants(self.server_pid)
        self.samples.append(
            Sample(
                at=time.perf_counter() - self.start_time,
                server_kb=sum(rss_kb(pid) for pid in pids),
                processes=len(pids),
                worker_kb=rss_kb(self.worker_pid),
                load=os.getloadavg()[0],
            )
        )

    def run(self) -> None:
        self.sample()
        while not self.stopped.wait(self.every):
            self.sample()

    def stop(self) -> None:
        self.stopped.set()
        self.join()
        self.sample()


class Worker:
    """``kamtibmas worker`` beside the server, as in production."""

    def __init__(self) -> None:
        self.log = Path(os.environ["KAMTIBMAS_DATA_DIR"]) / "worker.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [str(VENV_BIN / "kamtibmas"), "worker"],
                env=server_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> int:
        """Stops it; its exit status (None while running means it had died: reported)."""
        alive = self.process.poll() is None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return 0 if alive else self.process.returncode


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


@dataclass(frozen=True)
class Memory:
    first_mb: float
    last_mb: float
    trend: float  # MB per minute, least squares over every sample
    flat: bool


def memory(samples: list[Sample], values: list[float], window: float) -> Memory:
    end = samples[-1].at
    first = [v for s, v in zip(samples, values, strict=True) if s.at <= window]
    last = [v for s, v in zip(samples, values, strict=True) if s.at >= end - window]
    first_mb, last_mb = statistics.median(first), statistics.median(last)
    slope = statistics.linear_regression([s.at / 60 for s in samples], values).slope
    return Memory(first_mb, last_mb, slope, abs(last_mb - first_mb) <= FLAT_WITHIN * first_mb)


def overlap_lines(outcomes: list[Outcome]) -> list[str]:
    """Where the tail of the quick kinds comes from: their latencies split by whether a
    dashboard was in flight (due and not yet answered) at any time during them."""
    dashboards = sorted(
        (o.due, o.due + o.latency / 1000) for o in outcomes if o.kind == "dashboard"
    )
    if not dashboards:
        return []
    quick = [o for o in outcomes if o.kind != "dashboard"]
    beside: list[float] = []
    alone: list[float] = []
    for outcome in quick:
        begin, end = outcome.due, outcome.due + outcome.latency / 1000
        overlapped = any(d_begin < end and begin < d_end for d_begin, d_end in dashboards)
        (beside if overlapped else alone).append(outcome.latency)
    found = []
    for name, values in (("beside a dashboard", beside), ("with none in flight", alone)):
        if values:
            p50, p99 = percentile(values, 50), percentile(values, 99)
            found.append(
                f"{name} {len(values):,}: p50 {p50:.1f} ms, p99 {p99:.1f} ms "
                f"= {p99 / p50:.1f} × p50"
            )
    return ["quick kinds (all but dashboard) " + "; ".join(found)]


def soak(
    database: str,
    prepared: Prepared,
    actors: Actors,
    weights: dict[str, int],
    args: argparse.Namespace,
) -> str:
    from granian import __version__ as granian_version

    server = Server(args.workers, args.threads)
    worker = Worker()
    try:
        found = re.findall(r"(\d+) workers × (\d+) threads", server.said)[0]
        workers, threads = map(int, found)
        connections = 2 * workers * threads
        print("warm-up", file=sys.stderr)
        actors = warm_up(server.port, prepared, actors)
        mix = calls(prepared, actors)
        preflight(server.port, mix)
        peak_rate, peak_errors = 0.0, 0
        if args.rate is None:
            with tempfile.TemporaryDirectory() as scripts:
                script = lua_mix(Path(scripts), mix, weights)
                target = Target("mix", "the mix, closed loop", "/")
                wrk(server.port, target, script, 2, connections)  # warm-up
                print("peak", file=sys.stderr)
                peak = wrk(server.port, target, script, args.peak_seconds, connections)
            peak_rate = peak["requests"] / (peak["duration_us"] / 1e6)
            peak_errors = int(
                sum(peak[e] for e in ("connect", "read", "write", "status", "timeout"))
            )
        rate = args.rate or peak_rate / 2
        kinds = schedule(weights, int(rate * args.duration))
        print(f"soak: {rate:.0f}/s for {args.duration:g} s", file=sys.stderr)
        sampler = Sampler(server.process.pid, worker.process.pid, args.sample_seconds)
        sampler.start()
        began = time.perf_counter()
        outcomes = open_loop_mix(server.port, mix, kinds, rate)
        elapsed = time.perf_counter() - began
        sampler.stop()
    finally:
        worker_status = worker.stop()
        server.stop()

    served = Counter(o.kind for o in outcomes)
    lines = [
        "Soak: residents submitting and tracking, officers syncing, commanders' dashboards "
        "(bench/bench_soak.py)",
        f"machine:  {machine()}",
        f"database: {database}",
        f"server:   kamtibmas serve: granian {granian_version}, {workers} workers × {threads} "
        "threads, production settings (KAMTIBMAS_SSL_REDIRECT=0 on loopback); kamtibmas "
        "worker beside it" + (f"; Redis cache {args.redis}" if args.redis else ""),
        f"data:     {prepared.aspirations:,} aspirations ({prepared.updates:,} updates) before "
        f"the run: the demo's and {args.aspirations:,} synthetic; each submit body sent "
        f"{WARM_UP_SENDS} times first ({len(actors.codes)} receipt codes kept to track)",
        "mix:      weights "
        + ", ".join(f"{kind} {weights[kind]}" for kind in KINDS)
        + f" ({SUBMIT_PATH} POST as the resident; {TRACK_PATH}<code>; {SYNC_PATH} GET as "
        f"the community officer; {DASHBOARD_PATH} as the Polres commander, signed in)",
        f"peak:     {peak_rate:,.1f} req/s closed loop (wrk, {connections} connections, "
        f"{args.peak_seconds:g} s, {peak_errors} errors: status >= 400 or no answer)"
        if args.rate is None
        else "peak:     not measured: the rate was given (--rate)",
        f"soak:     {rate:,.1f} req/s open loop for {args.duration:g} s: {len(kinds):,} "
        f"requests due, {len(outcomes):,} answered in {elapsed:.0f} s",
        "",
        f"{'':12}{'requests':>9}{'share':>7}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'p99/p50':>9}  verdict (p99 <= {P99_OVER_P50:g} × p50, no error)",
    ]
    everything_passed = True
    for kind in (*KINDS, "overall"):
        chosen = [o for o in outcomes if kind in (o.kind, "overall")]
        if not chosen:
            continue
        latencies = [o.latency for o in chosen]
        errors = sum(1 for o in chosen if o.failure)
        p50, p95, p99 = (percentile(latencies, q) for q in (50, 95, 99))
        passed = p99 <= P99_OVER_P50 * p50 and errors == 0
        everything_passed &= passed
        lines.append(
            f"{kind:12}{len(chosen):9,}{len(chosen) / len(outcomes):7.0%}{errors:8d}"
            f"{p50:9.1f}{p95:9.1f}{p99:9.1f}{p99 / p50:9.1f}  {'PASS' if passed else 'FAIL'}"
        )
    failures = Counter((o.kind, o.failure) for o in outcomes if o.failure)
    if failures:
        lines.append(
            "errors:   "
            + "; ".join(f"{kind} {failure} × {n}" for (kind, failure), n in failures.items())
        )
    if len(outcomes) != len(kinds):
        lines.append(f"missing:  {len(kinds) - len(outcomes)} requests never answered")
    lines += overlap_lines(outcomes)
    lates = [o.late * 1000 for o in outcomes]
    lines.append(
        f"schedule: the client started requests at most {max(lates):.0f} ms after they were "
        f"due (p99 {percentile(lates, 99):.1f} ms, median {statistics.median(lates):.1f} ms; "
        f"{sum(1 for late in lates if late > 10):,} more than 10 ms late)"
    )
    lines.append(
        "by kind:  " + ", ".join(f"{kind} {served[kind]:,}" for kind in KINDS if served[kind])
    )

    samples = sampler.samples
    window = min(MEMORY_WINDOW, samples[-1].at / 3)
    server_mem = memory(samples, [s.server_kb / 1024 for s in samples], window)
    worker_mem = memory(samples, [s.worker_kb / 1024 for s in samples], window)
    loads = [s.load for s in samples]
    lines += [
        "",
        f"memory:   RSS every {args.sample_seconds:g} s, {len(samples)} samples; the medians "
        f"of the first and the last {window:.0f} s compared; flat = within "
        f"{FLAT_WITHIN:.0%} of the first",
    ]
    for name, found_mem in (
        (f"server ({samples[-1].processes} processes)", server_mem),
        ("worker", worker_mem),
    ):
        change = found_mem.last_mb / found_mem.first_mb - 1
        lines.append(
            f"  {name:26}{found_mem.first_mb:8.1f} MB → {found_mem.last_mb:8.1f} MB "
            f"({change:+.1%}), trend {found_mem.trend:+.2f} MB/min  "
            f"{'flat' if found_mem.flat else 'NOT FLAT'}"
        )
    counts = sorted({s.processes for s in samples})
    if len(counts) > 1:
        lines.append(f"  the server's process count changed during the soak: {counts}")
    if worker_status:
        lines.append(f"  the worker had stopped before the end (status {worker_status})")
    lines.append(
        f"load:     1-minute load average during the soak min {min(loads):.2f}, median "
        f"{statistics.median(loads):.2f}, max {max(loads):.2f} ({os.cpu_count()} CPUs)"
    )
    verdict = (
        everything_passed
        and not failures
        and len(outcomes) == len(kinds)
        and server_mem.flat
        and worker_mem.flat
    )
    lines.append(
        f"verdict:  {'PASS' if verdict else 'FAIL'} (every kind p99 <= {P99_OVER_P50:g} × p50, "
        "no error, memory flat)"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
