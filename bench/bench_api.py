"""§9 P1-P3: the HTTP interfaces under the production server, as ratios to the
baselines J0, D0 and W0 measured in the same run, by the same server.

    .venv/bin/python bench/bench_api.py                 # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_api.py
    .venv/bin/python bench/bench_api.py --duration 5 --rounds 1 --aspirations 2000   # quicker

1. A fresh database (``benchenv``) filled by ``kamtibmas bench_data``: the demo plus
   ``--aspirations`` synthetic cases with their histories; an API token for the demo's
   desk officer (``spkt``); static files collected.
2. ``kamtibmas serve`` on a free loopback port, in production mode
   (``KAMTIBMAS_PRODUCTION=1``; ``KAMTIBMAS_SSL_REDIRECT=0``, as there is no TLS on
   loopback; ``KAMTIBMAS_BENCH_BASELINES=1`` for ``/bench/baselines/``).
3. Every figure with wrk (Debian's ``wrk``) for ``--duration`` seconds, in
   ``--rounds`` rounds (medians reported), after a one-second warm-up: closed loop
   with 2 × workers × threads connections, or one connection where §9 says
   "serially". Then P3 at half its peak rate with an open-loop client (below): wrk
   has no fixed-rate mode. Before the first round every P3 body is sent six times
   (``warm_up_submit``): its RW exists and every server process holds the reference
   data of its place, as on a server that has run for a while.

Targets: P1 ``requests.json`` with 100 items >= 0.3 x D0; P2 ``services.json``,
``/healthz`` and public pages >= 0.6 x J0; P3 aspiration submit (``POST
/api/v1/aspirations``: validate, triage, insert, audit, outbox in one transaction)
>= 0.25 x W0 serially, and at half its peak rate p99 <= 3 x p50 with no error.

Open311 lists are kept a few seconds per question while no case changes
(``KAMTIBMAS_OPEN311_LIST_CACHE_SECONDS``), as clients poll the same lists: P1 is
measured as they ask, and again with a new question every request (``start_date``
a second later each time), each answer built afresh, for information.

No throttle is raised: the public reads and the token-authenticated submit are not
rate-limited (only receipt-code lookups, public triage and keyless Open311 posts are).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchenv import bench_django, machine

VENV_BIN = Path(sys.executable).parent
WRK = shutil.which("wrk")
TRIAGE_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kamtibmas"
P3_BODIES = 400
#: How often each P3 body is sent before timing (warm_up_submit).
WARM_UP_SENDS = 6
P1_ITEMS = 100


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    path: str
    method: str = "GET"
    serial: bool = False
    cold: bool = False  # every request asks another question: no answer is reused
    baseline: str = ""  # the key of the baseline it is a ratio to
    minimum: float = 0.0  # the target ratio


@dataclass
class Measured:
    rates: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)  # milliseconds
    p95: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    errors: int = 0
    requests: int = 0

    def add(self, found: dict[str, float]) -> None:
        self.rates.append(found["requests"] / (found["duration_us"] / 1e6))
        for name in ("p50", "p95", "p99"):
            getattr(self, name).append(found[name] / 1000)
        self.errors += int(sum(found[e] for e in ("connect", "read", "write", "status", "timeout")))
        self.requests += int(found["requests"])

    @property
    def rate(self) -> float:
        return statistics.median(self.rates)

    def percentile(self, name: str) -> float:
        return statistics.median(getattr(self, name))


def targets(d0_pk: int) -> list[Target]:
    return [
        Target("J0", "J0 minimal JSON view", "/bench/baselines/j0"),
        Target("D0", "D0 one row by primary key", f"/bench/baselines/d0/{d0_pk}"),
        Target("P1", "P1 Open311 requests.json, 100 items",
               f"/open311/v2/requests.json?page_size={P1_ITEMS}", baseline="D0", minimum=0.3),
        Target("P1c", "P1 the same, each a new question (info)",
               f"/open311/v2/requests.json?page_size={P1_ITEMS}", baseline="D0", cold=True),
        Target("P2s", "P2 Open311 services.json", "/open311/v2/services.json",
               baseline="J0", minimum=0.6),
        Target("P2h", "P2 /healthz", "/healthz", baseline="J0", minimum=0.6),
        Target("P2p", "P2 public page / (home)", "/", baseline="J0", minimum=0.6),
        Target("P2e", "P2 public page /events/", "/events/", baseline="J0", minimum=0.6),
        Target("W0", "W0 raw INSERT+COMMIT, serially", "/bench/baselines/w0",
               method="POST", serial=True),
        Target("P3s", "P3 submit, serially", "/api/v1/aspirations",
               method="POST", serial=True, baseline="W0", minimum=0.25),
        Target("W0p", "W0 raw INSERT+COMMIT, concurrent (info)", "/bench/baselines/w0",
               method="POST"),
        Target("P3p", "P3 submit, concurrent: its peak", "/api/v1/aspirations", method="POST"),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--aspirations", type=int, default=5_000)
    parser.add_argument("--workers", type=int, default=None, help="default: kamtibmas serve's")
    parser.add_argument("--threads", type=int, default=None, help="default: kamtibmas serve's")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated figures, e.g. P3s or P2p,P2e (their baselines come along); "
        "the half-peak P3 run needs P3p",
    )
    args = parser.parse_args()
    if WRK is None:
        sys.exit("wrk is missing: apt-get install wrk")
    # Stopped from outside: still stop the server and drop the scratch database.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(f"stopped by signal {signum}"))
    with bench_django() as database:
        prepared = prepare(args.aspirations)
        report(database, prepared, args)


@dataclass(frozen=True)
class Prepared:
    token: str
    d0_pk: int
    bodies: list[str]
    aspirations: int
    updates: int


def prepare(count: int) -> Prepared:
    """The data, the token, the P3 bodies, the model file and the static files."""
    import io

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    from kamtibmas.accounts.models import User
    from kamtibmas.accounts.services import api_token_issue
    from kamtibmas.areas.models import Area
    from kamtibmas.aspirations.demo import KAYURINGIN
    from kamtibmas.aspirations.models import Aspiration, AspirationUpdate
    from kamtibmas.triage.classifier import active_model

    # The corpus-trained model is kept between runs as the test settings keep it; the
    # server's workers then load it from the data directory instead of training.
    settings.KAMTIBMAS_TRIAGE_CACHE_DIR = TRIAGE_CACHE / "triage"
    active_model()
    started = time.perf_counter()
    call_command("bench_data", aspirations=count, stdout=io.StringIO())
    print(f"bench_data: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if connection.vendor == "postgresql":
        # What autovacuum does within a minute of a bulk load: without statistics
        # the planner joins every case of the window before taking the newest 100.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    _token, raw = api_token_issue(user=User.objects.get(username="spkt"), name="bench")
    prepared = Prepared(
        token=raw,
        d0_pk=Area.objects.get(code=KAYURINGIN).pk,
        bodies=submit_bodies(),
        aspirations=Aspiration.objects.count(),
        updates=AspirationUpdate.objects.count(),
    )
    connections.close_all()
    subprocess.run(
        [VENV_BIN / "kamtibmas", "collectstatic", "--noinput", "-v0"],
        env=server_env(),
        check=True,
    )
    return prepared


def submit_bodies() -> list[str]:
    """P3's request bodies: cases drawn as the demo draws them, as JSON for the API."""
    from kamtibmas.areas.models import Area, AreaLevel
    from kamtibmas.aspirations.demo import TEMPLATES, case_spec, render

    villages = list(
        Area.objects.filter(level=AreaLevel.VILLAGE, code__startswith="32.75.").order_by("code")
    )
    rng = random.Random(31)
    bodies = []
    for key in range(P3_BODIES):
        village = rng.choice(villages)
        spec = case_spec(rng, key, village.code)
        body: dict[str, object] = {
            "text": render(TEMPLATES[spec.template], spec.slots, village.name),
            "area": village.code,
            "rw": spec.rw,
            "privacy": spec.privacy,
        }
        if spec.privacy != "anonymous":
            body |= {
                name: value
                for name in ("reporter_name", "reporter_phone", "reporter_email", "notify_by")
                if (value := getattr(spec, name))
            }
        bodies.append(json.dumps(body, ensure_ascii=False))
    return bodies


