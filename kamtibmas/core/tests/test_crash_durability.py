"""Crash durability (issue 12 point 2; SECURITY.md 18 and 19), Jepsen-style.

Field clients send reports (``POST /api/v1/aspirations``, each with its own
``Idempotency-Key``) to ``kamtibmas serve`` run the production way on a PostgreSQL
cluster of this test's own (``pgcluster``), while a chaos thread SIGKILLs the whole
server (granian and its workers) at random moments and starts it again, and once
crashes the database (``pg_ctl restart -m immediate``) under load. Between the
clients and the server a lossy network (a small proxy) loses a fifth of the answers
on their way back, after the server did the work, as a phone losing its signal
would: a SIGKILL alone rarely lands between a commit and its answer. A request that
gets no answer (connection refused or reset, timeout), a 5xx or a 409 "still in
flight" is sent again with the same key and body, with backoff, as the field app
does. Every attempt and its answer is recorded; afterwards the database is read and
the history checked:

- every request answered 2xx has exactly one case: the number in its answer, with
  its text; all its answers are the same bytes;
- no text is stored twice; a request never answered 2xx is stored at most once;
- the idempotency ledger holds, for every answered request, the very answer the
  client got; every case has a completed ledger row, and an unfinished row (its
  request killed after the claim) has no case: the record and its answer commit
  together or not at all;
- no retry was refused as another request (422) or otherwise rejected.

Then the claims left by killed requests are aged past ``IN_FLIGHT_TIMEOUT`` (as if
the phone came back online later) and every request not yet answered is sent once
more: now each request is stored exactly once.

The random choices (bodies, keys, pauses, when to kill, when to crash the database)
come from one seed, printed with every failure; ``KAMTIBMAS_CRASH_SEED=<seed>``
replays them (the interleaving with the server's timing can still differ). The test
needs Debian's PostgreSQL binaries; without them it skips, unless
``KAMTIBMAS_REQUIRE_CRASH_TESTS=1`` (CI), where it fails.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import secrets
import signal
import socket
import struct
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kamtibmas.core.tests import pgcluster
from kamtibmas.core.tests.production import kamtibmas, production_environment
from kamtibmas.core.tests.test_serve_command import free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

CLIENTS = 4
SERVER_KILLS = 4
ANSWERS_LOST = 0.2  # the share of answers the network loses on the way back
MAX_REQUESTS_PER_CLIENT = 200  # a bound; the clients stop when the chaos ends
MAX_ATTEMPTS = 10
REQUEST_TIMEOUT = 15.0
DATABASE_CRASHED = "database crashed"
VILLAGES = {"32.75.04.1005": "Kayuringin Jaya", "32.75.01.1002": "Margahayu"}

SETUP = """
import json
from kamtibmas.accounts.models import Role, User
from kamtibmas.accounts.services import api_token_issue
from kamtibmas.areas.models import AreaKind, AreaLevel, UnitKind
from kamtibmas.areas.services import area_create, unit_create

jabar = area_create(code="32", name="Jawa Barat", level=AreaLevel.PROVINCE,
                    kind=AreaKind.PROVINSI, parent=None)
kota = area_create(code="32.75", name="Kota Bekasi", level=AreaLevel.REGENCY,
                   kind=AreaKind.KOTA, parent=jabar)
selatan = area_create(code="32.75.04", name="Bekasi Selatan", level=AreaLevel.DISTRICT,
                      kind=AreaKind.KECAMATAN, parent=kota)
timur = area_create(code="32.75.01", name="Bekasi Timur", level=AreaLevel.DISTRICT,
                    kind=AreaKind.KECAMATAN, parent=kota)
area_create(code="32.75.04.1005", name="Kayuringin Jaya", level=AreaLevel.VILLAGE,
            kind=AreaKind.KELURAHAN, parent=selatan)
area_create(code="32.75.01.1002", name="Margahayu", level=AreaLevel.VILLAGE,
            kind=AreaKind.KELURAHAN, parent=timur)
