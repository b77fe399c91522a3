from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kamtibmas.certificates.keys import signing_key_ensure, signing_keys_list
from kamtibmas.certificates.verify import KeyStatus


def _run(*args: str) -> str:
    out = StringIO()
    call_command("certificate_keys", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_list_creates_nothing(data_dir):
    assert "Belum ada kunci penanda tangan" in _run("--list")
    assert signing_keys_list() == []


def test_rotate_then_list(data_dir):
    old = signing_key_ensure()
    output = _run("--rotate")
    new = signing_key_ensure()
    assert f"Kunci aktif baru {new.kid}; kunci {old.kid} dipensiunkan" in output
    assert f"{old.kid}  retired" in output and f"{new.kid}  active" in output
    assert f"{new.kid}  active" in _run()


def test_compromise(data_dir):
    kid = signing_key_ensure().kid
    output = _run("--compromise", kid)
    [marked, replacement] = signing_keys_list()
    assert marked.kid == kid and marked.status == KeyStatus.COMPROMISED
    assert f"Kunci {kid} ditandai bocor" in output
    assert f"kunci aktif baru {replacement.kid}" in output


def test_compromise_unknown_key(data_dir):
    with pytest.raises(CommandError, match="Kunci tidak dikenal: nope"):
        _run("--compromise", "nope")


def test_options_exclude_each_other(data_dir):
    with pytest.raises(CommandError):
        _run("--rotate", "--compromise", "x")