def server_env() -> dict[str, str]:
    return {
        **os.environ,
        "KAMTIBMAS_PRODUCTION": "1",
        "KAMTIBMAS_SSL_REDIRECT": "0",
        "KAMTIBMAS_ALLOWED_HOSTS": "127.0.0.1",
        "KAMTIBMAS_BENCH_BASELINES": "1",
        # Printed on certificates and aid cards; never reached in a benchmark.
        "KAMTIBMAS_PUBLIC_URL": "https://kamtibmas.bench.invalid",
        "KAMTIBMAS_DPO_CONTACT": "dpo@kamtibmas.bench.invalid",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``kamtibmas serve`` in a subprocess, as an operator starts it."""

    def __init__(self, workers: int | None, threads: int | None) -> None:
        self.port = free_port()
        self.log = Path(os.environ["KAMTIBMAS_DATA_DIR"]) / "serve.log"
        command = [str(VENV_BIN / "kamtibmas"), "serve", "--bind", f"127.0.0.1:{self.port}"]
        if workers:
            command += ["--workers", str(workers)]
        if threads:
            command += ["--threads", str(threads)]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, env=server_env(), stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_ready()
        self.said = self.log.read_text()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"kamtibmas serve stopped:\n{self.log.read_text()}")
            try:
                if fetch(self.port, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        sys.exit(f"kamtibmas serve did not answer /healthz:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def fetch(
    port: int, method: str, path: str, body: str | None = None, token: str = ""
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body and body.encode(), headers=headers(token))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def headers(token: str) -> dict[str, str]:
    found = {"Content-Type": "application/json"}
    if token:
        found["Authorization"] = f"Bearer {token}"
    return found


def warm_up_submit(port: int, prepared: Prepared, times: int = WARM_UP_SENDS) -> None:
    """Every P3 body sent ``times`` times before anything is timed: the RW areas the
    bodies name then exist, and each server process holds the reference data of
    their places (``core.reference``), as on a server that has run for a while. A
    new area renews the reference stamp, so without this the first rounds would
    time processes refilling their memory after every new RW. Each send opens its own
    connection, which the server hands to any of its processes: after six sends a
    place is missing from a process's memory with a chance of about one in 32 (two
    processes), where wrk's one kept-alive connection would warm only one."""
    for body in prepared.bodies * times:
        status, content = fetch(port, "POST", "/api/v1/aspirations", body, prepared.token)
        if status != 201:
            sys.exit(f"warm-up submit answered {status}: {content[:300]!r}")


