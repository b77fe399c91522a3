"""Test settings: the base module with a throw-away data directory and fast hashing.

``DATABASE_URL`` still decides the database, so the same suite runs on SQLite
(default) and PostgreSQL.
"""

import os
import tempfile

os.environ.setdefault("KAMTIBMAS_DATA_DIR", tempfile.mkdtemp(prefix="kamtibmas-test-"))

from kamtibmas.config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
