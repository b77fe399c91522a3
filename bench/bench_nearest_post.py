"""The nearest police post (``post_nearest``) among 10,000 posts, in lookups/s.

    .venv/bin/python bench/bench_nearest_post.py                 # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_nearest_post.py

10,000 posts spread uniformly over Indonesia's bounding box, 1,000 lookups at
random points in it. Baselines measured in the same run: a brute-force scan
(read every post's coordinates, rank all of them by haversine, fetch the winner;
on fewer lookups, as it is slow) and D0 (fetching one Unit by primary key).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from benchenv import bench_django, machine

POSTS = 10_000
LOOKUPS = 1_000
BRUTE_FORCE_LOOKUPS = 100
SOUTH, NORTH, WEST, EAST = -11.0, 6.0, 95.0, 141.0


def main() -> None:
    with bench_django() as database:
        report(database)


def report(database: str) -> None:
    from kamtibmas.areas.geo import haversine_km
    from kamtibmas.areas.models import Unit, UnitKind
    from kamtibmas.areas.selectors import post_nearest

    rng = random.Random(20250731)
    Unit.objects.bulk_create(
        (
            Unit(
                name=f"Pos {i}",
                kind=UnitKind.POST,
                path=f"/bench/{i}/",
                latitude=rng.uniform(SOUTH, NORTH),
                longitude=rng.uniform(WEST, EAST),
            )
            for i in range(POSTS)
        ),
        batch_size=2_000,
    )
    points = [(rng.uniform(SOUTH, NORTH), rng.uniform(WEST, EAST)) for _ in range(LOOKUPS)]
    ids = list(Unit.objects.values_list("pk", flat=True))
    pks = [rng.choice(ids) for _ in range(LOOKUPS)]

    def nearest(index: int) -> None:
        latitude, longitude = points[index]
        post_nearest(latitude=latitude, longitude=longitude)

    def brute_force(index: int) -> None:
        latitude, longitude = points[index]
        rows = Unit.objects.filter(kind=UnitKind.POST, latitude__isnull=False).values_list(
            "pk", "latitude", "longitude"
        )
        _distance, pk = min(
            (haversine_km(latitude, longitude, lat, lon), pk)
            for pk, lat, lon in rows
            if lat is not None and lon is not None
        )
        Unit.objects.get(pk=pk)

    def d0(index: int) -> None:
        Unit.objects.get(pk=pks[index])

    for index in range(50):  # warm up connections, caches and query compilation
        nearest(index)
        d0(index)
    rates = {
        "post_nearest": rate(nearest, LOOKUPS),
        "brute force": rate(brute_force, BRUTE_FORCE_LOOKUPS),
        "D0": rate(d0, LOOKUPS),
    }
    queries = queries_per_lookup(nearest, LOOKUPS)
    lines = [
        "Nearest police post (bench/bench_nearest_post.py)",
        f"machine:  {machine()}",
        f"database: {database}",
        f"posts:    {POSTS:,}; lookups: {LOOKUPS:,} (brute force: {BRUTE_FORCE_LOOKUPS})",
        "",
        f"{'':34}{'lookups/s':>10}{'ms each':>9}",
        *(
            f"{name:34}{per_second:10,.0f}{1000 / per_second:9.2f}"
            for name, per_second in (
                ("post_nearest(limit=1)", rates["post_nearest"]),
                ("brute-force scan", rates["brute force"]),
                ("D0: one Unit by primary key", rates["D0"]),
            )
        ),
        "",
        f"post_nearest / brute force = {rates['post_nearest'] / rates['brute force']:.1f}x",
        f"post_nearest / D0          = {rates['post_nearest'] / rates['D0']:.2f}",
        f"queries per post_nearest   = {queries:.2f} (boxes tried, plus one fetch)",
    ]
    print("\n".join(lines))


def rate(lookup: Callable[[int], None], count: int) -> float:
    started = time.perf_counter()
    for index in range(count):
        lookup(index)
    return count / (time.perf_counter() - started)


def queries_per_lookup(lookup: Callable[[int], None], count: int) -> float:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        for index in range(count):
            lookup(index)
    return len(captured.captured_queries) / count


if __name__ == "__main__":
    main()
