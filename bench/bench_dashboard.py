"""§9 P4: the unit dashboard on 1,000,000 aspirations, p50/p95/p99 in ms, with D0
measured the same way in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_dashboard.py
    .venv/bin/python bench/bench_dashboard.py --aspirations 20000            # SQLite, small
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/filled \\
        .venv/bin/python bench/bench_dashboard.py --existing                 # as filled already

1. A fresh database (``benchenv``) filled by ``kamtibmas bench_data --bulk``: the demo,
   ``--aspirations`` synthetic cases over about two years with their histories and
   follow-up questionnaires, and about a dialogue a week per kelurahan; ``VACUUM
   ANALYZE`` (what autovacuum does soon after a bulk load); the roll-up built as the
   worker's job builds it (``cases_rollup_refresh``, timed), twice, so that its marks
   are those of a running worker; then ``--changed`` cases of the last 30 days are
   moved on through the services (verified, triage confirmed) after the last refresh,
   as officers do between two refreshes (default 30: ten minutes of this Polres's
   changes at this volume), so that the rows holding them are read live. With
   ``--existing`` the database of ``DATABASE_URL`` is used as it is (filled before by
   ``kamtibmas bench_data --bulk``): nothing is created or dropped; the roll-up is
   refreshed and cases are changed in it.
2. In this process, one thread, ``--requests`` timed calls per figure after three
   warm-up calls, each with the user loaded afresh (as a request loads it, so the
   scope and the roll-up state are read again):
   * the selector ``unit_dashboard()`` and, the same way, D0 selector: one area by
     primary key through the ORM;
   * the page GET ``/staff/dashboard/`` through Django's test client (the whole
     middleware stack, session and template; no HTTP server; the figures computed
     every time, not kept: ``KAMTIBMAS_DASHBOARD_CACHE_SECONDS=0``), and, the same way,
     D0:
     ``/bench/baselines/d0/<pk>`` (one row by primary key, as ``bench_api`` serves it).
   Figures: the Polres commander (``kapolres``, Polres Metro Bekasi Kota: kecamatan
   as child areas) and the Polsek officer (``bhabin``, Polsek Bekasi Selatan), for
   the last 30 and the last 91 days up to today (each next to the period before it),
   for the whole unit and drilled down to an area (a kecamatan for the Polres, a
   kelurahan for the Polsek).
   With ``--live`` each selector figure is measured again without the roll-up
   (``KAMTIBMAS_DASHBOARD_ROLLUP`` off), for information.

Target: p95 < 150 ms at 1,000,000 aspirations (PostgreSQL); at 10,000,000 less than
twice slower (run again with ``--aspirations 10000000``).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

os.environ["KAMTIBMAS_BENCH_BASELINES"] = "1"

from benchenv import bench_django, machine

TARGET_P95_MS = 150.0
WARM_UP = 3
#: Cases moved on between the refresh before last and now: what this Polres's officers
#: do in ten minutes at this volume (1,370 cases a day, about three changes each).
CHANGED = 30


@dataclass(frozen=True)
class Timing:
    label: str
    times: list[float]  # seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.times)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def p50(self) -> float:
        return 1000 * statistics.median(self.times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aspirations", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20251128)
    parser.add_argument("--requests", type=int, default=40, help="timed calls per figure")
    parser.add_argument(
        "--changed",
        type=int,
        default=CHANGED,
        help="cases moved on after the last refresh (default: %(default)s)",
    )
    parser.add_argument("--existing", action="store_true", help="use DATABASE_URL as it is")
    parser.add_argument("--live", action="store_true", help="also measure without the roll-up")
    args = parser.parse_args()
    if args.existing:
        with existing_django() as database:
            prepared = prepare(args, fill=False)
            report(database, prepared, args)
    else:
        with bench_django() as database:
            prepared = prepare(args, fill=True)
            report(database, prepared, args)


class existing_django:
    def __enter__(self) -> str:
        import django
        from django.db import connection

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kamtibmas.config.settings.base")
        django.setup()
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT 1")
            (version,) = cursor.fetchone()
        name = connection.settings_dict["NAME"]
        return f"{str(version).split(' on ')[0]} (existing database {name})"

    def __exit__(self, *exc: object) -> None:
        from django.db import connections

        connections.close_all()


@dataclass(frozen=True)
class Prepared:
    aspirations: int
    updates: int
    dialogues: int
    load_seconds: float | None
    rebuild_seconds: float
    refresh_seconds: float
    rollup_rows: int
    changed: int
    d0_pk: int


def prepare(args: argparse.Namespace, *, fill: bool) -> Prepared:
    from django.core.management import call_command
    from django.db import connection

    from kamtibmas.areas.models import Area
    from kamtibmas.aspirations.demo import KAYURINGIN
    from kamtibmas.aspirations.models import Aspiration, AspirationUpdate
    from kamtibmas.dashboards.models import CaseDayCount
    from kamtibmas.dashboards.rollup import cases_rollup_refresh
    from kamtibmas.engagements.models import Dialogue

    load_seconds = None
    if fill:
        started = time.perf_counter()
        call_command(
            "bench_data",
            aspirations=args.aspirations,
            seed=args.seed,
            bulk=True,
            stdout=io.StringIO(),
        )
        load_seconds = time.perf_counter() - started
        print(f"bench_data --bulk: {load_seconds:.0f} s", file=sys.stderr)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    started = time.perf_counter()
    cases_rollup_refresh(rebuild=True)
    rebuild_seconds = time.perf_counter() - started
    cases_rollup_refresh()
    started = time.perf_counter()
    cases_rollup_refresh()
    refresh_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE dashboards_casedaycount")
    changed = change_cases(args.changed, args.seed)
    return Prepared(
        aspirations=Aspiration.objects.count(),
        updates=AspirationUpdate.objects.count(),
        dialogues=Dialogue.objects.count(),
        load_seconds=load_seconds,
        rebuild_seconds=rebuild_seconds,
        refresh_seconds=refresh_seconds,
        rollup_rows=CaseDayCount.objects.count(),
        changed=changed,
        d0_pk=Area.objects.get(code=KAYURINGIN).pk,
    )


def change_cases(count: int, seed: int) -> int:
    """Move ``count`` cases received in the last 30 days on through the services, as
    officers do between two refreshes of the roll-up: verify those received, confirm
    triage on the others. Returns how many changed."""
    import random

    from django.utils import timezone

    from kamtibmas.accounts.models import User
    from kamtibmas.aspirations.lifecycle import Action
    from kamtibmas.aspirations.models import Aspiration, Status
    from kamtibmas.aspirations.services import aspiration_act, aspiration_triage_confirm

    admin = User.objects.get(username="admin")
    recent = list(
        Aspiration.objects.filter(received_at__gte=timezone.now() - timedelta(days=30))
        .order_by("pk")
        .values_list("pk", flat=True)[: count * 20]
    )
    rng = random.Random(seed)
    done = 0
    for pk in rng.sample(recent, min(count, len(recent))):
        case = Aspiration.objects.get(pk=pk)
        if case.status == Status.RECEIVED:
            aspiration_act(actor=admin, aspiration=case, action=Action.VERIFY)
        else:
            aspiration_triage_confirm(
                actor=admin, aspiration=case, category=case.category, urgency=case.urgency
            )
        done += 1
    return done


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    username: str
    days: int
    area_code: str | None  # drill-down


def figures() -> list[Figure]:
    from kamtibmas.aspirations.demo import KAYURINGIN

    selatan = KAYURINGIN.rsplit(".", 1)[0]
    found = []
    for who, name, area in (("kapolres", "Polres", selatan), ("bhabin", "Polsek", KAYURINGIN)):
        for days, period in ((30, "month"), (91, "quarter")):
            found.append(
                Figure(
                    f"{name}-{period}",
                    f"{name} commander, {period}"
                    if name == "Polres"
                    else f"{name} officer, {period}",
                    who,
                    days,
                    None,
                )
            )
            found.append(
                Figure(
                    f"{name}-{period}-area",
                    f"  drilled down to {'kecamatan' if name == 'Polres' else 'kelurahan'} {area}",
                    who,
                    days,
                    area,
                )
            )
    return found


def timed(call: Callable[[], Any], count: int) -> list[float]:
    for _ in range(WARM_UP):
        call()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def report(database: str, prepared: Prepared, args: argparse.Namespace) -> None:
    from django.test import Client, override_settings

    from kamtibmas.accounts.middleware import DEVICE_ID_SESSION_KEY, SEEN_KEY, SIGNED_IN_KEY
    from kamtibmas.accounts.models import User
    from kamtibmas.areas.models import Area
    from kamtibmas.core.timefmt import local_today
    from kamtibmas.dashboards.selectors import unit_dashboard

    def selector(figure: Figure) -> Callable[[], Any]:
        user_pk = User.objects.get(username=figure.username).pk
        template = User.objects.select_related("unit__area").get(pk=user_pk)
        unit = template.unit
        area = Area.objects.get(code=figure.area_code) if figure.area_code else None
        today = local_today(unit.area)

        def call() -> Any:
            return unit_dashboard(
                actor=User.objects.get(pk=user_pk),
                unit=unit,
                period_start=today - timedelta(days=figure.days - 1),
                period_end=today,
                area=area,
            )

        return call

    def page(figure: Figure) -> Callable[[], Any]:
        user = User.objects.select_related("unit__area").get(username=figure.username)
        today: date = local_today(user.unit.area)
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        # A session that has passed its second factor, as a commander's has: the
        # middleware trusts the session's record of it (accounts.middleware).
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = "bench"
        session[SIGNED_IN_KEY] = session[SEEN_KEY] = int(time.time())
        session.save()
        query = {
            "unit": user.unit_id,
            "period_start": (today - timedelta(days=figure.days - 1)).isoformat(),
            "period_end": today.isoformat(),
        }
        if figure.area_code:
            query["area"] = Area.objects.get(code=figure.area_code).pk

        def call() -> Any:
            response = client.get("/staff/dashboard/", query)
            assert response.status_code == 200, response.status_code
            return response

        return call

    client = Client(HTTP_HOST="localhost")
    d0_selector = Timing(
        "D0 one area by primary key (ORM)",
        timed(lambda: Area.objects.get(pk=prepared.d0_pk), args.requests * 5),
    )
    d0_page = Timing(
        "D0 /bench/baselines/d0/<pk> (test client)",
        timed(lambda: client.get(f"/bench/baselines/d0/{prepared.d0_pk}"), args.requests * 5),
    )
    rows: list[tuple[Timing, Timing | None, Timing | None]] = []
    for figure in figures():
        call = selector(figure)
        sel = Timing(figure.label, timed(call, args.requests))
        live = None
        if args.live:
            with override_settings(KAMTIBMAS_DASHBOARD_ROLLUP=False):
                live = Timing(figure.label, timed(call, max(5, args.requests // 4)))
        # Every page computed: the figures the page keeps a minute per unit, period and
        # scope (KAMTIBMAS_DASHBOARD_CACHE_SECONDS) would make this time the cache.
        with override_settings(KAMTIBMAS_DASHBOARD_CACHE_SECONDS=0):
            pg = Timing(figure.label, timed(page(figure), args.requests))
        rows.append((sel, pg, live))
        print(
            f"  {figure.key}: selector p95 {sel.percentile(0.95):.0f} ms, "
            f"page p95 {pg.percentile(0.95):.0f} ms",
            file=sys.stderr,
        )

    load = f"{prepared.load_seconds:.0f} s" if prepared.load_seconds is not None else "(existing)"
    lines = [
        "P4 unit dashboard (bench/bench_dashboard.py)",
        f"machine:  {machine()}; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}",
        f"database: {database}",
        f"data:     {prepared.aspirations:,} aspirations, {prepared.updates:,} updates, "
        f"{prepared.dialogues:,} dialogues; load {load}",
        f"roll-up:  {prepared.rollup_rows:,} rows; rebuild {prepared.rebuild_seconds:.1f} s, "
        f"refresh with nothing changed {prepared.refresh_seconds * 1000:.0f} ms; "
        f"{prepared.changed} cases changed since (their days read live)",
        f"timing:   {args.requests} calls per figure after {WARM_UP} warm-up, "
        "one thread, in-process",
        "",
        f"{'':46}{'selector ms':>24}{'':>4}{'page (test client) ms':>26}",
        f"{'':46}{'p50':>8}{'p95':>8}{'p99':>8}{'':>4}{'p50':>8}{'p95':>8}{'p99':>8}{'p50/D0':>8}",
        f"{'D0 one row by primary key':46}{d0_selector.p50:8.2f}{d0_selector.percentile(0.95):8.2f}"
        f"{d0_selector.percentile(0.99):8.2f}{'':>4}{d0_page.p50:8.2f}{d0_page.percentile(0.95):8.2f}"
        f"{d0_page.percentile(0.99):8.2f}",
    ]
    worst = 0.0
    for sel, pg, _live in rows:
        assert pg is not None
        worst = max(worst, sel.percentile(0.95), pg.percentile(0.95))
        lines.append(
            f"{sel.label:46}{sel.p50:8.1f}{sel.percentile(0.95):8.1f}{sel.percentile(0.99):8.1f}"
            f"{'':>4}{pg.p50:8.1f}{pg.percentile(0.95):8.1f}{pg.percentile(0.99):8.1f}"
            f"{pg.p50 / d0_page.p50:8.0f}"
        )
    if args.live:
        lines += [
            "",
            "without the roll-up (KAMTIBMAS_DASHBOARD_ROLLUP off), selector, for information",
        ]
        for _sel, _pg, live in rows:
            assert live is not None
            lines.append(
                f"{live.label:46}{live.p50:8.1f}{live.percentile(0.95):8.1f}{live.percentile(0.99):8.1f}"
            )
    verdict = "met" if worst < TARGET_P95_MS else "MISSED"
    lines += ["", f"worst p95 {worst:.0f} ms (target < {TARGET_P95_MS:.0f} ms: {verdict})"]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
