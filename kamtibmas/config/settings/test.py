"""Test settings: the base module with a throw-away data directory and fast hashing.

``DATABASE_URL`` still decides the database, so the same suite runs on SQLite
(default) and PostgreSQL.

Each test process has a data directory of its own (the model file, keys, outbox
files, uploads): pytest-xdist's workers inherit the environment of the process that
started them, so each takes a subdirectory named after itself (``gw0``, ``gw1``, …).
"""

import os
import tempfile
from pathlib import Path

_data_dir = os.environ.get("KAMTIBMAS_DATA_DIR") or tempfile.mkdtemp(prefix="kamtibmas-test-")
if _worker := os.environ.get("PYTEST_XDIST_WORKER"):
    _data_dir = os.path.join(_data_dir, _worker)
os.environ["KAMTIBMAS_DATA_DIR"] = _data_dir

from kamtibmas.config.settings.base import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# The triage model trained from the shipped corpus, kept across test runs (and shared
# by parallel workers) under a key naming the corpus, the code and the libraries that
# made it; see kamtibmas.triage.classifier.model_build_initial.
KAMTIBMAS_TRIAGE_CACHE_DIR = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kamtibmas" / "triage"
)
# Tests roll back what they wrote, and SQLite then hands out the same ids again: a
# kept Open311 list would outlive its data. The cache has tests of its own.
KAMTIBMAS_OPEN311_LIST_CACHE_SECONDS = 0
# The same holds for kept public pages (kamtibmas.web.tests.test_pagecache turns them on).
KAMTIBMAS_PAGE_CACHE_SECONDS = 0
KAMTIBMAS_PAGE_VERSION_SECONDS = 0
# And for kept dashboard figures (kamtibmas.web.tests.test_dashboard turns them on).
KAMTIBMAS_DASHBOARD_CACHE_SECONDS = 0

# With DATABASE_REPLICA_URL (CI starts a streaming replica of its PostgreSQL), the
# replica alias mirrors the test database: Django creates nothing on it, and reads go
# to the primary unless a test turns KAMTIBMAS_READ_REPLICA on and points the alias at
# the real replica (kamtibmas/core/tests/test_replicas.py).
if "replica" in DATABASES:  # noqa: F405
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # noqa: F405
KAMTIBMAS_READ_REPLICA = ""
