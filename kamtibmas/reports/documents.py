"""The two PDF reports (C6, issue 10 point 3): the closing report of a dialogue and the
monthly report of a unit, A4, in the active language.

Each has a reading function that gathers what it shows through scoped selectors
(``dialogue_closing_report``, ``unit_monthly_report``: ``Http404`` or
``PermissionDenied`` outside the reader's scope) and a layout function that touches
no database (``dialogue_closing_pdf``, ``unit_monthly_pdf``). The layout reuses the
paged document of the aid distribution report (``aid.documents``): a running title,
numbered footers, tables that break between rows and repeat their header; the
standard PDF fonts, so every text goes through ``certificates.pdf.printable``.

What the closing report never holds (tested): a reporter's name or phone, the text of
any aspiration, and any trace of a confidential or anonymous aspiration. Aspirations
are listed from *public* cases only, by number, category, urgency and status, as the
press release counts them (``engagements.press``); the sign-in list, officials' names
and the minutes are left out (they may name residents). Times are shown in the area's
own zone (WIB, WITA, WIT) in the Indonesian or English way (``core.timefmt``).

The monthly report prints every table ``dashboards.tables`` builds, in its order, so
a table added there appears here without a change; a table of counts gets a bar
chart of this month's column above it (drawn with PDF rectangles: fpdf2's SVG reader
cannot read ``core.charts``' SVG).
"""

from __future__ import annotations

import calendar
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kamtibmas.aid.documents import PagedDocument, TableColumn, TableRow
from kamtibmas.areas.models import TimeZone, Unit
from kamtibmas.certificates.pdf import LEFT, PT, TEXT_WIDTH, wrap
from kamtibmas.core.scope import visible_to
from kamtibmas.core.timefmt import format_local, format_local_date, resolve_zone
from kamtibmas.dashboards.selectors import unit_dashboard
from kamtibmas.dashboards.tables import Cell, Table, dashboard_tables
from kamtibmas.engagements import selectors as dialogue_selectors
from kamtibmas.engagements.models import FollowUpStatus
from kamtibmas.engagements.press import press_facts

MEDIA_TYPE = "application/pdf"

#: The most photos a closing report prints (the page shows the rest are left out).
PHOTOS_SHOWN = 12
_PHOTO_GAP = 5.0
_PHOTO_MAX_HEIGHT = 65.0
_CHART_ROW = 5.0
_CHART_LABEL = 55.0
_CHART_VALUE = 14.0
#: A table of more rows gets no chart: it would not fit on a page.
_CHART_MAX_ROWS = 30


# --- the closing report of a dialogue -----------------------------------------------


@dataclass(frozen=True)
class Photo:
    data: bytes
    width: int
    height: int
    caption: str


@dataclass(frozen=True)
class ClosingReport:
    """Everything the closing report shows, already worded in the active language."""

    title: str
    kind: str
    status: str
    unit: str
    host: str
    place: str
    venue: str
    start: str
    end: str
    residents: int
    leaders: int
    children: int
    officials: tuple[str, ...]
    topics: tuple[tuple[str, str], ...]  # (topic, notes)
    answers: tuple[tuple[str, str, str], ...]  # (question, answered by, answer)
    #: Public aspirations only: (case number, category, urgency, status now).
    aspirations: tuple[tuple[str, str, str, str], ...]
    loss_reports: int
    certificates_issued: int
    aid: tuple[tuple[str, int], ...]  # (item, quantity)
    households: int
    inspected_at: str
    inspector: str
    inspection_notes: str
    findings: tuple[tuple[str, str, str], ...]  # (item, result, note)
    follow_ups: tuple[tuple[str, str, str, str, str], ...]  # (what, owner, due, status, outcome)
    open_follow_ups: int
    photos: tuple[Photo, ...]
    photos_total: int
    generated_at: str


