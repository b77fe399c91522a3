"""Household imports run by the worker (``aid.household_imports``, ``aid.tasks``):
preview, import, failure, idempotence, progress, the encrypted file and its wiping."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import Workbook

from kamtibmas.aid import household_imports
from kamtibmas.aid.household_imports import (
    household_import_create,
    household_import_progress,
    household_import_start,
    household_imports_wipe_stale,
)
from kamtibmas.aid.models import Household, HouseholdImport, ImportStatus
from kamtibmas.aid.services import household_by_kk

pytestmark = pytest.mark.django_db

HEADER = ["No KK", "Kepala Keluarga", "RT", "RW", "Alamat", "Jumlah Anggota", "Jumlah Anak"]
SITI = ["3275040101090021", "Ibu Siti Ma’ruf", "3", "24", "Jl. Cut Meutia 5", "4", "2"]
BUDI = ["3275040101090022", "Budi Santoso", "1", "24", "Gg. Mawar 2", "3", "1"]


def csv_bytes(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def run_queued() -> int:
    """Run the queued tasks as the worker would; how many ran."""
    ran = 0
    while ready := list(DBTaskResult.objects.ready()):
        for result in ready:
            result.claim("test")
            result.task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
            result.set_successful(None)
            ran += 1
    return ran


def upload(bekasi, data: bytes, *, extension=".csv", language="id", **options):
    options.setdefault("kelurahan", bekasi.kayuringin)
    options.setdefault("skip_invalid", False)
    return household_import_create(
        actor=bekasi.officer_selatan,
        data=data,
        extension=extension,
        language=language,
        **options,
    )


def refreshed(record: HouseholdImport) -> HouseholdImport:
    return HouseholdImport.objects.get(pk=record.pk)


def preview_of(record: HouseholdImport) -> dict[str, Any]:
    assert record.preview is not None
    return record.preview


def report_of(record: HouseholdImport) -> dict[str, Any]:
    assert record.report is not None
    return record.report


def test_preview_then_import_then_the_same_file_again_changes_nothing(bekasi):
    data = csv_bytes([HEADER, SITI, BUDI])
    record = upload(bekasi, data)
    assert refreshed(record).status == ImportStatus.UPLOADED
    assert run_queued() == 1
    record = refreshed(record)
    assert record.status == ImportStatus.PREVIEWED
    assert record.rows_total == 2
    assert preview_of(record)["new"] == 2
    assert preview_of(record)["written"] is False
    assert not Household.objects.exists()
    assert record.content  # kept for the import

    household_import_start(actor=bekasi.officer_selatan, record=record)
    assert run_queued() == 1
    record = refreshed(record)
    assert record.status == ImportStatus.DONE
    assert report_of(record)["new"] == 2 and report_of(record)["written"] is True
    assert record.rows_done == 2
    assert record.content is None  # the file is not kept once imported
    assert household_by_kk(SITI[0]).head_name == "Ibu Siti Ma’ruf"

    again = upload(bekasi, data)
    run_queued()
    again = refreshed(again)
    assert preview_of(again)["unchanged"] == 2 and preview_of(again)["new"] == 0
    before = list(Household.objects.values_list("pk", "updated_at"))
    household_import_start(actor=bekasi.officer_selatan, record=again)
    run_queued()
    again = refreshed(again)
    counts = report_of(again)
    assert (counts["unchanged"], counts["new"], counts["updated"]) == (2, 0, 0)
    assert list(Household.objects.values_list("pk", "updated_at")) == before


def test_a_task_run_twice_does_its_work_once(bekasi):
    record = upload(bekasi, csv_bytes([HEADER, SITI]))
    run_queued()
    household_import_start(actor=bekasi.officer_selatan, record=refreshed(record))
    run_queued()
    household_imports.household_import_run(str(record.pk))
    household_imports.household_import_preview_run(str(record.pk))
    record = refreshed(record)
    assert record.status == ImportStatus.DONE
    assert preview_of(record)["new"] == 1 and report_of(record)["new"] == 1
    assert Household.objects.count() == 1


def test_xlsx_is_previewed_and_imported(bekasi):
    workbook = Workbook()
    sheet = workbook.active
    for row in (HEADER, SITI, BUDI):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    record = upload(bekasi, buffer.getvalue(), extension=".XLSX")
    run_queued()
    record = refreshed(record)
    assert record.extension == ".xlsx"
    assert (record.status, preview_of(record)["new"]) == (ImportStatus.PREVIEWED, 2)


def test_wrong_columns_fail_with_a_readable_message_in_the_uploader_s_language(bekasi):
    record = upload(bekasi, csv_bytes([["nama", "alamat"], ["Siti", "Jl. Mawar"]]))
    run_queued()
    record = refreshed(record)
    assert record.status == ImportStatus.FAILED
    assert record.failure.startswith("Baris judul tidak memuat no_kk. Kolom yang diharapkan")
    assert record.content is None
    with pytest.raises(ValueError):
        household_import_start(actor=bekasi.officer_selatan, record=record)


def test_row_errors_are_worded_in_the_uploader_s_language(bekasi):
    bad = ["32750401010900", "Rina", "3", "24", "", "2", "1"]
    record_id = upload(bekasi, csv_bytes([HEADER, SITI, bad]), language="id")
    record_en = upload(bekasi, csv_bytes([HEADER, SITI, bad]), language="en")
    run_queued()
    indonesian = preview_of(refreshed(record_id))["errors"]
    english = preview_of(refreshed(record_en))["errors"]
    assert [(error["row"], error["field"]) for error in indonesian] == [(3, "kk_number")]
    assert "16 digits" in english[0]["message"]
    assert "harus terdiri atas 16 angka; yang diisi 14 angka" in indonesian[0]["message"]


def test_refused_rows_without_skip_invalid_cannot_be_imported(bekasi):
    bad = ["3275040101090023", "", "3", "24", "", "2", "1"]
    record = upload(bekasi, csv_bytes([HEADER, SITI, bad]))
    run_queued()
    record = refreshed(record)
    assert preview_of(record)["refused"] == 1
    with pytest.raises(ValueError):
        household_import_start(actor=bekasi.officer_selatan, record=record)
    assert refreshed(record).status == ImportStatus.PREVIEWED

    skipping = upload(bekasi, csv_bytes([HEADER, SITI, bad]), skip_invalid=True)
    run_queued()
    household_import_start(actor=bekasi.officer_selatan, record=refreshed(skipping))
    run_queued()
    skipping = refreshed(skipping)
    assert (report_of(skipping)["new"], report_of(skipping)["refused"]) == (1, 1)
    assert report_of(skipping)["errors"][0]["row"] == 3
    assert Household.objects.count() == 1


def test_the_stored_file_is_encrypted(bekasi):
    record = upload(bekasi, csv_bytes([HEADER, SITI]))
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM aid_householdimport WHERE id = %s", [record.pk.hex])
        [raw] = cursor.fetchone()
    assert raw and SITI[0] not in raw and "MzI3NTA0" not in raw  # nor its base64
    assert record.sha256 and record.size == len(csv_bytes([HEADER, SITI]))


def test_files_older_than_a_day_are_wiped_and_their_import_fails(bekasi):
    old = upload(bekasi, csv_bytes([HEADER, SITI]))
    run_queued()
    fresh = upload(bekasi, csv_bytes([HEADER, BUDI]))
    HouseholdImport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert household_imports_wipe_stale() == 1
    assert refreshed(old).content is None
    assert refreshed(fresh).content
    with pytest.raises(ValueError):
        household_import_start(actor=bekasi.officer_selatan, record=refreshed(old))
    # A task that finds its file gone fails with the reason.
    HouseholdImport.objects.filter(pk=old.pk).update(status=ImportStatus.IMPORTING)
    household_imports.household_import_run(str(old.pk))
    old = refreshed(old)
    assert old.status == ImportStatus.FAILED and old.failure


def test_progress_goes_to_the_shared_cache_while_running(bekasi, monkeypatch):
    record = upload(bekasi, csv_bytes([HEADER, SITI]))
    seen: list[int] = []
    real = household_imports.households_import

    def importing(**kwargs):
        progress = kwargs["progress"]
        monkeypatch.setattr(household_imports, "PROGRESS_EVERY", 0)
        progress(500)
        seen.append(household_import_progress(refreshed(record)))
        return real(**kwargs)

    monkeypatch.setattr(household_imports, "households_import", importing)
    run_queued()
    assert seen == [500]
    record = refreshed(record)
    assert household_import_progress(record) == 1  # the final count, from the database
    assert caches["progress"].get(f"aid-import-progress:{record.pk}") is None


def test_only_aid_staff_upload(bekasi):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        household_import_create(
            actor=bekasi.resident,
            data=b"x",
            extension=".csv",
            kelurahan=None,
            skip_invalid=False,
            language="id",
        )
    assert not DBTaskResult.objects.exists()
