"""Settings come from the environment; secrets are generated once, never shared."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from kamtibmas.config.keyring import load_keyring
from kamtibmas.config.settings.base import database_from_env


def test_sqlite_by_default_in_wal_with_immediate_transactions():
    config = database_from_env(None)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert str(config["NAME"]).endswith("kamtibmas.sqlite3")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_postgres_from_database_url():
    config = database_from_env("postgres://kamtibmas:pw@db.example:5433/polres")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.example", 5433, "polres")
    assert config["CONN_HEALTH_CHECKS"] is True


def test_keyring_is_generated_once_private_and_distinct(tmp_path: Path):
    first = load_keyring(tmp_path)
    path = tmp_path / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keyring(tmp_path) == first
    assert len(first["secret_key"]) >= 50
    assert first["blind_index_key"] not in first["field_encryption_keys"]
    other = load_keyring(tmp_path / "other")
    assert other["secret_key"] != first["secret_key"]
    assert json.loads(path.read_text())["field_encryption_keys"] == first["field_encryption_keys"]


def test_missing_entries_are_added_without_touching_existing_ones(tmp_path: Path):
    (tmp_path / "secrets.json").write_text(json.dumps({"secret_key": "kept"}))
    keyring = load_keyring(tmp_path)
    assert keyring["secret_key"] == "kept"
    assert keyring["blind_index_key"] and keyring["field_encryption_keys"]


def run_kamtibmas(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment.update({"KAMTIBMAS_DATA_DIR": str(tmp_path), **env})
    environment.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "kamtibmas", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION = {
    "KAMTIBMAS_PRODUCTION": "1",
    "KAMTIBMAS_ALLOWED_HOSTS": "kamtibmas.example.id",
    "KAMTIBMAS_PUBLIC_URL": "https://kamtibmas.example.id",
    "KAMTIBMAS_DPO_CONTACT": "dpo@kamtibmas.example.id",
}


def test_production_mode_passes_check_deploy_once_static_files_are_collected(tmp_path):
    before = run_kamtibmas(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert before.returncode != 0
    assert "kamtibmas.E001" in before.stderr and "collectstatic" in before.stderr

    collected = run_kamtibmas(tmp_path, "collectstatic", "--noinput", **PRODUCTION)
    assert collected.returncode == 0, collected.stderr
    after = run_kamtibmas(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert after.returncode == 0, after.stderr + after.stdout

    page = run_kamtibmas(
        tmp_path,
        "shell",
        "-c",
        "from django.test import Client; c = Client(HTTP_HOST='kamtibmas.example.id'); "
        "r = c.get('/', secure=True); print(r.status_code, r['Strict-Transport-Security']); "
        "print(c.get('/healthz').status_code)",
        **PRODUCTION,
    )
    lines = page.stdout.strip().splitlines()
    assert lines[-2] == "200 max-age=31536000; includeSubDomains; preload", page.stderr
    assert lines[-1] == "200"  # a plain-HTTP load-balancer probe is not redirected


def test_demo_refuses_to_run_in_production(tmp_path):
    result = run_kamtibmas(tmp_path, "demo", "--no-serve", **PRODUCTION)
    assert result.returncode != 0
    assert "lingkungan produksi" in result.stderr


def test_development_mode_fails_check_deploy(tmp_path):
    """The check is real: without production mode it reports the missing hardening."""
    result = run_kamtibmas(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "SECURE_HSTS_SECONDS" in result.stderr + result.stdout


def test_production_ignores_debug(tmp_path):
    result = run_kamtibmas(
        tmp_path,
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        KAMTIBMAS_PRODUCTION="1",
        KAMTIBMAS_DEBUG="1",
        KAMTIBMAS_ALLOWED_HOSTS="x.id",
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


def test_processes_starting_together_agree_on_one_keyring(tmp_path: Path):
    """Web workers and the task worker may start at once on an empty data directory."""
    script = (
        "import json, sys; from pathlib import Path; "
        "from kamtibmas.config.keyring import load_keyring; "
        "print(json.dumps(load_keyring(Path(sys.argv[1]))))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(8)
    ]
    outputs = [proc.communicate(timeout=60)[0] for proc in procs]
    assert all(proc.returncode == 0 for proc in procs)
    keyrings = [json.loads(out) for out in outputs]
    stored = json.loads((tmp_path / "secrets.json").read_text())
    assert all(keyring == stored for keyring in keyrings)
    assert not list(tmp_path.glob("*.tmp"))


def test_secrets_given_in_the_environment_are_not_generated(tmp_path: Path):
    keyring = load_keyring(tmp_path, given={"secret_key", "field_encryption_keys"})
    assert set(keyring) == {"blind_index_key"}
    everything = {"secret_key", "field_encryption_keys", "blind_index_key"}
    assert load_keyring(tmp_path / "prod", given=everything) == {}
    assert not (tmp_path / "prod" / "secrets.json").exists()