def preflight(port: int, prepared: Prepared, plan: list[Target]) -> None:
    """Each address answers what it should before it is timed."""
    for target in plan:
        body = prepared.bodies[0] if target.method == "POST" else None
        status, content = fetch(port, target.method, target.path, body, prepared.token)
        expected = 201 if target.method == "POST" else 200
        if status != expected:
            sys.exit(f"{target.method} {target.path}: {status}, not {expected}\n{content[:500]!r}")
        if target.key.startswith("P1"):
            items = len(json.loads(content))
            if items != P1_ITEMS:
                sys.exit(f"requests.json answered {items} requests, not {P1_ITEMS}")


LUA_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\\"requests\\": %d, \\"duration_us\\": %d, \\"connect\\": %d, \\"read\\": %d, "
    .. "\\"write\\": %d, \\"status\\": %d, \\"timeout\\": %d, \\"p50\\": %d, \\"p95\\": %d, "
    .. "\\"p99\\": %d}\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


# Open311 lists are kept a few seconds per question: here each request names
# another start_date (a second later, within the last 90 days; a thread's own range
# each), so every answer is built afresh. The newest 100 cases are the same.
LUA_COLD = """
local threads = 0
setup = function(thread)
  thread:set("offset", threads * 1000000)
  threads = threads + 1
end
local first = os.time() - 89 * 86400
local i = 0
request = function()
  i = i + 1
  local start = os.date("!%Y-%m-%dT%H:%M:%SZ", first + offset + i)
  return wrk.format(nil, wrk.path .. "&start_date=" .. start)
end
"""