polres = unit_create(name="Polres Metro Bekasi Kota", kind=UnitKind.POLRES, coverage=[kota])
unit_create(name="Polsek Bekasi Selatan", kind=UnitKind.POLSEK, parent=polres,
            coverage=[selatan], area=selatan)
unit_create(name="Polsek Bekasi Timur", kind=UnitKind.POLSEK, parent=polres,
            coverage=[timur], area=timur)
officer = User.objects.create_user(username="bhabin.crash", password="correct horse battery",
                                   role=Role.COMMUNITY_OFFICER, unit=polres)
_token, raw = api_token_issue(user=officer, name="crash durability")
print("CRASH-SETUP " + json.dumps({"token": raw, "client": f"user:{officer.pk}"}))
"""

SNAPSHOT = """
import json
from kamtibmas.aspirations.models import Aspiration
from kamtibmas.core.models import IdempotencyKey
print("CRASH-SNAPSHOT " + json.dumps({
    "cases": [{"number": a.number, "text": a.text} for a in Aspiration.objects.order_by("pk")],
    "ledger": [
        {"client": k.client, "key": k.key, "state": k.state, "status": k.status_code,
         "body": k.body}
        for k in IdempotencyKey.objects.order_by("pk")
    ],
}))
"""

# As if IN_FLIGHT_TIMEOUT had passed: the phone comes back online much later.
AGE_CLAIMS = """
from kamtibmas.core.idempotency import IN_FLIGHT_TIMEOUT
from kamtibmas.core.models import IdempotencyKey, IdempotencyState
from django.db.models import F
IdempotencyKey.objects.filter(state=IdempotencyState.IN_FLIGHT).update(
    locked_at=F("locked_at") - IN_FLIGHT_TIMEOUT * 2)
