"""The dashboard's tables: one shape for the page, its charts and the CSV exports, so
the three always agree. Pure: built from a ``Dashboard``, no queries.

Every cell is an aggregate (a count, a share, a duration or a mean); no table names
a person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from kamtibmas.aspirations.models import Status
from kamtibmas.dashboards.selectors import Dashboard, Figures
from kamtibmas.triage.taxonomy import Category, Urgency

Cell = int | float | str | None

#: The tables that can be exported, in the page's order.
TABLE_NAMES = ("summary", "category", "urgency", "status", "surveys")


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


def dashboard_tables(dashboard: Dashboard) -> dict[str, Table]:
    """Every table of the dashboard by its name (``TABLE_NAMES``)."""
    return {
        "summary": _summary(dashboard),
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
        "surveys": _surveys(dashboard),
    }