def _photo(image: Any, caption: str) -> Photo | None:
    """The stored JPEG of a photo; ``None`` when its file is gone."""
    try:
        with image.open("rb") as handle:
            data = handle.read()
    except OSError:
        return None
    return Photo(data=data, width=image.width or 1, height=image.height or 1, caption=caption)


def dialogue_closing_report(
    *, actor: Any, dialogue_pk: int, now: datetime | None = None
) -> ClosingReport:
    """The closing report of a dialogue ``actor`` may see (``Http404`` else), read
    from its record in the active language. See the module for what it leaves out."""
    from kamtibmas.aspirations.models import Aspiration, Privacy

    dialogue = dialogue_selectors.dialogue_get(user=actor, pk=dialogue_pk)
    facts = press_facts(dialogue)
    zone = resolve_zone(dialogue.area)
    public = (
        visible_to(Aspiration.objects.all(), actor)
        .filter(dialogue=dialogue, privacy=Privacy.PUBLIC)
        .order_by("received_at", "pk")
    )
    inspection = getattr(dialogue, "inspection", None)
    findings = list(inspection.findings.all()) if inspection is not None else []
    follow_ups = list(dialogue.follow_ups.all())
    photos = list(dialogue.photos.all())
    host = ""
    if facts.host is not None:
        host = ", ".join(part for part in (facts.host.position, facts.host.name) if part)
    return ClosingReport(
        title=dialogue.title,
        kind=dialogue.type.name,
        status=dialogue.get_status_display(),
        unit=dialogue.unit.name,
        host=host,
        place=facts.place,
        venue=facts.venue,
        start=format_local(dialogue.start, zone=zone),
        end=format_local(dialogue.end, zone=zone),
        residents=facts.residents,
        leaders=facts.leaders,
        children=facts.children,
        officials=facts.officials,
        topics=tuple(
            (delivered.topic.name, delivered.notes.strip())
            for delivered in sorted(
                dialogue.topics.all(), key=lambda d: (d.topic.position, d.topic.code)
            )
        ),
        answers=facts.answers,
        aspirations=tuple(
            (
                case.number,
                case.get_category_display(),
                case.get_urgency_display(),
                case.get_status_display(),
            )
            for case in public
        ),
        loss_reports=facts.loss_reports,
        certificates_issued=facts.certificates_issued,
        aid=facts.aid,
        households=facts.households,
        inspected_at=format_local(inspection.inspected_at, zone=zone) if inspection else "",
        inspector=inspection.inspector.display_name if inspection else "",
        inspection_notes=inspection.notes.strip() if inspection else "",
        findings=tuple(
            (finding.item.name, finding.get_result_display(), finding.note.strip())
            for finding in findings
        ),
        follow_ups=tuple(
            (
                follow_up.title,
                follow_up.owner.display_name,
                format_local_date(follow_up.due_date),
                follow_up.get_status_display(),
                follow_up.outcome.strip(),
            )
            for follow_up in follow_ups
        ),
        open_follow_ups=sum(1 for f in follow_ups if f.status == FollowUpStatus.OPEN),
        photos=tuple(
            photo
            for photo in (_photo(p.image, p.caption) for p in photos[:PHOTOS_SHOWN])
            if photo is not None
        ),
        photos_total=len(photos),
        generated_at=format_local(now or timezone.now(), zone=zone),
    )