"""


@dataclass
class Attempt:
    status: int | None  # None: no answer (refused, reset, timed out)
    body: str = ""
    replayed: bool = False
    error: str = ""


@dataclass
class Request:
    client: int
    n: int
    key: str
    payload: dict[str, Any]
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def marker(self) -> str:
        return f"[ref {self.client}-{self.n}]"

    @property
    def answers(self) -> list[Attempt]:
        return [a for a in self.attempts if a.status is not None and 200 <= a.status < 300]

    def describe(self) -> str:
        tried = ", ".join(
            str(a.status) if a.status is not None else f"no answer ({a.error})"
            for a in self.attempts
        )
        return f"{self.marker} key {self.key}: {tried}"


def _payload(rng: random.Random, client: int, n: int) -> dict[str, Any]:
    """A case drawn as the demo draws them (bench/bench_api.py's submit bodies), its
    text made unique by a reference."""
    from kamtibmas.aspirations.demo import TEMPLATES, case_spec, render

    code = rng.choice(sorted(VILLAGES))
    spec = case_spec(rng, n, code)
    text = render(TEMPLATES[spec.template], spec.slots, VILLAGES[code])
    payload: dict[str, Any] = {
        "text": f"{text} [ref {client}-{n}]",
        "area": code,
        "privacy": spec.privacy,
    }
    if spec.privacy != "anonymous":
        payload |= {
            name: value
            for name in ("reporter_name", "reporter_phone", "reporter_email", "notify_by")
            if (value := getattr(spec, name))
        }
    return payload


def _shell(environment: dict[str, str], code: str, marker: str = "") -> Any:
    """Run ``code`` in ``kamtibmas shell``; the JSON it printed after ``marker``."""
    done = subprocess.run(
        kamtibmas("shell", "--command", code),
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    if not marker:
        return None
    for line in done.stdout.splitlines():
        if line.startswith(marker + " "):
            return json.loads(line[len(marker) + 1 :])
    raise AssertionError(f"no {marker} line in:\n{done.stdout}{done.stderr}")


class Server:
    """``kamtibmas serve`` in a process group of its own, killed and started again
    on a new port each time (a killed server's port may linger)."""

    def __init__(self, environment: dict[str, str], logs: Path) -> None:
        self.environment = environment
        self.logs = logs
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.started = 0
        self.lock = threading.Lock()

    def start(self) -> None:
        port = free_port()
        self.started += 1
        log = self.logs / f"serve-{self.started}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                kamtibmas("serve", f"--bind=127.0.0.1:{port}", "--workers=1", "--threads=2"),
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: granian's workers too
            )
        self.process = process
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except (OSError, http.client.HTTPException):
                pass
            assert time.monotonic() < deadline, "the server did not answer in 90 s"
            time.sleep(0.1)
        with self.lock:
            self.port = port

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crash or the OOM killer would."""
        process = self.process
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)
        self.process = None

    def current_port(self) -> int:
        with self.lock:
            return self.port


def _read_message(connection: socket.socket) -> bytes:
    """One HTTP message (headers, then ``Content-Length`` bytes or up to the end)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the end of the headers")
        data += chunk
    head, _blank, body = data.partition(b"\r\n\r\n")
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _colon, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while length is None or len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            if length is None:
                break
            raise ConnectionError("closed before the end of the body")
        body += chunk
    return head + b"\r\n\r\n" + body


class LossyNetwork:
    """A proxy between the clients and whichever server runs: it loses some answers
    on their way back (a phone losing its signal), after the server has done the
    work. Without it a SIGKILL would rarely land in the short moment between a
    commit and its answer; with it, requests that were stored but never answered
    are common, and their retries must replay, not store again."""

    def __init__(self, server: Server, rng: random.Random, loss: float) -> None:
        self.server = server
        self.rng = rng
        self.loss = loss
        self.lost: Counter[str] = Counter()  # answers lost, by status
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._carry, args=(client,), daemon=True).start()

    def _carry(self, client: socket.socket) -> None:
        answered = False
        try:
            client.settimeout(REQUEST_TIMEOUT)
            request = _read_message(client)
            with socket.create_connection(
                ("127.0.0.1", self.server.current_port()), timeout=REQUEST_TIMEOUT
            ) as upstream:
                upstream.sendall(request)
                answer = _read_message(upstream)
            status = answer[9:12].decode(errors="replace")
            with self.lock:
                # The first answer to a stored report is always lost: every run
                # tests a replay, however few requests it sends.
                lose = self.rng.random() < self.loss or (status == "201" and not self.lost[status])
                if lose:
                    self.lost[status] += 1
            if not lose:
                client.sendall(answer)
                answered = True
        except (OSError, ValueError):
            pass  # the server died, or was not there: no answer
        finally:
            if not answered:  # a reset, as when the signal goes
                with contextlib.suppress(OSError):
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()

    def close(self) -> None:
        self.listener.close()


def _send(base: str, token: str, request: Request) -> Attempt:
    body = json.dumps(request.payload, ensure_ascii=False).encode()
    prepared = urllib.request.Request(  # noqa: S310 (our own server)
        f"{base}/api/v1/aspirations",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": request.key,
        },
    )
    try:
        with urllib.request.urlopen(prepared, timeout=REQUEST_TIMEOUT) as answer:  # noqa: S310
            return Attempt(
                answer.status,
                answer.read().decode(),
                answer.headers.get("Idempotent-Replayed") == "true",
            )
    except urllib.error.HTTPError as error:
        return Attempt(error.code, error.read().decode(errors="replace"))
    except (OSError, http.client.HTTPException) as error:
        return Attempt(None, error=type(error).__name__)


def _retriable(attempt: Attempt) -> bool:
    """What the field app sends again: no answer, a server error, or "still in
    flight"."""
    return attempt.status is None or attempt.status >= 500 or attempt.status == 409


def _deliver(base: str, token: str, request: Request, rng: random.Random) -> None:
    """Send until answered for good, at most ``MAX_ATTEMPTS`` times, with backoff."""
    for n in range(MAX_ATTEMPTS):
        attempt = _send(base, token, request)
        request.attempts.append(attempt)
        if not _retriable(attempt):
            return
        time.sleep(min(2.0, 0.1 * 2**n) * (0.5 + rng.random()))


