"""The dashboards' roll-up of received cases (``dashboards.rollup``): counts per local
day and area, so that a dashboard reads a few thousand rows instead of every case of
its periods. Derived data only: ``kamtibmas dashboards_rollup --rebuild`` makes it
again from the cases at any time.
"""

from __future__ import annotations

from django.db import models

from kamtibmas.aspirations.models import Status
from kamtibmas.triage.taxonomy import Category, Urgency


class CaseDayCount(models.Model):
    """The cases received on ``day`` (local, in the area's zone) whose area lies in
    ``area`` (the case's RW, or its kelurahan when ``fine`` is false; the case's own
    area when it lies above that grain), by category, urgency and status now: one
    column per code (``category_<code>``, ``urgency_<code>``, ``status_<code>``); and
    the reporters' "not fixed" answers given on ``day`` about cases of that area."""

    day = models.DateField()
    area = models.ForeignKey(
        "areas.Area", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    #: RW grain (for a kelurahan's or an RW's dashboard) or kelurahan grain.
    fine = models.BooleanField()
    received = models.PositiveIntegerField(default=0)
    not_fixed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # Readers take an area's run of days; the refresh replaces whole days.
            models.UniqueConstraint(fields=["fine", "area", "day"], name="casedaycount_unique")
        ]
        indexes = [models.Index(fields=["day"], name="casedaycount_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.area_id} {self.received}"


def count_column(dimension: str, code: str) -> str:
    return f"{dimension}_{code}"


#: Dimension → its codes, each a column of ``CaseDayCount``.
DIMENSIONS: dict[str, list[str]] = {
    "category": [str(code) for code in Category.values],
    "urgency": [str(code) for code in Urgency.values],
    "status": [str(code) for code in Status.values],
}
for _dimension, _codes in DIMENSIONS.items():
    for _code in _codes:
        CaseDayCount.add_to_class(
            count_column(_dimension, _code), models.PositiveIntegerField(default=0)
        )


class RollupState(models.Model):
    """Where the roll-up stands (one row, ``name="cases"``).

    Days before ``through`` (the day after WIB's today at the last refresh; today as far
    as that refresh counted it) are rolled up, except ``live_days``. ``case_mark`` and
    ``update_mark`` are the highest case and case-history ids of the refresh before
    the last one: a case with a higher id, or with a history entry of a higher id,
    may have changed after the last refresh read it, so its received day is read live.
    """

    name = models.CharField(max_length=20, unique=True)
    through = models.DateField()
    case_mark = models.BigIntegerField(default=0)
    update_mark = models.BigIntegerField(default=0)
    #: This refresh's marks, which the next refresh makes ``case_mark``/``update_mark``.
    next_case_mark = models.BigIntegerField(default=0)
    next_update_mark = models.BigIntegerField(default=0)
    #: ISO dates never rolled up (a code outside the choices): always read live.
    live_days = models.JSONField(default=list)
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} through {self.through}"


#: The counting columns of ``CaseDayCount``, in order.
COUNT_COLUMNS: list[str] = [
    "received",
    "not_fixed",
    *(count_column(dimension, code) for dimension, codes in DIMENSIONS.items() for code in codes),
]