class _ReportDocument(PagedDocument):
    """The aid report's paged document, with photos, bar charts and plain lists."""

    def heading(self, text: str) -> None:
        """A section heading, never alone at the bottom of a page."""
        if not self.room(18.0):
            self.page()
        self.text(text, size=11, bold=True, gap=1.0)

    def none(self, text: str) -> None:
        self.text(text, size=9, gap=3.0)

    def listing(self, columns: Sequence[TableColumn], rows: Sequence[TableRow], empty: str) -> None:
        """A table under the current heading, or ``empty`` when it has no row."""
        if rows:
            header = self._height(columns, TableRow(tuple(c.title for c in columns), bold=True))
            if not self.room(header + self._height(columns, rows[0])):
                self.page()  # a header never ends a page without its first row
            self._rows(columns, rows, header=True)
            self.y += 4.0
        else:
            self.none(empty)

    def photos(self, photos: Sequence[Photo]) -> None:
        """Two photos a row, each scaled into its half of the text width, its caption
        below it."""
        width = (TEXT_WIDTH - _PHOTO_GAP) / 2
        for start in range(0, len(photos), 2):
            row = photos[start : start + 2]
            sizes = []
            for photo in row:
                w, h = width, width * photo.height / photo.width
                if h > _PHOTO_MAX_HEIGHT:
                    w, h = _PHOTO_MAX_HEIGHT * photo.width / photo.height, _PHOTO_MAX_HEIGHT
                sizes.append((w, h))
            captions = [wrap(photo.caption, width, 8) if photo.caption else [] for photo in row]
            line = 8 * PT * 1.3
            height = max(h for _w, h in sizes) + line * max(len(c) for c in captions) + 4.0
            if not self.room(height):
                self.page()
            x = LEFT
            for photo, (w, h), caption in zip(row, sizes, captions, strict=True):
                self.pdf.image(io.BytesIO(photo.data), x=x, y=self.y, w=w, h=h)
                self.pdf.set_font("Helvetica", "", 8)
                baseline = self.y + h + line
                for text in caption:
                    self.pdf.text(x, baseline, text)
                    baseline += line
                x += width + _PHOTO_GAP
            self.y += height

    def bars(self, title: str, rows: Sequence[tuple[str, float]]) -> None:
        """A horizontal bar per row, labelled on the left, its value at its end; the
        scale runs from 0 to the largest value."""
        height = 6.0 + _CHART_ROW * len(rows) + 3.0
        if not self.room(height):
            self.page()
        self.text(title, size=9, bold=True, gap=1.0)
        pdf = self.pdf
        largest = max((value for _label, value in rows), default=0.0)
        span = TEXT_WIDTH - _CHART_LABEL - _CHART_VALUE
        pdf.set_font("Helvetica", "", 7.5)
        pdf.set_draw_color(180)
        pdf.set_line_width(0.2)
        top = self.y
        pdf.line(LEFT + _CHART_LABEL, top, LEFT + _CHART_LABEL, top + _CHART_ROW * len(rows))
        for index, (label, value) in enumerate(rows):
            y = top + index * _CHART_ROW
            baseline = y + _CHART_ROW * 0.7
            text = wrap(label, _CHART_LABEL - 2.0, 7.5)[0]
            pdf.text(LEFT + _CHART_LABEL - 1.5 - pdf.get_string_width(text), baseline, text)
            length = span * max(value, 0.0) / largest if largest > 0 else 0.0
            if length > 0:
                pdf.set_fill_color(61, 43, 31)
                pdf.rect(LEFT + _CHART_LABEL, y + 0.8, length, _CHART_ROW - 1.6, style="F")
            pdf.text(LEFT + _CHART_LABEL + length + 1.5, baseline, _number(value))
        pdf.set_draw_color(0)
        self.y = top + _CHART_ROW * len(rows) + 4.0


def _language() -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return language.split("-", 1)[0]


