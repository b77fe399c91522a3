"""The dashboard read from the roll-up of received cases gives exactly the figures of
the live computation, on the hand-built data set of ``test_selectors``, for every
grain (unit, kecamatan, kelurahan, RW), before and after cases change between
refreshes."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from kamtibmas.areas.models import Area
from kamtibmas.aspirations.models import Aspiration, Status
from kamtibmas.aspirations.services import aspiration_triage_confirm
from kamtibmas.dashboards import rollup
from kamtibmas.dashboards.models import CaseDayCount, RollupState
from kamtibmas.dashboards.rollup import cases_rollup_refresh, day_ranges, rollup_view
from kamtibmas.dashboards.selectors import unit_dashboard
from kamtibmas.dashboards.tests.test_selectors import scene
from kamtibmas.safety.tests.conftest import area, english
from kamtibmas.safety.tests.factories import case

pytestmark = pytest.mark.django_db

__all__ = ["area", "english", "scene"]  # the fixtures, imported for this module


@pytest.fixture(autouse=True)
def _no_id_margin(monkeypatch):
    """A rebuild's marks without the margin: in a test nothing is in flight, and with it
    every case of this small set would count as changed (read live)."""
    monkeypatch.setattr(rollup, "ID_MARGIN", 0)


def _fresh(user):
    """The user as a new request loads it (scope and roll-up state not yet read)."""
    return get_user_model().objects.get(pk=user.pk)


def _figures(scene, actor, unit, place=None, *, rollup: bool, days: int = 30):
    with (
        override_settings(KAMTIBMAS_DASHBOARD_ROLLUP=rollup),
        CaptureQueriesContext(connection) as captured,
    ):
        dashboard = unit_dashboard(
            actor=_fresh(actor),
            unit=unit,
            period_start=scene.today - timedelta(days=days - 1),
            period_end=scene.today,
            area=place,
        )
    used = any(CaseDayCount._meta.db_table in q["sql"] for q in captured.captured_queries)
    return (asdict(dashboard.current), asdict(dashboard.previous)), used


def _views(scene):
    """(actor, unit, area) of every grain: the Polsek, the Polres (kecamatan children),
    a kecamatan, a kelurahan (RW children), an RW, and an administrator's view."""
    return [
        (scene.commander_selatan, scene.polsek_selatan, None),
        (scene.commander_polres, scene.polres, None),
        (scene.commander_polres, scene.polres, scene.selatan),
        (scene.commander_selatan, scene.polsek_selatan, scene.kayuringin),
        (scene.officer_selatan, scene.polsek_selatan, scene.rw024),
        (scene.admin, scene.polres, scene.kayuringin),
    ]


def assert_same(scene, *, days: int = 30) -> None:
    for actor, unit, place in _views(scene):
        live, _unused = _figures(scene, actor, unit, place, rollup=False, days=days)
        rolled, used = _figures(scene, actor, unit, place, rollup=True, days=days)
        assert used, (actor, unit, place)
        assert rolled == live, (actor, unit, place)


def test_the_roll_up_gives_the_live_figures_for_every_grain(scene):
    before, used = _figures(scene, scene.commander_selatan, scene.polsek_selatan, rollup=True)
    assert not used  # no refresh yet: live
    result = cases_rollup_refresh()
    assert result.rebuilt and result.rows > 0
    assert CaseDayCount.objects.filter(fine=True).exists()
    assert CaseDayCount.objects.filter(fine=False).exists()
    assert_same(scene)
    assert_same(scene, days=90)
    after, _used = _figures(scene, scene.commander_selatan, scene.polsek_selatan, rollup=True)
    assert after == before
    # The figures the hand-built set was made for, from the roll-up.
    current = after[0]
    assert current["received"] == 5
    assert current["by_status"][Status.RESOLVED] == 3


