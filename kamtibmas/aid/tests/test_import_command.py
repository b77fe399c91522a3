"""``kamtibmas import_households``: summary, row errors, exit status."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from kamtibmas.aid.models import Household

pytestmark = pytest.mark.django_db

GOOD = (
    "no_kk;kepala_keluarga;rt;rw;jumlah_anggota;jumlah_anak\r\n"
    "3275040101090021;Ibu Siti Ma’ruf;3;24;4;2\r\n"
    "3275040101090022;Budi Santoso;1;24;3;1\r\n"
)
BAD_ROW = "327504010109002;Ani;1;24;2;0\r\n"


def command(path, *extra: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = 0
    try:
        call_command(
            "import_households",
            str(path),
            "--kelurahan",
            "32.75.04.1005",
            "--actor",
            "bhabin.selatan",
            *extra,
            stdout=out,
            stderr=err,
        )
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    return status, out.getvalue(), err.getvalue()


def write(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "warga.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_an_import_writes_and_says_so_with_a_progress_bar(bekasi, tmp_path):
    with translation.override("en"):
        status, out, err = command(write(tmp_path, GOOD, "cp1252"))

    assert status == 0
    assert "2 rows: 2 new, 0 updated, 0 unchanged, 0 refused." in out
    assert "1 line was not UTF-8 and was read as Windows-1252." in out
    assert "Written." in out
    assert "2/2" in err  # tqdm on stderr
    assert Household.objects.count() == 2


def test_a_second_run_finds_everything_unchanged(bekasi, tmp_path):
    path = write(tmp_path, GOOD)
    command(path)

    with translation.override("en"):
        status, out, _err = command(path)

    assert status == 0 and "2 rows: 0 new, 0 updated, 2 unchanged, 0 refused." in out


def test_a_refused_row_prints_its_error_writes_nothing_and_exits_1(bekasi, tmp_path):
    with translation.override("en"):
        status, out, _err = command(write(tmp_path, GOOD + BAD_ROW))

    assert status == 1
    assert "Row 4, kk_number: KK number must have 16 digits; 15 were given." in out
    assert "Nothing was written. Correct the rows, or import with --skip-invalid." in out
    assert Household.objects.count() == 0


def test_skip_invalid_writes_the_rest_and_still_exits_1(bekasi, tmp_path):
    with translation.override("en"):
        status, out, _err = command(write(tmp_path, GOOD + BAD_ROW), "--skip-invalid")

    assert status == 1 and "Written." in out
    assert Household.objects.count() == 2


def test_dry_run_writes_nothing(bekasi, tmp_path):
    with translation.override("en"):
        status, out, _err = command(write(tmp_path, GOOD), "--dry-run")

    assert status == 0 and "2 new" in out and "Preview only: nothing was written." in out
    assert Household.objects.count() == 0


def test_row_errors_are_in_indonesian_by_default(bekasi, tmp_path):
    status, out, _err = command(write(tmp_path, GOOD + BAD_ROW))

    assert status == 1
    assert "Nomor KK harus terdiri atas 16 angka; yang diisi 15 angka." in out


def test_wrong_columns_are_a_command_error(bekasi, tmp_path):
    with translation.override("en"), pytest.raises(CommandError, match="Expected columns"):
        command(write(tmp_path, "nama;alamat\r\nSiti;Jl. Mawar\r\n"))


def test_an_unknown_kelurahan_or_actor_is_a_command_error(bekasi, tmp_path):
    path = write(tmp_path, GOOD)
    with translation.override("en"), pytest.raises(CommandError, match="No kelurahan"):
        call_command(
            "import_households",
            str(path),
            "--kelurahan",
            "32.75.04.9999",
            "--actor",
            "bhabin.selatan",
        )
    with translation.override("en"), pytest.raises(CommandError, match="No active user"):
        call_command(
            "import_households", str(path), "--kelurahan", "32.75.04.1005", "--actor", "nobody"
        )


def test_an_actor_outside_the_area_is_a_command_error(bekasi, tmp_path):
    path = write(tmp_path, GOOD)
    with translation.override("en"), pytest.raises(CommandError, match="outside your unit"):
        call_command(
            "import_households",
            str(path),
            "--kelurahan",
            "32.75.04.1005",
            "--actor",
            "bhabin.timur",
        )