def _number(value: Cell) -> str:
    """A figure as the reader writes it: "12,5" in Indonesian, "12.5" in English; a
    text as it is."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        value = round(value, 1)
    return format_decimal(value, locale=_language())


def dialogue_closing_pdf(report: ClosingReport) -> bytes:
    """The closing report as an A4 PDF, in the active language."""
    title = _("Dialogue closing report")
    document = _ReportDocument(
        title, report.title, _("Generated %(when)s") % {"when": report.generated_at}
    )
    document.page()
    document.text(title.upper(), size=14, bold=True, gap=1.0)
    document.text(report.title, size=11, bold=True, gap=1.0)
    document.text(report.unit, size=10, gap=4.0)
    attendance = _(
        "%(residents)s residents, %(leaders)s community leaders, %(children)s children"
    ) % {
        "residents": report.residents,
        "leaders": report.leaders,
        "children": report.children,
    }
    facts = [
        (_("Type"), report.kind),
        (_("Status"), report.status),
        (_("Organising unit"), report.unit),
        (_("Host officer"), report.host or "-"),
        (_("Place"), report.place),
        (_("Venue"), report.venue or "-"),
        (_("Start"), report.start),
        (_("End"), report.end),
        (_("Attendance"), attendance),
        (_("Total"), str(report.residents + report.leaders + report.children)),
        (_("Officials present"), ", ".join(report.officials) or "-"),
        (_("Generated"), report.generated_at),
    ]
    document.facts(facts)

    document.heading(_("Outreach topics delivered"))
    document.listing(
        [TableColumn(_("Topic"), 55.0), TableColumn(_("Notes"), TEXT_WIDTH - 55.0)],
        [TableRow((topic, notes or "-")) for topic, notes in report.topics],
        _("No outreach topic was recorded."),
    )
    _closing_sections(document, report)
    return document.output()


def _closing_sections(document: _ReportDocument, report: ClosingReport) -> None:
    document.heading(_("Answers given on the spot"))
    document.listing(
        [
            TableColumn(_("Question or concern"), 70.0),
            TableColumn(_("Answered by"), 30.0),
            TableColumn(_("Answer"), TEXT_WIDTH - 100.0),
        ],
        [TableRow((q, who or "-", answer or "-")) for q, who, answer in report.answers],
        _("No answer on the spot was recorded."),
    )

    document.heading(_("Aspirations raised"))
    document.text(
        _(
            "Public aspirations only, by case number. Confidential and anonymous "
            "aspirations and the names of reporters are never part of this report."
        ),
        size=8,
        gap=2.0,
    )
    document.listing(
        [
            TableColumn(_("Case number"), 40.0),
            TableColumn(_("Category"), 50.0),
            TableColumn(_("Urgency"), 30.0),
            TableColumn(_("Status now"), TEXT_WIDTH - 120.0),
        ],
        [TableRow(line) for line in report.aspirations],
        _("No public aspiration was recorded at this dialogue."),
    )

    document.heading(_("Services at the dialogue"))
    services = [
        (_("Loss reports taken"), str(report.loss_reports)),
        (_("Certificates issued"), str(report.certificates_issued)),
    ]
    document.facts(services)

    document.heading(_("Aid handed out"))
    document.listing(
        [
            TableColumn(_("Item"), 120.0),
            TableColumn(_("Handed out"), TEXT_WIDTH - 120.0, numeric=True),
        ],
        [TableRow((item, str(quantity))) for item, quantity in report.aid],
        _("No aid was handed out at this dialogue."),
    )
    if report.aid:
        document.facts([(_("Households served (KK)"), str(report.households))])

    document.heading(_("Inspection"))
    if report.inspected_at:
        document.facts(
            [
                (_("Inspected at"), report.inspected_at),
                (_("Inspector"), report.inspector),
                (_("Notes"), report.inspection_notes or "-"),
            ]
        )
        document.listing(
            [
                TableColumn(_("Checklist item"), 55.0),
                TableColumn(_("Result"), 25.0),
                TableColumn(_("Note"), TEXT_WIDTH - 80.0),
            ],
            [TableRow((item, result, note or "-")) for item, result, note in report.findings],
            _("No checklist item was recorded."),
        )
    else:
        document.none(_("No inspection was recorded."))

    document.heading(_("Follow-ups"))
    if report.follow_ups:
        document.text(
            _("%(open)s of %(total)s still open.")
            % {"open": report.open_follow_ups, "total": len(report.follow_ups)},
            size=9,
            gap=1.0,
        )
    document.listing(
        [
            TableColumn(_("What is to be done"), 50.0),
            TableColumn(_("Owner"), 30.0),
            TableColumn(_("Due date"), 30.0),
            TableColumn(_("Status"), 18.0),
            TableColumn(_("Outcome"), TEXT_WIDTH - 128.0),
        ],
        [
            TableRow((what, who, due, status, outcome or "-"))
            for what, who, due, status, outcome in report.follow_ups
        ],
        _("No follow-up was recorded."),
    )

    document.heading(_("Photos"))
    if report.photos:
        document.photos(report.photos)
        left_out = report.photos_total - len(report.photos)
        if left_out > 0:
            document.none(
                ngettext(
                    "%(count)d more photo is kept with the dialogue record.",
                    "%(count)d more photos are kept with the dialogue record.",
                    left_out,
                )
                % {"count": left_out}
            )
    else:
        document.none(_("No photo was recorded."))


# --- the monthly report of a unit ---------------------------------------------------


@dataclass(frozen=True)
class MonthlyReport:
    unit: str
    month: str  # "Juli 2025"
    period: str
    tables: tuple[Table, ...]
    generated_at: str
    zone: TimeZone


def month_bounds(month: date) -> tuple[date, date]:
    """The first and the last day of the month of ``month``."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def unit_monthly_report(
    *, actor: Any, unit: Unit, month: date, now: datetime | None = None
) -> MonthlyReport:
    """The dashboard of ``unit`` for the calendar month of ``month`` (next to the
    period of the same length before it), in the active language.
    ``PermissionDenied`` for a unit ``actor`` cannot see."""
    first, last = month_bounds(month)
    dashboard = unit_dashboard(actor=actor, unit=unit, period_start=first, period_end=last)
    zone = resolve_zone(unit.area)
    return MonthlyReport(
        unit=unit.name,
        month=format_date(first, "MMMM y", locale=_language()),
        period=f"{format_local_date(first)} - {format_local_date(last)}",
        tables=tuple(dashboard_tables(dashboard).values()),
        generated_at=format_local(now or timezone.now(), zone=zone),
        zone=zone,
    )