def lua_script(directory: Path, bodies: list[str], token: str) -> tuple[Path, Path, Path]:
    """wrk scripts: one that only reports, one that POSTs the bodies in turn, one
    that asks a new question each time."""
    plain = directory / "report.lua"
    plain.write_text(LUA_DONE)
    cold = directory / "cold.lua"
    cold.write_text(LUA_COLD + LUA_DONE)
    quoted = []
    for body in bodies:
        assert "]==]" not in body
        quoted.append(f"[==[{body}]==]")
    post = directory / "post.lua"
    post.write_text(
        "local bodies = {" + ",\n".join(quoted) + "}\n"
        "local headers = {['Content-Type'] = 'application/json', "
        f"['Authorization'] = 'Bearer {token}'}}\n"
        "local i = math.random(#bodies)\n"
        "request = function()\n"
        "  i = i % #bodies + 1\n"
        "  return wrk.format('POST', nil, headers, bodies[i])\n"
        "end\n" + LUA_DONE
    )
    return plain, post, cold


def wrk(
    port: int, target: Target, script: Path, seconds: float, connections: int
) -> dict[str, float]:
    if target.serial:
        connections = 1
    command = [
        str(WRK),
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}{target.path}",
    ]
    for _attempt in range(3):
        run = subprocess.run(command, capture_output=True, text=True, check=False)
        # On a shared machine wrk is sometimes stopped from outside: measure again.
        if run.returncode >= 0:
            break
        print(f"wrk stopped by signal {-run.returncode}; again", file=sys.stderr)
    run.check_returncode()
    output = run.stdout
    found = re.search(r"^WRKJSON (.*)$", output, re.MULTILINE)
    if found is None:
        sys.exit(f"wrk said:\n{output}")
    result: dict[str, float] = json.loads(found.group(1))
    return result