def _chaos(
    server: Server,
    cluster: pgcluster.Cluster,
    rng: random.Random,
    events: list[str],
    stop: threading.Event,
) -> None:
    """Kill the server ``SERVER_KILLS`` times at random moments, and crash the
    database once, between two of them, while the server is up."""
    crash_database_after = rng.randrange(1, SERVER_KILLS - 1)
    for kill in range(SERVER_KILLS):
        if stop.wait(rng.uniform(0.5, 3.0)):
            return
        server.kill()
        killed = time.monotonic()
        server.start()
        events.append(f"server killed, up after {time.monotonic() - killed:.1f} s")
        if kill == crash_database_after:
            time.sleep(rng.uniform(0.3, 1.5))
            crashed = time.monotonic()
            cluster.restart("immediate")
            events.append(f"{DATABASE_CRASHED}, up after {time.monotonic() - crashed:.1f} s")
    time.sleep(rng.uniform(0.3, 1.0))


def _check(history: list[Request], snapshot: dict[str, Any], client: str) -> list[str]:
    """What the history and the database must agree on (the module's docstring)."""
    problems: list[str] = []
    cases = snapshot["cases"]
    by_number = {case["number"]: case for case in cases}
    markers = Counter(
        request.marker for request in history for case in cases if request.marker in case["text"]
    )
    texts = Counter(case["text"] for case in cases)
    problems += [
        f"text stored {count} times: {text!r}" for text, count in texts.items() if count > 1
    ]
    ledger = {(row["client"], row["key"]): row for row in snapshot["ledger"]}
    for request in history:
        stored = markers[request.marker]
        answers = request.answers
        row = ledger.get((client, request.key))
        refused = [
            a.status
            for a in request.attempts
            if a.status is not None and 400 <= a.status < 500 and a.status != 409
        ]
        if refused:
            problems.append(f"refused {refused}: {request.describe()}")
        if not answers:
            if stored > 1:
                problems.append(
                    f"never answered 2xx yet stored {stored} times: {request.describe()}"
                )
            if row is not None and row["state"] != "done" and stored:
                problems.append(f"in-flight ledger row but a case: {request.describe()}")
            continue
        if stored != 1:
            problems.append(f"answered 2xx, stored {stored} times: {request.describe()}")
        if len({a.body for a in answers}) != 1:
            problems.append(f"answered differently: {request.describe()}")
        number = json.loads(answers[0].body)["number"]
        case = by_number.get(number)
        if case is None or request.marker not in case["text"]:
            problems.append(f"answered {number}, not in the database: {request.describe()}")
        if row is None or row["state"] != "done" or row["body"] != answers[0].body:
            problems.append(f"the ledger's answer differs from the client's: {request.describe()}")
    for row in snapshot["ledger"]:
        if row["state"] == "done":
            number = json.loads(row["body"])["number"]
            if number not in by_number:
                problems.append(f"the ledger answered {number}, which is not in the database")
    answered = {
        json.loads(row["body"])["number"] for row in snapshot["ledger"] if row["state"] == "done"
    }
    problems += [f"case {n} has no answer in the ledger" for n in sorted(set(by_number) - answered)]
    return problems


@pytest.fixture
def private_cluster():
    pgcluster.require()
    with pgcluster.cluster() as made:
        yield made


