"""The household import pages (issue 8 point 2, the web side): upload, progress,
preview, import, report; who sees an import; no-store; the file kept encrypted and
wiped."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from kamtibmas.accounts.models import Role
from kamtibmas.aid.models import Household, HouseholdImport, ImportStatus
from kamtibmas.aid.tests.test_import_tasks import BUDI, HEADER, SITI, csv_bytes, run_queued
from kamtibmas.conftest import make_user
from kamtibmas.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db

UPLOAD = "/staff/aid/households/import/"


@pytest.fixture(autouse=True)
def indonesian():
    with translation.override("id"):
        yield


def signed_in(client, user):
    client.force_login(user)
    return client


def send(client, data: bytes, *, name="keluarga.csv", **fields):
    payload = {"file": SimpleUploadedFile(name, data, content_type="text/csv"), **fields}
    return client.post(UPLOAD, payload)


def uploaded(client, bekasi, rows, **fields):
    fields.setdefault("kelurahan", bekasi.kayuringin.pk)
    response = send(client, csv_bytes(rows), **fields)
    assert response.status_code == 302, response.content.decode()
    return HouseholdImport.objects.get(), response["Location"]


def test_upload_preview_import_report_and_the_same_file_again(client, bekasi):
    signed_in(client, bekasi.officer_selatan)
    form = client.get(UPLOAD)
    assert form.status_code == 200
    assert "no-store" in form["Cache-Control"]
    assert bekasi.kayuringin.name in form.content.decode()
    assert bekasi.margahayu.name not in form.content.decode()  # another unit's kelurahan

    record, page_url = uploaded(client, bekasi, [HEADER, SITI, BUDI])
    assert page_url == f"{UPLOAD}{record.pk}/"
    assert "keluarga" not in str(HouseholdImport.objects.filter(pk=record.pk).values().get())
    waiting = client.get(page_url)
    assert waiting.status_code == 200 and "no-store" in waiting["Cache-Control"]
    body = waiting.content.decode()
    assert '<progress id="import-bar"' in body
    assert f'data-status-url="{page_url}status.json"' in body
    assert "aid-import.js" in body and "<script>" not in body
    assert 'id="start-button"' not in body

    run_queued()
    preview = client.get(page_url).content.decode()
    assert 'id="start-button"' in preview
    assert '<dd id="preview-new">2</dd>' in preview
    assert Household.objects.count() == 0

    started = client.post(f"{page_url}start/")
    assert started.status_code == 302 and started["Location"] == page_url
    assert client.get(f"{page_url}status.json").json()["status"] == "importing"
    run_queued()
    report = client.get(page_url).content.decode()
    assert 'id="report-written"' in report and '<dd id="report-new">2</dd>' in report
    assert Household.objects.count() == 2
    assert HouseholdImport.objects.get(pk=record.pk).content is None

    HouseholdImport.objects.all().delete()
    _again, again_url = uploaded(client, bekasi, [HEADER, SITI, BUDI])
    run_queued()
    client.post(f"{again_url}start/")
    run_queued()
    report = client.get(again_url).content.decode()
    assert '<dd id="report-unchanged">2</dd>' in report
    assert '<dd id="report-new">0</dd>' in report and '<dd id="report-updated">0</dd>' in report


def test_row_errors_are_listed_with_row_numbers_in_indonesian(client, bekasi):
    signed_in(client, bekasi.officer_selatan)
    bad = ["32750401010900", "Rina", "3", "24", "", "2", "1"]
    _record, page_url = uploaded(client, bekasi, [HEADER, SITI, bad])
    run_queued()
    response = client.get(page_url)
    body = response.content.decode()
    table = re.search(r'<table[^>]*id="preview-errors".*?</table>', body, re.S)
    assert table is not None
    assert re.search(
        r"<td[^>]*>3</td><td>no_kk</td><td>[^<]*harus terdiri atas 16 angka", table.group(0)
    )
    assert 'id="start-button"' not in body  # refused rows and no "skip invalid rows"
    assert client.post(f"{page_url}start/").status_code == 302
    assert HouseholdImport.objects.get().status == ImportStatus.PREVIEWED


def test_a_file_with_wrong_columns_fails_with_a_readable_indonesian_message(client, bekasi):
    signed_in(client, bekasi.officer_selatan)
    _record, page_url = uploaded(client, bekasi, [["nama", "alamat"], ["Siti", "Jl. Mawar"]])
    run_queued()
    body = client.get(page_url).content.decode()
    failure = re.search(r'id="import-failure"><p>([^<]*)</p>', body)
    assert failure is not None
    assert failure.group(1).startswith("Baris judul tidak memuat no_kk.")
    assert client.get(f"{page_url}status.json").json()["status"] == "failed"


def test_other_files_than_csv_and_xlsx_are_refused_at_upload(client, bekasi):
    signed_in(client, bekasi.officer_selatan)
    response = send(client, b"%PDF-1.4", name="keluarga.pdf", kelurahan=bekasi.kayuringin.pk)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["file"]
    assert not HouseholdImport.objects.exists()


def test_the_status_json_reports_progress(client, bekasi):
    from django.core.cache import caches

    signed_in(client, bekasi.officer_selatan)
    record, page_url = uploaded(client, bekasi, [HEADER, SITI])
    state = client.get(f"{page_url}status.json")
    assert state.status_code == 200 and "no-store" in state["Cache-Control"]
    assert state.json()["status"] == "uploaded" and state.json()["running"] is True
    HouseholdImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.PREVIEWING, rows_total=2000
    )
    caches["progress"].set(f"aid-import-progress:{record.pk}", 500)
    state = client.get(f"{page_url}status.json").json()
    assert (state["status"], state["rows_done"], state["rows_total"]) == ("previewing", 500, 2000)
    caches["progress"].delete(f"aid-import-progress:{record.pk}")


def test_who_sees_an_import(client, bekasi):
    signed_in(client, bekasi.officer_selatan)
    _record, page_url = uploaded(client, bekasi, [HEADER, SITI])
    run_queued()
    for user, status in (
        (bekasi.officer_selatan, 200),
        (bekasi.commander_selatan, 200),
        (bekasi.admin, 200),
        (bekasi.officer_timur, 404),
        (bekasi.commander_timur, 404),
    ):
        signed_in(client, user)
        assert client.get(page_url).status_code == status, user
        assert client.get(f"{page_url}status.json").status_code == status, user
    # Another officer of the same unit sees only their own imports.
    colleague = make_user("bhabin.selatan2", Role.COMMUNITY_OFFICER, bekasi.polsek_selatan)
    signed_in(client, colleague)
    assert client.get(page_url).status_code == 404
    assert client.post(f"{page_url}start/").status_code == 404
    assert HouseholdImport.objects.get().status == ImportStatus.PREVIEWED
    signed_in(client, bekasi.resident)
    assert client.get(UPLOAD).status_code == 403
    assert client.get(page_url).status_code == 403
    client.logout()
    assert client.get(UPLOAD).status_code == 302


def test_the_upload_is_audited_and_stored_encrypted(client, bekasi):
    signed_in(client, bekasi.officer_selatan)
    record, _url = uploaded(client, bekasi, [HEADER, SITI])
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM aid_householdimport WHERE id = %s", [record.pk.hex])
        [raw] = cursor.fetchone()
    assert SITI[0] not in raw and "Siti" not in raw
    entry = AuditEntry.objects.get(subject_type="aid.householdimport")
    assert (entry.action, entry.actor) == ("create", bekasi.officer_selatan)


def test_the_aid_list_links_to_the_import(client, bekasi):
    signed_in(client, bekasi.officer_selatan)
    assert f'href="{UPLOAD}"' in client.get("/staff/aid/").content.decode()
