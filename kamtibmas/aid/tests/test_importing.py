"""Bulk import of households (``aid.importing``): encodings, delimiters, XLSX, the
checks of every row, all or nothing, preview and re-import."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation
from openpyxl import Workbook

from kamtibmas.aid import importing
from kamtibmas.aid.importing import (
    HouseholdRows,
    ImportFileError,
    ImportReport,
    RowError,
    household_rows_open,
    households_import,
    rows_from_csv,
)
from kamtibmas.aid.models import Household
from kamtibmas.aid.services import household_by_kk, household_register
from kamtibmas.areas.models import Area
from kamtibmas.privacy.blind_index import blind_index
from kamtibmas.privacy.fields import field_crypter
from kamtibmas.privacy.identifiers import normalise_kk
from kamtibmas.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db

HEADER = ["No KK", "Kepala Keluarga", "RT", "RW", "Alamat", "Jumlah Anggota", "Jumlah Anak"]
SITI = ["3275040101090021", "Ibu Siti Ma’ruf", "3", "24", "Jl. Cut Meutia 5", "4", "2"]
BUDI = ["3275040101090022", "Budi Santoso", "1", "24", "Gg. Mawar 2", "3", "1"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def csv_bytes(rows, *, delimiter=",", encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def source(rows, **options) -> HouseholdRows:
    return rows_from_csv(io.BytesIO(csv_bytes(rows, **options)))


def run(bekasi, rows_source, *, dry_run=False, **options) -> ImportReport:
    return households_import(
        actor=bekasi.officer_selatan,
        rows_source=rows_source,
        kelurahan=bekasi.kayuringin,
        dry_run=dry_run,
        **options,
    )


def stored(kk: str) -> tuple:
    household = household_by_kk(kk)
    assert household is not None
    return (
        household.head_name,
        household.area.code,
        household.address,
        household.members,
        household.children,
    )


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ","), ("cp1252", ","), ("utf-8", ";"), ("cp1252", ";")],
)
def test_csv_in_utf8_bom_cp1252_with_comma_or_semicolon(bekasi, encoding, delimiter):
    rows = [HEADER, SITI, BUDI]

    report = run(bekasi, source(rows, encoding=encoding, delimiter=delimiter))

    assert (report.new, report.refused, report.errors, report.written) == (2, 0, [], True)
    assert report.not_utf8_lines == (1 if encoding == "cp1252" else 0)
    assert stored(SITI[0]) == ("Ibu Siti Ma’ruf", "32.75.04.1005.024.003", "Jl. Cut Meutia 5", 4, 2)
    assert Area.objects.get(code="32.75.04.1005.024.001").name == "RT 001"


def test_a_file_pasted_from_two_encodings_reads_every_line(bekasi):
    data = csv_bytes([HEADER, BUDI]) + csv_bytes([SITI], encoding="cp1252")

    report = run(bekasi, rows_from_csv(io.BytesIO(data)))

    assert (report.new, report.not_utf8_lines) == (2, 1)
    assert stored(SITI[0])[0] == "Ibu Siti Ma’ruf"


def test_bytes_that_are_not_even_cp1252_import_as_latin1(bekasi):
    data = csv_bytes([HEADER]) + b"3275040101090021,Siti \x81 Aminah,3,24,,4,2\r\n"

    report = run(bekasi, rows_from_csv(io.BytesIO(data)))

    assert report.new == 1 and stored(SITI[0])[0] == "Siti \x81 Aminah"


def test_xlsx_with_numbers_in_cells(bekasi, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["kk_number", "head_name", "rt", "rw", "members", "children"])
    sheet.append([3275040101090021, "Ibu Siti Ma’ruf", 3, 24.0, 4, 2])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["3275.0401.0109.0022", "Budi Santoso", None, 24, None, None])
    path = tmp_path / "warga.xlsx"
    book.save(path)

    with household_rows_open(path) as rows:
        report = run(bekasi, rows)

    assert (report.new, report.refused) == (2, 0)
    assert stored(SITI[0]) == ("Ibu Siti Ma’ruf", "32.75.04.1005.024.003", None, 4, 2)
    assert stored(BUDI[0]) == ("Budi Santoso", "32.75.04.1005.024", None, 1, 0)


def test_a_broken_xlsx_or_another_kind_of_file_is_one_clear_message(tmp_path):
    broken = tmp_path / "warga.xlsx"
    broken.write_bytes(b"not a zip")
    other = tmp_path / "warga.pdf"
    other.write_bytes(b"%PDF")

    with pytest.raises(ImportFileError, match="not an XLSX workbook"), household_rows_open(broken):
        pass
    with pytest.raises(ImportFileError, match="Only CSV and XLSX"), household_rows_open(other):
        pass


@pytest.mark.parametrize(
    "header",
    [
        ["nama", "alamat"],
        ["no_kk", "alamat", "rt"],
        ["nomor", "kepala", "rt"],
    ],
)
def test_wrong_columns_name_the_expected_ones_and_import_nothing(bekasi, header):
    with pytest.raises(ImportFileError) as raised:
        run(bekasi, source([header, ["x", "y", "z"]]))

    assert "Expected columns: no_kk and kepala_keluarga (required)" in str(raised.value)
    assert Household.objects.count() == 0


def test_two_columns_meaning_the_same_are_refused(bekasi):
    with pytest.raises(ImportFileError, match="“No KK” and “kk_number”"):
        run(bekasi, source([["No KK", "kepala keluarga", "kk_number"], SITI[:3]]))


def test_an_empty_file_is_refused(bekasi):
    with pytest.raises(ImportFileError, match="empty"):
        run(bekasi, rows_from_csv(io.BytesIO(b"\r\n\r\n")))


def test_unknown_columns_are_reported_and_ignored(bekasi):
    report = run(bekasi, source([[*HEADER, "Telepon"], [*SITI, "0812"]]))

    assert report.new == 1 and report.ignored_columns == ["Telepon"]


BAD_ROWS = [
    (["327504010109002", "Ani", "1", "24", "", "2", "0"], "kk_number", "16 digits; 15"),
    (["0075040101090021", "Ani", "1", "24", "", "2", "0"], "kk_number", "province code"),
    (["3275O40101090021", "Ani", "1", "24", "", "2", "0"], "kk_number", "digits only"),
    (["", "Ani", "1", "24", "", "2", "0"], "kk_number", "required"),
    (["3275040101090031", " ", "1", "24", "", "2", "0"], "head_name", "Give the name"),
    (["3275040101090031", "A" * 121, "1", "24", "", "2", "0"], "head_name", "At most 120"),
    (["3275040101090031", "Ani", "1", "24", "", "2", "3"], "children", "among the members"),
    (["3275040101090031", "Ani", "satu", "24", "", "2", "0"], "rt", "“satu” is not"),
    (["3275040101090031", "Ani", "1", "0", "", "2", "0"], "rw", "from 1 to 999"),
    (["3275040101090031", "Ani", "1", "", "", "2", "0"], "rw", "give the RW too"),
    (["3275040101090031", "Ani", "1", "24", "", "0", "0"], "members", "at least one"),
    (["3275040101090031", "Ani", "1", "24", "", "2", "-1"], "children", "whole number"),
]


@pytest.mark.parametrize(("row", "field", "words"), BAD_ROWS)
def test_each_bad_row_is_refused_with_its_row_and_field_and_nothing_is_written(
    bekasi, row, field, words
):
    report = run(bekasi, source([HEADER, SITI, row]))

    assert (report.new, report.refused, report.written) == (1, 1, False)
    [error] = report.errors
    assert (error.row, error.field) == (3, field)
    assert words in error.message
    assert Household.objects.count() == 0
    assert not Area.objects.filter(code__startswith="32.75.04.1005.024.").exists()


def test_row_errors_are_in_indonesian_by_default(bekasi):
    with translation.override("id"):
        report = run(bekasi, source([HEADER, ["327504010109002", "", "", "", "", "", ""]]))

    messages = {error.field: error.message for error in report.errors}
    assert messages == {
        "kk_number": "Nomor KK harus terdiri atas 16 angka; yang diisi 15 angka.",
        "head_name": "Isi nama kepala keluarga.",
    }


def test_a_kk_twice_in_the_file_names_the_first_row(bekasi):
    again = ["3275-0401-0109-0021", "Siti", "", "", "", "", ""]

    report = run(bekasi, source([HEADER, SITI, BUDI, again]))

    assert report.errors == [RowError(4, "kk_number", "This KK number is already in row 2.")]
    assert (report.new, report.refused) == (2, 1)


def test_skip_invalid_writes_the_valid_rows(bekasi):
    bad = ["3275040101090031", "", "1", "24", "", "2", "0"]

    report = run(bekasi, source([HEADER, SITI, bad, BUDI]), skip_invalid=True)

    assert (report.new, report.refused, report.written) == (2, 1, True)
    assert [e.row for e in report.errors] == [3]
    assert Household.objects.count() == 2


def test_a_preview_reports_the_same_and_writes_nothing(bekasi):
    rows = [HEADER, SITI, BUDI]

    preview = run(bekasi, source(rows), dry_run=True)

    assert (preview.new, preview.written) == (2, False)
    assert Household.objects.count() == 0 and AuditEntry.objects.count() == 0
    assert not Area.objects.filter(code__startswith="32.75.04.1005.024.").exists()
    report = run(bekasi, source(rows))
    assert (report.new, report.unchanged, report.updated) == (2, 0, 0)


def test_importing_the_same_file_twice_changes_nothing_the_second_time(bekasi):
    rows = [HEADER, SITI, BUDI]
    run(bekasi, source(rows))
    before = list(Household.objects.values_list("id", "updated_at").order_by("id"))
    audits = AuditEntry.objects.count()

    again = run(bekasi, source(rows, delimiter=";", encoding="cp1252"))

    assert (again.new, again.updated, again.unchanged, again.refused) == (0, 0, 2, 0)
    assert list(Household.objects.values_list("id", "updated_at").order_by("id")) == before
    assert AuditEntry.objects.count() == audits


def test_a_registered_kk_with_other_data_is_updated_and_audited(bekasi):
    household = household_register(
        actor=bekasi.officer_selatan,
        kk_number=SITI[0],
        head_name="Siti",
        area=bekasi.rw024,
        members=2,
        children=1,
        address="lama",
        vulnerability="lansia",
    )

    report = run(bekasi, source([HEADER, SITI]))

    assert (report.new, report.updated) == (0, 1)
    assert stored(SITI[0]) == ("Ibu Siti Ma’ruf", "32.75.04.1005.024.003", "Jl. Cut Meutia 5", 4, 2)
    # The file has no notes column: the notes stay.
    assert Household.objects.get(pk=household.pk).vulnerability == "lansia"
    entry = AuditEntry.objects.filter(subject_id=str(household.pk), action="update").get()
    assert entry.reason == "households imported"


def test_an_empty_cell_clears_the_column_the_file_has(bekasi):
    household_register(
        actor=bekasi.officer_selatan,
        kk_number=SITI[0],
        head_name="Ibu Siti Ma’ruf",
        area=bekasi.rw024,
        members=4,
        children=2,
        vulnerability="lansia",
    )
    header = ["no_kk", "kepala_keluarga", "rw", "catatan"]

    report = run(bekasi, source([header, [SITI[0], "Ibu Siti Ma’ruf", "24", ""]]))

    assert report.updated == 1
    household = household_by_kk(SITI[0])
    assert household is not None
    assert (household.vulnerability, household.members, household.children) == (None, 4, 2)


def test_children_beyond_the_stored_members_raise_them(bekasi):
    household_register(
        actor=bekasi.officer_selatan,
        kk_number=SITI[0],
        head_name="Siti",
        area=bekasi.rw024,
        members=2,
        children=0,
    )
    header = ["no_kk", "kepala_keluarga", "rw", "jumlah_anak"]

    run(bekasi, source([header, [SITI[0], "Siti", "24", "3"]]))

    assert stored(SITI[0])[3:] == (3, 3)


def test_new_households_are_audited_once_each(bekasi):
    run(bekasi, source([HEADER, SITI, BUDI]))

    entries = AuditEntry.objects.filter(action="create", reason="households imported")
    assert sorted(entries.values_list("subject_id", flat=True)) == sorted(
        str(pk) for pk in Household.objects.values_list("pk", flat=True)
    )


def test_a_kk_registered_in_another_units_area_is_refused(bekasi):
    household_register(
        actor=bekasi.officer_timur,
        kk_number=SITI[0],
        head_name="Siti",
        area=bekasi.margahayu,
        members=1,
    )

    report = run(bekasi, source([HEADER, SITI, BUDI]))

    assert report.refused == 1 and report.errors[0].row == 2
    assert "outside your unit" in report.errors[0].message
    assert stored(SITI[0])[0] == "Siti"


def test_a_kelurahan_column_must_match_the_kelurahan_imported_into(bekasi):
    header = ["no_kk", "kepala_keluarga", "kelurahan"]
    rows = [
        header,
        [SITI[0], "Siti", "Kayuringin Jaya"],
        [BUDI[0], "Budi", "32.75.04.1005"],
        ["3275040101090023", "Ani", "Margahayu"],
    ]

    report = run(bekasi, source(rows))

    assert (report.new, report.refused) == (2, 1)
    assert report.errors[0].message == (
        "This file is for Kayuringin Jaya; this row is for “Margahayu”."
    )


def test_without_a_kelurahan_each_row_names_its_own_within_the_actors_unit(bekasi):
    header = ["no_kk", "kepala_keluarga", "kelurahan", "rw"]
    rows = [header, [SITI[0], "Siti", "kayuringin jaya", "24"], [BUDI[0], "Budi", "Margahayu", ""]]

    report = households_import(
        actor=bekasi.officer_selatan,
        rows_source=source(rows),
        kelurahan=None,
        dry_run=False,
        skip_invalid=True,
    )

    assert (report.new, report.refused) == (1, 1)
    assert report.errors[0].message == "No kelurahan “Margahayu” in your unit's area."
    assert stored(SITI[0])[1] == "32.75.04.1005.024"


def test_only_aid_roles_import_and_only_into_their_area(bekasi):
    with pytest.raises(PermissionDenied):
        households_import(
            actor=bekasi.resident,
            rows_source=source([HEADER, SITI]),
            kelurahan=bekasi.kayuringin,
            dry_run=True,
        )
    with pytest.raises(PermissionDenied):
        households_import(
            actor=bekasi.officer_timur,
            rows_source=source([HEADER, SITI]),
            kelurahan=bekasi.kayuringin,
            dry_run=True,
        )


def kk(number: int) -> str:
    return f"32750401{number:08d}"


def test_two_thousand_rows_import_in_one_go(bekasi):
    rows = [HEADER] + [
        [kk(n), f"Warga {n}", str(n % 12 + 1), str(n % 30 + 1), f"Jl. {n}", "4", "2"]
        for n in range(2000)
    ]
    progress: list[int] = []

    report = households_import(
        actor=bekasi.officer_selatan,
        rows_source=source(rows),
        kelurahan=bekasi.kayuringin,
        dry_run=False,
        progress=progress.append,
    )

    assert (report.new, report.refused, sum(progress)) == (2000, 0, 2000)
    assert Household.objects.count() == 2000
    assert AuditEntry.objects.filter(reason="households imported").count() == 2000
    assert stored(kk(1999))[:2] == ("Warga 1999", "32.75.04.1005.020.008")


def test_a_refusal_after_a_written_batch_leaves_nothing(bekasi):
    rows = [HEADER] + [[kk(n), f"Warga {n}", "1", str(n % 30 + 1), "", "", ""] for n in range(1200)]
    rows.append([kk(1), "Warga 1 lagi", "", "", "", "", ""])

    report = run(bekasi, source(rows))

    assert (report.new, report.refused, report.written) == (1200, 1, False)
    assert report.errors[0].row == 1202
    assert Household.objects.count() == 0 and AuditEntry.objects.count() == 0
    new_areas = Area.objects.filter(code__startswith="32.75.04.1005.").exclude(pk=bekasi.rw024.pk)
    assert not new_areas.exists()


def raw_row(pk: int) -> dict:
    """The ``aid_household`` row as stored, undecrypted and unconverted."""
    columns = [field.column for field in Household._meta.concrete_fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM aid_household WHERE id = %s",  # noqa: S608
            [pk],
        )
        return dict(zip(columns, cursor.fetchone(), strict=True))


def test_the_bulk_path_writes_what_the_orm_writes(bekasi):
    header = [*HEADER, "Catatan"]
    run(bekasi, source([header, [*SITI, "lansia"], [*BUDI[:4], "", "3", "1", ""]]))
    [reference] = Household.objects.bulk_create(
        [
            Household(
                kk_number="3275040101090099",
                kk_index=blind_index("kk", "3275040101090099"),
                head_name="Ibu Siti Ma’ruf",
                address="Jl. Cut Meutia 5",
                area=Area.objects.get(code="32.75.04.1005.024.003"),
                members=4,
                children=2,
                vulnerability="lansia",
            )
        ]
    )

    siti = household_by_kk(SITI[0])
    assert siti is not None
    compared = ("head_name", "address", "area_id", "members", "children", "vulnerability")
    assert [getattr(siti, name) for name in compared] == [
        getattr(Household.objects.get(pk=reference.pk), name) for name in compared
    ]
    assert siti.kk_number == SITI[0] and siti.kk_index == blind_index("kk", SITI[0])
    assert siti.created_at == siti.updated_at
    assert abs(siti.created_at - reference.created_at) < timedelta(minutes=1)
    # Column by column, the same kinds of stored value: ciphertexts that the
    # configured keys open, timestamps in the backend's own form, NULL for nothing.
    imported, written = raw_row(siti.pk), raw_row(reference.pk)
    assert {c: type(v) for c, v in imported.items()} == {c: type(v) for c, v in written.items()}
    crypter = field_crypter()
    assert {
        name: crypter.decrypt(imported[name].encode()).decode()
        for name in Household.registered_fields
    } == {
        "kk_number": SITI[0],
        "head_name": "Ibu Siti Ma’ruf",
        "address": "Jl. Cut Meutia 5",
        "vulnerability": "lansia",
    }
    budi = household_by_kk(BUDI[0])
    assert budi is not None
    assert (raw_row(budi.pk)["address"], raw_row(budi.pk)["vulnerability"]) == (None, None)

    entries = AuditEntry.objects.filter(reason="households imported").order_by("id")
    assert [(e.action, e.subject_label, e.fields, e.actor) for e in entries] == [
        ("create", f"aid.household#{siti.pk}", sorted(Household.registered_fields),
         bekasi.officer_selatan),
        ("create", f"aid.household#{budi.pk}",
         sorted(Household.registered_fields), bekasi.officer_selatan),
    ]  # fmt: skip
    assert entries[0].actor_unit_id == bekasi.officer_selatan.unit_id


def test_a_kk_registered_during_the_import_refuses_the_whole_file(bekasi, monkeypatch):
    original = importing._Importer.household_rows

    def registered_meanwhile(self, new):
        household_register(
            actor=bekasi.officer_selatan,
            kk_number=BUDI[0],
            head_name="Budi",
            area=bekasi.rw024,
            members=1,
        )
        return original(self, new)

    monkeypatch.setattr(importing._Importer, "household_rows", registered_meanwhile)

    with pytest.raises(ImportFileError, match="registered while the file was imported"):
        run(bekasi, source([HEADER, SITI, BUDI]))
    assert Household.objects.count() == 0


@pytest.mark.parametrize(
    "value",
    ["3275040101090021", "3275 0401 0109 0021", "1275040101090021", "9975040101090021",
     "327504010109002", "32750401010900x1", "٣٢٧٥٠٤٠١٠١٠٩٠٠٢١", ""],
)  # fmt: skip
def test_the_kk_fast_path_answers_as_normalise_kk(value):
    def answer(check):
        try:
            return check(value)
        except ValidationError as exc:
            return exc.messages

    # Twice: the second time the number's province prefix is known.
    assert answer(importing._kk_normalised) == answer(normalise_kk)
    assert answer(importing._kk_normalised) == answer(normalise_kk)
