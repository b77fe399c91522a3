"""``kamtibmas import_households FILE --kelurahan CODE --actor USERNAME``: the bulk
import of households (``aid.importing.households_import``) from the command line."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from tqdm import tqdm

from kamtibmas.accounts.models import User
from kamtibmas.aid.importing import ImportFileError, household_rows_open, households_import
from kamtibmas.areas.models import Area, AreaLevel

#: Row errors printed; the rest are counted.
ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Import households from a CSV or XLSX file (header row: no_kk, kepala_keluarga, "
        "rt, rw, alamat, jumlah_anggota, jumlah_anak, catatan). All or nothing: a refused "
        "row stops the import unless --skip-invalid. Importing the same file again "
        "changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .csv or .xlsx file")
        parser.add_argument(
            "--kelurahan",
            help="Kemendagri code of the kelurahan/desa, e.g. 32.75.04.1005 (else the "
            "file's kelurahan column says, row by row)",
        )
        parser.add_argument("--actor", required=True, help="username of the importing officer")
        parser.add_argument("--dry-run", action="store_true", help="preview: write nothing")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="write the valid rows and list the refused ones",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(_("No active user “%(name)s”.") % {"name": options["actor"]})
        kelurahan = None
        if options["kelurahan"]:
            kelurahan = Area.objects.filter(
                code=options["kelurahan"].strip(), level=AreaLevel.VILLAGE
            ).first()
            if kelurahan is None:
                raise CommandError(
                    _("No kelurahan or desa with the code %(code)s.")
                    % {"code": options["kelurahan"]}
                )
        try:
            with (
                household_rows_open(options["file"]) as source,
                tqdm(
                    total=source.total, desc=_("Importing"), unit=_(" rows"), file=self.stderr
                ) as bar,
            ):
                report = households_import(
                    actor=actor,
                    rows_source=source,
                    kelurahan=kelurahan,
                    dry_run=options["dry_run"],
                    skip_invalid=options["skip_invalid"],
                    progress=bar.update,
                )
        except (ImportFileError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from exc

        def count(value: int) -> str:
            return number_format(value, force_grouping=True)

        self.stdout.write(
            _("%(rows)s rows: %(new)s new, %(updated)s updated, %(unchanged)s unchanged, "
              "%(refused)s refused.")
            % {
                "rows": count(report.rows),
                "new": count(report.new),
                "updated": count(report.updated),
                "unchanged": count(report.unchanged),
                "refused": count(report.refused),
            }
        )  # fmt: skip
        if report.not_utf8_lines:
            self.stdout.write(
                ngettext(
                    "%(count)s line was not UTF-8 and was read as Windows-1252.",
                    "%(count)s lines were not UTF-8 and were read as Windows-1252.",
                    report.not_utf8_lines,
                )
                % {"count": count(report.not_utf8_lines)}
            )
        if report.ignored_columns:
            self.stdout.write(
                _("Columns ignored: %(columns)s.") % {"columns": ", ".join(report.ignored_columns)}
            )
        for error in report.errors[:ERRORS_SHOWN]:
            self.stdout.write(
                _("Row %(row)d, %(field)s: %(message)s")
                % {"row": error.row, "field": error.field, "message": error.message}
            )
        if len(report.errors) > ERRORS_SHOWN:
            self.stdout.write(
                _("… and %(count)s more errors.")
                % {"count": count(len(report.errors) - ERRORS_SHOWN)}
            )
        if options["dry_run"]:
            self.stdout.write(_("Preview only: nothing was written."))
        elif not report.written:
            self.stdout.write(
                _("Nothing was written. Correct the rows, or import with --skip-invalid.")
            )
        else:
            self.stdout.write(_("Written."))
        if report.refused:
            raise SystemExit(1)
