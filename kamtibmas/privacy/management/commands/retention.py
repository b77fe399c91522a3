"""``kamtibmas retention [--dry-run]``: delete or anonymise expired personal data."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from kamtibmas.privacy.retention import CATEGORY_BY_CODE, RetentionReport, retention_sweep


class Command(BaseCommand):
    help = (
        "Delete or anonymise the personal data whose retention period is over (the "
        "nightly job privacy.retention_sweep does the same), and print how many rows "
        "each category concerned. With --dry-run nothing is changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count what would be deleted or anonymised.",
        )

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        report = retention_sweep(dry_run=dry_run)
        self.stdout.write(report_text(report))


def report_text(report: RetentionReport) -> str:
    if report.dry_run:
        title = _("Retention, dry run: nothing was changed. Rows that would be processed:")
    else:
        title = _("Retention: rows processed:")
    header = (_("category"), _("action"), _("days"), _("before"), _("rows"))
    table = [
        (
            result.code,
            str(CATEGORY_BY_CODE[result.code].action),
            str(result.days),
            result.cutoff.date().isoformat(),
            str(result.rows),
        )
        for result in report.results
    ]
    widths = [max(len(row[i]) for row in (header, *table)) for i in range(len(header))]
    lines = [title, ""]
    for row in (header, *table):
        cells = [
            cell.rjust(width) if i >= 2 else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
