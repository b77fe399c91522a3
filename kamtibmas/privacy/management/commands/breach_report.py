"""``kamtibmas breach_report``: the people affected by a breach, from the audit log
(SECURITY.md 7; UU PDP Art. 46, notification within 72 hours). See
``docs/privacy/breach.md``; the logic is ``privacy.breach``."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from kamtibmas.accounts.models import User
from kamtibmas.areas.models import Unit
from kamtibmas.core.timefmt import resolve_zone
from kamtibmas.privacy.breach import (
    DEFAULT_ACTIONS,
    BreachReport,
    BreachSelection,
    Person,
    RecordRef,
    breach_report,
    breach_report_audit,
    selection_summary,
)
from kamtibmas.privacy.models import AuditAction

FORMATS = ("table", "csv", "json")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Command(BaseCommand):
    help = (
        "List the people whose personal data was read or exported in a slice of the "
        "audit log (by period, actor, unit and/or records), for the breach notification "
        "UU PDP requires within 72 hours. NIK, KK, phone numbers and addresses are "
        "masked unless --include-contact is given (that use is audited too)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since",
            help="From this day (YYYY-MM-DD, in --zone) or instant (ISO 8601 with offset).",
        )
        parser.add_argument(
            "--until",
            help="Up to and including this day (YYYY-MM-DD), or before this instant.",
        )
        parser.add_argument("--actor", metavar="USERNAME", help="Only this staff account.")
        parser.add_argument(
            "--unit",
            metavar="CODE",
            help="Only staff of this unit and the units below it (its id or exact name).",
        )
        parser.add_argument(
            "--record",
            action="append",
            default=[],
            metavar="TYPE[:ID]",
            help="Only this record (aid.household:12) or record type (aid.household); repeatable.",
        )
        parser.add_argument(
            "--action",
            action="append",
            choices=[action.value for action in AuditAction],
            help="Audited actions to include (repeatable; default: read and export).",
        )
        parser.add_argument("--zone", default="WIB", help="Zone of dates: WIB, WITA or WIT.")
        parser.add_argument("--format", choices=FORMATS, default="table")
        parser.add_argument(
            "--include-contact",
            action="store_true",
            help="Print phone numbers, emails and addresses in clear to notify people "
            "(needs --operator; audited).",
        )
        parser.add_argument(
            "--operator",
            metavar="USERNAME",
            help="The account running the report, named in its audit rows.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            zone = ZoneInfo(resolve_zone(options["zone"]).value)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        include_contact: bool = options["include_contact"]
        operator = _user(options["operator"], "--operator") if options["operator"] else None
        if include_contact and operator is None:
            raise CommandError(_("--include-contact needs --operator USERNAME (it is audited)."))
        selection = BreachSelection(
            since=_moment(options["since"], zone, end=False),
            until=_moment(options["until"], zone, end=True),
            actor=_user(options["actor"], "--actor") if options["actor"] else None,
            unit=_unit(options["unit"]) if options["unit"] else None,
            records=tuple(_record(text) for text in options["record"]),
            actions=tuple(options["action"] or DEFAULT_ACTIONS),
        )
        if selection.since and selection.until and selection.since >= selection.until:
            raise CommandError(_("--since must come before --until."))
        report = breach_report(selection)
        breach_report_audit(report=report, operator=operator, include_contact=include_contact)
        render = {"table": report_table, "csv": report_csv, "json": report_json}
        self.stdout.write(render[options["format"]](report, include_contact, zone))
        for subject_type, count in sorted(report.unresolved.items()):
            self.stderr.write(
                _("Not resolved to people: %(count)d record(s) of type %(type)s; review them.")
                % {"count": count, "type": subject_type}
            )


def _moment(text: str | None, zone: ZoneInfo, *, end: bool) -> datetime | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime.combine(day + timedelta(days=1 if end else 0), time.min, tzinfo=zone)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(
            _("%(value)s is not a date or an ISO 8601 instant.") % {"value": text}
        ) from exc
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=zone)


def _user(username: str, option: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(
            _("%(option)s: no account %(username)s.") % {"option": option, "username": username}
        )
    return user


def _unit(code: str) -> Unit:
    units = list(
        Unit.objects.filter(pk=int(code)) if code.isdigit() else Unit.objects.filter(name=code)
    )
    if len(units) != 1:
        raise CommandError(
            _("--unit: no single unit with the id or name %(code)s.") % {"code": code}
        )
    return units[0]


def _record(text: str) -> RecordRef:
    try:
        return RecordRef.parse(text)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


def _row(person: Person, include_contact: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": person.name,
        "kind": sorted(person.kinds),
        "status": str(person.status),
        "child": person.child,
        "identifiers": person.masked(),
        "records": sorted(person.records),
        "fields": sorted(person.fields),
        "first_access": person.first.isoformat() if person.first else None,
        "last_access": person.last.isoformat() if person.last else None,
        "actors": sorted(person.actors),
        "accesses": person.accesses,
    }
    if include_contact:
        row["contact"] = person.contact()
    return row


def report_json(report: BreachReport, include_contact: bool, zone: ZoneInfo) -> str:
    return json.dumps(
        {
            "selection": selection_summary(report.selection),
            "generated_at": timezone.now().isoformat(),
            "audit_entries": report.entries,
            "records": report.records,
            "people": [_row(person, include_contact) for person in report.people],
            "unresolved": report.unresolved,
        },
        ensure_ascii=False,
        indent=2,
    )


def _joined(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{key}: {item}" for key, item in value.items())
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if isinstance(value, bool):
        return "yes" if value else ""
    return "" if value is None else str(value)


def report_csv(report: BreachReport, include_contact: bool, zone: ZoneInfo) -> str:
    rows = [_row(person, include_contact) for person in report.people]
    header = list(_row(Person(kind=""), include_contact))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        # A name is typed by residents: never let a spreadsheet run it as a formula.
        cells = [_joined(row[key]) for key in header]
        writer.writerow(
            [f"'{cell}" if cell.startswith(("=", "+", "-", "@")) else cell for cell in cells]
        )
    return buffer.getvalue()


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def report_table(report: BreachReport, include_contact: bool, zone: ZoneInfo) -> str:
    summary = selection_summary(report.selection)
    lines = [
        _("Breach report: people whose personal data was read or exported"),
        _("Selection: %(selection)s")
        % {"selection": ", ".join(f"{k}={_joined(v)}" for k, v in summary.items() if v)},
        _("%(entries)d audit entries, %(records)d records, %(people)d people or records to review.")
        % {"entries": report.entries, "records": report.records, "people": len(report.people)},
        "",
    ]
    header = [
        _("name"),
        _("status"),
        _("found as"),
        _("identifiers"),
        _("records"),
        _("fields"),
        _("first access"),
        _("last access"),
        _("by"),
    ]
    if include_contact:
        header.append(_("contact"))
    table = []
    for person in report.people:
        row = _row(person, include_contact)
        name = person.name or "—"
        child = _("child")
        cells = [
            f"{name} ({child})" if person.child else name,
            row["status"],
            _joined(row["kind"]),
            _joined(row["identifiers"]),
            _joined(row["records"]),
            _joined(row["fields"]),
            _local(person.first, zone),
            _local(person.last, zone),
            _joined(row["actors"]),
        ]
        if include_contact:
            cells.append(_joined(row["contact"]))
        table.append(cells)
    if not table:
        lines.append(_("Nobody: no personal data was read or exported in this selection."))
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in (header, *table)) for i in range(len(header))]
    for line in (header, *table):
        lines.append(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )
    return "\n".join(lines)