def test_cases_changed_after_the_refresh_are_read_live_until_counted_again(scene):
    cases_rollup_refresh()
    # Triage corrected on a case received ten days ago (its day is rolled up): the
    # service writes a history entry, which marks the day as changed.
    older = Aspiration.objects.get(category="kekerasan", urgency="sedang")
    aspiration_triage_confirm(
        actor=scene.admin, aspiration=older, category="narkoba", urgency="darurat"
    )
    # A new case with a receipt time in the past (an offline capture, synced now).
    synced = case(scene.rw001, category="pencurian", urgency="rendah", days_ago=17)
    zone = ZoneInfo("Asia/Jakarta")
    view = rollup_view(zone)
    assert view is not None
    assert view.live_days == frozenset()
    # Only the rows holding those two cases are read live: their day, their RW
    # (RW 001 of Kayuringin Jaya, both) and their kelurahan.
    assert view.changed == {
        (older.received_at.astimezone(zone).date(), scene.rw001.pk, scene.kayuringin.pk),
        (synced.received_at.astimezone(zone).date(), scene.rw001.pk, scene.kayuringin.pk),
    }
    assert_same(scene)
    live, _used = _figures(scene, scene.commander_selatan, scene.polsek_selatan, rollup=False)
    assert live[0]["received"] == 6 and live[0]["by_category"]["narkoba"] == 2

    # The next refreshes count those days again and move the marks past them.
    cases_rollup_refresh()
    cases_rollup_refresh()
    state = RollupState.objects.get()
    assert state.case_mark == Aspiration.objects.latest("pk").pk
    assert_same(scene)


def test_today_is_rolled_up_and_only_its_newest_cases_are_read_live(scene):
    zone = ZoneInfo("Asia/Jakarta")
    earlier = case(scene.rw024, category="pencurian", urgency="rendah", days_ago=0)
    today = earlier.received_at.astimezone(zone).date()
    cases_rollup_refresh()
    cases_rollup_refresh()
    # Today's cases so far are counted (a Polres receives thousands a day: reading
    # them all live on every dashboard was its largest query).
    row = CaseDayCount.objects.values().get(day=today, fine=True, area=scene.rw024)
    assert row["received"] >= 1 and row["category_pencurian"] >= 1
    view = rollup_view(zone)
    assert view is not None and view.rolled(today) and view.changed == frozenset()
    assert_same(scene)
    # A case received after the refresh is new: only its cell (today, its RW) is live.
    later = case(scene.rw001, category="narkoba", urgency="darurat", days_ago=0)
    view = rollup_view(zone)
    assert view is not None
    assert view.changed == {(today, scene.rw001.pk, scene.kayuringin.pk)}
    assert_same(scene)
    rolled, _used = _figures(scene, scene.commander_selatan, scene.polsek_selatan, rollup=True)
    assert rolled[0]["by_category"]["narkoba"] >= 1
    assert rolled[0]["by_urgency"]["darurat"] >= 1
    assert later.received_at.astimezone(zone).date() == today


def test_a_day_changed_in_many_cells_is_read_live_whole(scene, monkeypatch):
    cases_rollup_refresh()
    synced = case(scene.rw001, category="pencurian", urgency="rendah", days_ago=17)
    zone = ZoneInfo("Asia/Jakarta")
    day = synced.received_at.astimezone(zone).date()
    monkeypatch.setattr(rollup, "CROWDED_CELLS", 0)
    view = rollup_view(zone)
    assert view is not None
    assert day in view.live_days and not view.rolled(day) and view.changed == frozenset()
    assert_same(scene)


def test_an_area_in_another_zone_than_its_unit_is_read_live(scene):
    # Rows are local days in their area's zone; a dashboard counts days in its unit's.
    Area.objects.filter(pk__in=[scene.kayuringin.pk, scene.rw024.pk, scene.rw001.pk]).update(
        timezone="Asia/Makassar"
    )
    cases_rollup_refresh()
    kelurahan = Area.objects.get(pk=scene.kayuringin.pk)
    live, _unused = _figures(
        scene, scene.commander_selatan, scene.polsek_selatan, kelurahan, rollup=False
    )
    rolled, used = _figures(
        scene, scene.commander_selatan, scene.polsek_selatan, kelurahan, rollup=True
    )
    assert not used and rolled == live


def test_day_ranges_join_consecutive_days(scene):
    today = scene.today
    days = [today, today - timedelta(days=1), today - timedelta(days=5)]
    assert day_ranges(days) == [
        (today - timedelta(days=5), today - timedelta(days=5)),
        (today - timedelta(days=1), today),
    ]


def test_the_command_and_the_worker_job_refresh_the_roll_up(scene, settings):
    import io

    from django.core.management import call_command
    from django.utils.module_loading import import_string

    output = io.StringIO()
    call_command("dashboards_rollup", stdout=output)
    assert "rebuilt" in output.getvalue()
    jobs = {name: path for name, _every, path in settings.KAMTIBMAS_PERIODIC_JOBS}
    assert import_string(jobs["dashboards.rollup"])().rebuilt is False
    call_command("dashboards_rollup", rebuild=True, stdout=output)
    assert RollupState.objects.count() == 1