def _is_count(cell: Any) -> bool:
    return isinstance(cell, int) and not isinstance(cell, bool)


def _chartable(table: Table) -> bool:
    """A table of counts (every cell an integer): charted when a count is not 0."""
    return 0 < len(table.rows) <= _CHART_MAX_ROWS and all(
        _is_count(cell) for row in table.rows for cell in row.cells
    )


def _table_columns(table: Table) -> list[TableColumn]:
    others = len(table.columns) - 1
    first = 70.0 if others <= 2 else 34.0
    width = (TEXT_WIDTH - first) / max(others, 1)
    return [
        TableColumn(table.columns[0], first),
        *(TableColumn(title, width, numeric=True) for title in table.columns[1:]),
    ]


def unit_monthly_pdf(report: MonthlyReport) -> bytes:
    """The monthly report as an A4 PDF, in the active language."""
    title = _("Monthly unit report")
    subtitle = f"{report.unit} · {report.month}"
    document = _ReportDocument(
        title, subtitle, _("Generated %(when)s") % {"when": report.generated_at}
    )
    document.page()
    document.text(title.upper(), size=14, bold=True, gap=1.0)
    document.text(subtitle, size=11, bold=True, gap=4.0)
    document.facts(
        [
            (_("Unit"), report.unit),
            (_("Period"), report.period),
            (_("Generated"), report.generated_at),
        ]
    )
    document.text(
        _(
            "Each figure is shown next to the period of the same length just before "
            "this month. Counts, shares and means only: no person is named."
        ),
        size=8,
        gap=3.0,
    )
    for table in report.tables:
        document.heading(table.caption)
        if _chartable(table) and any(row.cells[0] for row in table.rows):
            document.bars(
                _("This month"), [(row.label, float(row.cells[0] or 0)) for row in table.rows]
            )
        document.listing(
            _table_columns(table),
            [
                TableRow(
                    (
                        row.label,
                        *(_number(cell) for cell in row.cells),
                    )
                )
                for row in table.rows
            ],
            _("Nothing to show."),
        )
    return document.output()