def test_answered_requests_survive_server_and_database_crashes(private_cluster, tmp_path):
    seed = int(os.environ.get("KAMTIBMAS_CRASH_SEED") or secrets.randbelow(2**31))
    replay = f"seed {seed} (KAMTIBMAS_CRASH_SEED={seed} replays it)"
    print(f"crash durability: {replay}")
    prepared = time.monotonic()
    database_url = private_cluster.create_database("kamtibmas")
    environment = production_environment(tmp_path / "data", database_url)
    steps = [
        subprocess.Popen(
            kamtibmas(*step), env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        for step in (("migrate", "--noinput", "-v0"), ("collectstatic", "--noinput", "-v0"))
    ]
    for step in steps:
        output, _none = step.communicate(timeout=180)
        assert step.returncode == 0, output.decode(errors="replace")
    setup = _shell(environment, SETUP, "CRASH-SETUP")
    token, client = setup["token"], setup["client"]
    print(f"migrated and set up in {time.monotonic() - prepared:.0f} s")

    server = Server(environment, tmp_path)
    master = random.Random(seed)
    history: list[Request] = []
    history_lock = threading.Lock()
    events: list[str] = []
    chaos_done = threading.Event()
    stop = threading.Event()  # the test failed: the chaos stops at its next step
    threads: list[threading.Thread] = []
    failures: list[BaseException] = []

    def client_loop(number: int, rng: random.Random) -> None:
        try:
            for n in range(MAX_REQUESTS_PER_CLIENT):
                if chaos_done.is_set():
                    return
                request = Request(
                    client=number,
                    n=n,
                    key=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    payload=_payload(rng, number, n),
                )
                with history_lock:
                    history.append(request)
                _deliver(base, token, request, rng)
                # About 15 requests a second in all: the load spans the chaos,
                # with CPU left for the rest of the suite.
                time.sleep(rng.uniform(0.1, 0.4))
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    def chaos_loop(rng: random.Random) -> None:
        try:
            _chaos(server, private_cluster, rng, events, stop)
        except BaseException as error:
            failures.append(error)
        finally:
            chaos_done.set()

    started = time.monotonic()
    network = LossyNetwork(server, random.Random(master.getrandbits(64)), ANSWERS_LOST)
    base = f"http://127.0.0.1:{network.port}"
    try:
        server.start()
        clients = [
            threading.Thread(target=client_loop, args=(n, random.Random(master.getrandbits(64))))
            for n in range(CLIENTS)
        ]
        chaos = threading.Thread(target=chaos_loop, args=(random.Random(master.getrandbits(64)),))
        threads += [*clients, chaos]
        for thread in threads:
            thread.start()
        for thread in (chaos, *clients):
            thread.join(180)
        assert not any(t.is_alive() for t in (*clients, chaos)), f"threads hang; {replay}"
        assert not failures, f"{failures!r}; {replay}"
        chaos_seconds = time.monotonic() - started
        if server.process is None or server.process.poll() is not None:
            server.start()

        # What the database holds now; then, in the same process, the claims of killed
        # requests are aged past IN_FLIGHT_TIMEOUT for the second part.
        snapshot = _shell(environment, SNAPSHOT + AGE_CLAIMS, "CRASH-SNAPSHOT")
        attempts = [a for r in history for a in r.attempts]
        summary = (
            f"{len(history)} requests, {len(attempts)} attempts in {chaos_seconds:.0f} s; "
            f"{sum(a.status is None for a in attempts)} without an answer, "
            f"{sum(a.status is not None and a.status >= 500 for a in attempts)} 5xx, "
            f"{sum(a.status == 409 for a in attempts)} 409, "
            f"{sum(a.replayed for a in attempts)} replayed; "
            f"answers lost by the network: {dict(network.lost)}; "
            f"{len(snapshot['cases'])} cases; {'; '.join(events)}"
        )
        print(summary)
        assert sum(DATABASE_CRASHED in e for e in events) == 1, f"{events}; {replay}"
        assert any(a.status is None for a in attempts), f"no attempt went unanswered: {summary}"
        # Stored but never told: the case the retries with their key are for.
        assert network.lost["201"], f"no answer to a stored request was lost: {summary}"
        problems = _check(history, snapshot, client)
        assert not problems, f"{replay}; {summary}:\n" + "\n".join(problems[:40])

        # Later, back online: the claims of killed requests have expired, and every
        # request not yet answered is sent again with its key.
        rng = random.Random(master.getrandbits(64))
        for request in history:
            if not request.answers:
                _deliver(base, token, request, rng)
        snapshot = _shell(environment, SNAPSHOT, "CRASH-SNAPSHOT")
        problems = _check(history, snapshot, client)
        problems += [f"never answered 2xx: {r.describe()}" for r in history if not r.answers]
        if len(snapshot["cases"]) != len(history):
            problems.append(f"{len(history)} requests but {len(snapshot['cases'])} cases")
        assert not problems, f"{replay}; after the retries; {summary}:\n" + "\n".join(problems[:40])
    finally:
        stop.set()
        for thread in threads:
            thread.join(120)
        server.kill()
        network.close()
