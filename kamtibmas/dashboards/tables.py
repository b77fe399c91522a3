"""The dashboard's tables: one shape for the page, its charts and the CSV and XLSX
exports, so they always agree. Pure: built from a ``Dashboard``, no queries.

Every cell is an aggregate (a count, a share, a duration or a mean); no table names
a person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from kamtibmas.aspirations.models import Status
from kamtibmas.certificates.catalogue import item_type_choices
from kamtibmas.dashboards.selectors import OVERDUE_BANDS, AreaFigures, Dashboard, Figures
from kamtibmas.triage.taxonomy import Category, Urgency

Cell = int | float | str | None

#: The tables that can be exported, in the page's order.
TABLE_NAMES = (
    "summary",
    "areas",
    "category",
    "urgency",
    "status",
    "topics",
    "certificates",
    "aid",
    "followups",
    "surveys",
)


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    name: str
    caption: str
    #: The header of the label column, then one per cell.
    columns: tuple[str, ...]
    rows: tuple[Row, ...]


def _period(figures: Figures) -> str:
    return f"{figures.period_start.isoformat()}/{figures.period_end.isoformat()}"


def _decimal(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _compare_columns(dashboard: Dashboard, first: str) -> tuple[str, ...]:
    return (
        first,
        _("This period (%(period)s)") % {"period": _period(dashboard.current)},
        _("Previous period (%(period)s)") % {"period": _period(dashboard.previous)},
    )


def _summary(dashboard: Dashboard) -> Table:
    figures: list[tuple[str, str, Callable[[Figures], Cell]]] = [
        ("dialogues_held", _("Dialogues held"), lambda f: f.dialogues_held),
        ("dialogues_planned", _("Dialogues planned, not yet held"), lambda f: f.dialogues_planned),
        ("attendance", _("Attendance at the dialogues held"), lambda f: f.attendance),
        ("received", _("Aspirations received"), lambda f: f.received),
        ("resolved", _("Of these, resolved"), lambda f: f.resolved),
        ("share_resolved", _("Share resolved (%)"), lambda f: f.share_resolved),
        ("resolved_in_period", _("Cases resolved in the period"), lambda f: f.resolved_in_period),
        ("median_days", _("Median days to resolve"), lambda f: _decimal(f.median_days)),
        ("p90_days", _("90th percentile of days to resolve"), lambda f: _decimal(f.p90_days)),
        ("sla_compliance", _("Resolved within the deadline (%)"), lambda f: f.sla_compliance),
        (
            "reopened_not_fixed",
            _("Reopened after “not fixed”"),
            lambda f: f.reopened_not_fixed,
        ),
        (
            "topics_delivered",
            _("Outreach topics delivered at the dialogues held"),
            lambda f: sum(f.topics.values()),
        ),
        (
            "certificates_issued",
            _("Loss-report certificates issued"),
            lambda f: f.certificates_issued,
        ),
        (
            "follow_ups_overdue",
            _("Follow-up tasks overdue at the period end"),
            lambda f: f.follow_ups_overdue,
        ),
    ]
    return Table(
        name="summary",
        caption=_("Summary"),
        columns=_compare_columns(dashboard, _("Figure")),
        rows=tuple(
            Row(key, label, (value(dashboard.current), value(dashboard.previous)))
            for key, label, value in figures
        ),
    )


def _counts(
    dashboard: Dashboard,
    *,
    name: str,
    caption: str,
    first: str,
    choices: list[tuple[str, Any]],
    pick: Callable[[Figures], dict[str, int]],
) -> Table:
    current, previous = pick(dashboard.current), pick(dashboard.previous)
    return Table(
        name=name,
        caption=caption,
        columns=_compare_columns(dashboard, first),
        rows=tuple(
            Row(code, str(label), (current.get(code, 0), previous.get(code, 0)))
            for code, label in choices
        ),
    )


def _surveys(dashboard: Dashboard) -> Table:
    now, before = _("this period"), _("previous period")
    columns = (
        _("Question"),
        _("Answers, %(period)s") % {"period": now},
        _("Mean, %(period)s") % {"period": now},
        _("95%% interval from, %(period)s") % {"period": now},
        _("95%% interval to, %(period)s") % {"period": now},
        _("Answers, %(period)s") % {"period": before},
        _("Mean, %(period)s") % {"period": before},
        _("95%% interval from, %(period)s") % {"period": before},
        _("95%% interval to, %(period)s") % {"period": before},
    )
    rows = []
    for question in dashboard.questions:
        cells: list[Cell] = []
        for figures in (dashboard.current, dashboard.previous):
            score = figures.scores[question.code]
            cells += [score.count, *(_decimal(v) for v in (score.mean, score.low, score.high))]
        rows.append(Row(question.code, question.text, tuple(cells)))
    return Table(
        name="surveys",
        caption=_("Survey scores after the dialogues (1 to 5)"),
        columns=columns,
        rows=tuple(rows),
    )


def _areas(dashboard: Dashboard) -> Table:
    """The child areas with their key figures in both periods, then what lies in none
    of them (only when there is some)."""
    now, before = _("this period"), _("previous period")
    columns = (
        _("Area"),
        _("Received, %(period)s") % {"period": now},
        _("Received, %(period)s") % {"period": before},
        _("Share resolved (%%), %(period)s") % {"period": now},
        _("Share resolved (%%), %(period)s") % {"period": before},
        _("Dialogues held, %(period)s") % {"period": now},
        _("Dialogues held, %(period)s") % {"period": before},
    )
    empty = AreaFigures()

    def cells(key: int | None) -> tuple[Cell, ...]:
        current = dashboard.current.by_child.get(key, empty)
        previous = dashboard.previous.by_child.get(key, empty)
        return (
            current.received,
            previous.received,
            current.share_resolved,
            previous.share_resolved,
            current.dialogues_held,
            previous.dialogues_held,
        )

    rows = [Row(str(child.pk), str(child), cells(child.pk)) for child in dashboard.children]
    rest = cells(None)
    if dashboard.children and any(rest[i] for i in (0, 1, 4, 5)):
        rows.append(Row("none", _("Not in one of these areas"), rest))
    return Table(
        name="areas",
        caption=_("By area"),
        columns=columns,
        rows=tuple(rows),
    )


def _topics(dashboard: Dashboard) -> Table:
    return _counts(
        dashboard,
        name="topics",
        caption=_("Outreach topics delivered at the dialogues held"),
        first=_("Outreach topic"),
        choices=[(topic.code, topic.name) for topic in dashboard.topics],
        pick=lambda f: f.topics,
    )


def _aid(dashboard: Dashboard) -> Table:
    now, before = _("this period"), _("previous period")
    current, previous = dashboard.current.aid, dashboard.previous.aid
    lines = {**previous, **current}
    rows = []
    for item_id in sorted(lines, key=lambda pk: (lines[pk].label, pk)):
        this, that = current.get(item_id), previous.get(item_id)
        rows.append(
            Row(
                str(item_id),
                lines[item_id].label,
                (
                    this.handed_out if this else 0,
                    that.handed_out if that else 0,
                    this.stock if this else (None if dashboard.area else 0),
                    that.stock if that else (None if dashboard.area else 0),
                ),
            )
        )
    return Table(
        name="aid",
        caption=_("Aid handed out and stock left"),
        columns=(
            _("Aid item (measure), program"),
            _("Handed out, %(period)s") % {"period": now},
            _("Handed out, %(period)s") % {"period": before},
            _("Stock at the end, %(period)s") % {"period": now},
            _("Stock at the end, %(period)s") % {"period": before},
        ),
        rows=tuple(rows),
    )


def _follow_ups(dashboard: Dashboard) -> Table:
    labels = {
        "1_7": _("1 to 7 days late"),
        "8_30": _("8 to 30 days late"),
        "31_plus": _("More than 30 days late"),
    }
    figures: list[tuple[str, str, Callable[[Figures], Cell]]] = [
        ("open", _("Open at the period end"), lambda f: f.follow_ups_open),
        ("overdue", _("Of these, overdue"), lambda f: f.follow_ups_overdue),
    ]

    def band(key: str) -> Callable[[Figures], Cell]:
        return lambda f: f.follow_ups_overdue_by_days.get(key, 0)

    figures += [(f"overdue_{key}", labels[key], band(key)) for key, *_days in OVERDUE_BANDS]
    return Table(
        name="followups",
        caption=_("Follow-up tasks of the dialogues at the period end"),
        columns=_compare_columns(dashboard, _("Follow-up tasks")),
        rows=tuple(
            Row(key, label, (value(dashboard.current), value(dashboard.previous)))
            for key, label, value in figures
        ),
    )


def dashboard_tables(dashboard: Dashboard) -> dict[str, Table]:
    """Every table of the dashboard by its name (``TABLE_NAMES``)."""
    return {
        "summary": _summary(dashboard),
        "areas": _areas(dashboard),
        "category": _counts(
            dashboard,
            name="category",
            caption=_("Aspirations received by category"),
            first=_("Category"),
            choices=list(Category.choices),
            pick=lambda f: f.by_category,
        ),
        "urgency": _counts(
            dashboard,
            name="urgency",
            caption=_("Aspirations received by urgency"),
            first=_("Urgency"),
            choices=list(Urgency.choices),
            pick=lambda f: f.by_urgency,
        ),
        "status": _counts(
            dashboard,
            name="status",
            caption=_("Aspirations received, by their status now"),
            first=_("Status"),
            choices=list(Status.choices),
            pick=lambda f: f.by_status,
        ),
        "topics": _topics(dashboard),
        "certificates": _counts(
            dashboard,
            name="certificates",
            caption=_("Loss-report certificates issued, by document"),
            first=_("Document"),
            choices=item_type_choices(),
            pick=lambda f: f.certificates_by_item,
        ),
        "aid": _aid(dashboard),
        "followups": _follow_ups(dashboard),
        "surveys": _surveys(dashboard),
    }
