"""The staff second factor cannot be turned off on a production server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

INHERITED_NOT = {
    "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "KAMTIBMAS_STAFF_OTP", "KAMTIBMAS_PRODUCTION",
}  # fmt: skip
PRINT = "from django.conf import settings; print(settings.KAMTIBMAS_STAFF_OTP)"


def staff_otp(tmp_path: Path, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in INHERITED_NOT}
    environment.update({"KAMTIBMAS_DATA_DIR": str(tmp_path), **env})
    result = subprocess.run(
        [sys.executable, "-m", "kamtibmas", "shell", "-c", PRINT],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout.strip().splitlines()[-1]


def test_only_a_non_production_server_may_turn_the_second_factor_off(tmp_path):
    assert staff_otp(tmp_path) == "True"
    assert staff_otp(tmp_path, KAMTIBMAS_STAFF_OTP="0") == "False"
    production = {"KAMTIBMAS_PRODUCTION": "1", "KAMTIBMAS_ALLOWED_HOSTS": "kamtibmas.example.id"}
    assert staff_otp(tmp_path, KAMTIBMAS_STAFF_OTP="0", **production) == "True"