@dataclass
class OpenLoop:
    rate: float
    sent: int
    latencies: list[float]  # milliseconds, from when each request was due
    errors: int
    late: float  # how far behind the schedule the client fell at most, seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def open_loop(port: int, prepared: Prepared, rate: float, seconds: float) -> OpenLoop:
    """P3 at a fixed rate: request i is due at start + i / rate whatever the answers
    before it (wrk2's open loop), and its latency counts from then, queueing in the
    client included. Enough threads that one is free when a request is due."""
    total = int(rate * seconds)
    counter = itertools.count()
    latencies: list[float] = []
    errors = [0]
    late = [0.0]
    lock = threading.Lock()
    start = time.perf_counter() + 0.5

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while (index := next(counter)) < total:
            due = start + index / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            body = prepared.bodies[index % len(prepared.bodies)].encode()
            began = time.perf_counter()
            try:
                connection.request("POST", "/api/v1/aspirations", body, headers(prepared.token))
                response = connection.getresponse()
                response.read()
                failed = response.status != 201
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                failed = True
            finished = time.perf_counter()
            with lock:
                latencies.append((finished - due) * 1000)
                errors[0] += failed
                late[0] = max(late[0], began - due)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(max(8, int(rate / 10)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return OpenLoop(rate=rate, sent=total, latencies=latencies, errors=errors[0], late=late[0])


def report(database: str, prepared: Prepared, args: argparse.Namespace) -> None:
    from granian import __version__ as granian_version

    plan = targets(prepared.d0_pk)
    if args.only:
        wanted = {key.strip() for key in args.only.split(",")}
        wanted |= {target.baseline for target in plan if target.key in wanted}
        plan = [target for target in plan if target.key in wanted]
    server = Server(args.workers, args.threads)
    try:
        workers, threads = map(int, re.findall(r"(\d+) workers × (\d+) threads", server.said)[0])
        connections = 2 * workers * threads
        preflight(server.port, prepared, plan)
        if any(target.method == "POST" for target in plan):
            warm_up_submit(server.port, prepared)
        measured = {target.key: Measured() for target in plan}
        with tempfile.TemporaryDirectory() as scripts:
            plain, post, cold = lua_script(Path(scripts), prepared.bodies, prepared.token)
            for round_number in range(args.rounds):
                for target in plan:
                    script = post if target.method == "POST" else cold if target.cold else plain
                    wrk(server.port, target, script, 1, connections)  # warm-up
                    measured[target.key].add(
                        wrk(server.port, target, script, args.duration, connections)
                    )
                print(f"round {round_number + 1} of {args.rounds} done", file=sys.stderr)
        steady = None
        if "P3p" in measured:
            half = measured["P3p"].rate / 2
            steady = open_loop(server.port, prepared, half, args.duration * args.rounds)
    finally:
        server.stop()

    lines = [
        "P1-P3: the HTTP interfaces under the production server (bench/bench_api.py)",
        f"machine:  {machine()}",
        f"database: {database}",
        f"server:   kamtibmas serve: granian {granian_version}, {workers} workers × {threads} "
        "threads, production settings (KAMTIBMAS_SSL_REDIRECT=0 on loopback)",
        f"data:     {prepared.aspirations:,} aspirations ({prepared.updates:,} updates): the "
        f"demo's and {args.aspirations:,} synthetic",
        f"load:     wrk, {connections} connections (1 where serially), {args.duration:g} s per "
        f"figure, {args.rounds} rounds: medians; each P3 body sent {WARM_UP_SENDS} times first",
        "limits:   none raised (the reads and the token-authenticated submit are not throttled)",
        "",
        f"{'':44}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'errors':>8}"
        f"{'ratio':>14}  verdict",
    ]
    for target in plan:
        found = measured[target.key]
        ratio, verdict = "", ""
        if target.baseline:
            value = found.rate / measured[target.baseline].rate
            ratio = f"{value:.2f} × {target.baseline}"
        if target.minimum:
            passed = value >= target.minimum and found.errors == 0
            verdict = f"{'PASS' if passed else 'FAIL'} (>= {target.minimum} × {target.baseline})"
        lines.append(
            f"{target.label:44}{found.rate:8,.0f}{found.percentile('p50'):8.1f}"
            f"{found.percentile('p95'):8.1f}{found.percentile('p99'):8.1f}"
            f"{found.errors:8d}{ratio:>14}  {verdict}"
        )
    if steady is None:
        print("\n".join(lines))
        return
    p50, p95, p99 = (steady.percentile(q) for q in (50, 95, 99))
    passed = p99 <= 3 * p50 and steady.errors == 0 and len(steady.latencies) == steady.sent
    lines.append(
        f"{f'P3 submit at half its peak, {half:,.0f}/s open loop':44}"
        f"{len(steady.latencies) / (args.duration * args.rounds):8,.0f}{p50:8.1f}{p95:8.1f}"
        f"{p99:8.1f}{steady.errors:8d}{f'p99 {p99 / p50:.1f} × p50':>14}  "
        f"{'PASS' if passed else 'FAIL'} (p99 <= 3 × p50, no error)"
    )
    lines.append(
        f"  (open loop: {steady.sent:,} requests; the client fell at most "
        f"{steady.late * 1000:.0f} ms behind its schedule)"
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
