"""A throw-away PostgreSQL cluster of a test's own, for tests that stop, crash or
restart the database (``test_crash_durability``, the workers' database crash tests):
other tests keep using the shared PostgreSQL undisturbed.

The cluster is made with Debian's binaries (``/usr/lib/postgresql/<version>/bin``) in
a new directory under the system's temporary directory, listens on a free loopback
port with its socket in that directory, trusts local connections, and keeps
``fsync`` on: what these tests prove is durability. PostgreSQL refuses to run as
root, so as root its commands run as the ``postgres`` user (``runuser``), as
``.ci/replica`` does.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kamtibmas.core.tests.test_serve_command import free_port

BIN_GLOB = "/usr/lib/postgresql/*/bin"
PROGRAMS = ("initdb", "pg_ctl", "postgres", "psql")
TIMEOUT = 60  # seconds for a start or stop

SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socket}'
max_connections = 40
shared_buffers = 32MB
# Durability is what is tested: nothing here trades it for speed.
fsync = on
synchronous_commit = on
full_page_writes = on
log_min_messages = warning
"""
#: After a crash the server syncs its data directory before recovery: one syncfs() of
#: the file system instead of an fsync() per file (2-3 s per restart of a migrated
#: database here, a few tenths with syncfs). Just as durable (Linux >= 5.8 reports
#: write errors to syncfs). PostgreSQL 14 and later.
SYNCFS = "recovery_init_sync_method = syncfs\n"


def _version(path: str) -> tuple[int, ...]:
    version = Path(path).parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def binaries() -> Path | None:
    """The newest Debian PostgreSQL bin directory holding every program needed."""
    for directory in sorted(glob.glob(BIN_GLOB), key=_version, reverse=True):
        if all(os.access(Path(directory) / name, os.X_OK) for name in PROGRAMS):
            return Path(directory)
    return None


def unavailable() -> str:
    """Why a private cluster cannot be made here, or ``""`` when it can."""
    if binaries() is None:
        return f"no PostgreSQL binaries ({', '.join(PROGRAMS)}) in {BIN_GLOB}"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a postgres user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root without runuser to switch to the postgres user"
    return ""


def require() -> None:
    """Skip the calling test when no private cluster can be made here, saying why;
    with ``KAMTIBMAS_REQUIRE_CRASH_TESTS=1`` (CI) fail it instead."""
    if reason := unavailable():
        if os.environ.get("KAMTIBMAS_REQUIRE_CRASH_TESTS") == "1":
            pytest.fail(f"KAMTIBMAS_REQUIRE_CRASH_TESTS=1 but {reason}", pytrace=False)
        pytest.skip(f"needs a private PostgreSQL cluster: {reason}")


class Cluster:
    """One PostgreSQL cluster in ``root`` (made by ``cluster()``, below)."""

    def __init__(self, root: Path, bin_dir: Path) -> None:
        self.root = root
        self.bin = bin_dir
        self.data = root / "data"
        self.log = root / "postgres.log"
        self.port = free_port()
        self.running = False

    def _as_owner(self, *command: str | Path | int) -> list[str]:
        args = [str(part) for part in command]
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *args]
        return args

    def _run(self, *command: str | Path | int, timeout: float = TIMEOUT) -> str:
        done = subprocess.run(
            self._as_owner(*command),
            cwd=self.root,  # the postgres user may not be able to read the caller's
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(map(str, command))} failed ({done.returncode}):\n"
                f"{done.stdout}{done.stderr}\n{self.log_text()}"
            )
        return done.stdout

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def init(self) -> None:
        # --no-sync: initdb's own files need not reach the disk before the server
        # starts; the server itself runs with fsync on.
        self._run(
            self.bin / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(SETTINGS.format(port=self.port, socket=self.root))
            if _version(str(self.bin)) >= (14,):
                conf.write(SYNCFS)

    def start(self) -> None:
        self._run(
            self.bin / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", TIMEOUT, "start"
        )
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """``fast``: a clean shutdown; ``immediate``: a crash (recovery at the next
        start replays the WAL)."""
        self._run(self.bin / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", TIMEOUT, "stop")
        self.running = False

    def restart(self, mode: str = "immediate") -> None:
        """Stop (by default as in a crash) and start again on the same data."""
        self._run(
            self.bin / "pg_ctl", "-D", self.data, "-l", self.log, "-m", mode,
            "-w", "-t", TIMEOUT, "restart",
        )  # fmt: skip
        self.running = True

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` as the superuser over TCP; returns the unaligned output."""
        done = subprocess.run(
            [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-X", "-Atq", "-v", "ON_ERROR_STOP=1", "-c", sql, database],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"psql {sql!r} failed: {done.stderr}")
        return done.stdout

    def create_database(self, name: str) -> str:
        """A new database; returns its ``DATABASE_URL``."""
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def destroy(self) -> None:
        """Stop the server (as in a crash: nothing is kept) and remove everything."""
        pid_file = self.data / "postmaster.pid"
        if pid_file.exists():
            try:
                self.stop("immediate")
            except (RuntimeError, subprocess.TimeoutExpired):
                # Leave no server behind: its backends exit when the postmaster dies.
                with contextlib.suppress(OSError, ValueError, IndexError):
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def cluster() -> Iterator[Cluster]:
    """A started private cluster, destroyed on the way out. Check ``unavailable()``
    (or ``require()``) first."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError(unavailable())
    # Not under pytest's tmp_path: its parents are closed to the postgres user.
    root = Path(tempfile.mkdtemp(prefix="kamtibmas-pg-"))
    if os.geteuid() == 0:
        postgres = pwd.getpwnam("postgres")
        os.chown(root, postgres.pw_uid, postgres.pw_gid)
    made = Cluster(root, bin_dir)
    try:
        made.init()
        made.start()
        yield made
    finally:
        made.destroy()
