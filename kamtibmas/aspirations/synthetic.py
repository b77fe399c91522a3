"""Thousands of synthetic aspirations for benchmarks (``kamtibmas bench_data``,
``bench/bench_api.py``, PRODUCT.md §9).

Each case is drawn like the demo's generated cases (``demo.case_spec``: the same
templates and registers, privacy, contacts, coordinates and states by age) in a
kelurahan of Kota Bekasi that a police unit covers, within the last 150 days, more
of them lately. Its history follows: received, then each status change up to the
drawn state with the handlers' public words (``demo.PROGRESS``, ``RESOLUTION``…),
and an internal note on cases being worked.

Written with ``bulk_create``, not through ``services``: the services take one case
at a time with its routing, deadlines and notifications, minutes for thousands.
So these cases have what reads need (areas, units, times, deadlines, search terms,
updates) and no outbox messages, surveys or escalations; the units are the
territorial ones. For benchmarks and load tests only.

Deterministic: everything, case numbers and receipt codes included, comes from
``random.Random(seed)``, times relative to the moment of the run. A second run with
the same seed finds its case numbers taken and adds only the cases missing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from kamtibmas.areas.models import Area, AreaLevel
from kamtibmas.areas.services import area_rw_get_or_create
from kamtibmas.aspirations import demo, receipt
from kamtibmas.aspirations.models import (
    Aspiration,
    AspirationUpdate,
    AuthorKind,
    Privacy,
    Source,
    Status,
    UpdateKind,
)
from kamtibmas.aspirations.routing import territorial_unit
from kamtibmas.aspirations.services import covering_units
from kamtibmas.privacy.blind_index import blind_index
from kamtibmas.privacy.identifiers import normalise_phone
from kamtibmas.triage import textsearch
from kamtibmas.triage.taxonomy import RESPONSIBLE, Category

KOTA_BEKASI_VILLAGES = "32.75."
BATCH = 500
WIB = ZoneInfo("Asia/Jakarta")

# The status changes that lead to each state, after "received".
PATHS: dict[str, tuple[str, ...]] = {
    Status.RECEIVED: (),
    Status.VERIFIED: (Status.VERIFIED,),
    Status.REFERRED: (Status.VERIFIED, Status.REFERRED),
    Status.IN_PROGRESS: (Status.VERIFIED, Status.IN_PROGRESS),
    Status.RESOLVED: (Status.VERIFIED, Status.IN_PROGRESS, Status.RESOLVED),
    Status.CLOSED_UNRESOLVED: (Status.VERIFIED, Status.CLOSED_UNRESOLVED),
    Status.REJECTED: (Status.REJECTED,),
}
STAMP_OF: dict[str, str] = {
    Status.VERIFIED: "verified_at",
    Status.REFERRED: "referred_at",
    Status.RESOLVED: "resolved_at",
}
CLOSING_STATES = {Status.RESOLVED, Status.CLOSED_UNRESOLVED, Status.REJECTED}
REOPENED_WORDS = "Pelapor menyatakan masalahnya belum selesai; laporan dibuka kembali."
INTERNAL_NOTE = "Catatan internal: pelapor sudah dihubungi; tindak lanjut dicatat di buku mutasi."


@dataclass(frozen=True)
class Village:
    area: Area
    unit_id: int


@dataclass(frozen=True)
class SyntheticResult:
    created: int
    existing: int
    updates: int


def synthetic_villages() -> list[Village]:
    """The kelurahan of Kota Bekasi a police unit covers, by code."""
    found = []
    for area in Area.objects.filter(
        level=AreaLevel.VILLAGE, code__startswith=KOTA_BEKASI_VILLAGES
    ).order_by("code"):
        unit = territorial_unit(covering_units(area))
        if unit is not None:
            found.append(Village(area=area, unit_id=unit.id))
    return found


def aspirations_synthetic_create(
    *, count: int, seed: int, progress: Callable[[int], None] = lambda done: None
) -> SyntheticResult:
    """Add the ``count`` synthetic cases of ``seed`` that are not there yet, with their
    histories, in transactions of ``BATCH`` cases; ``progress`` hears how many cases
    each batch dealt with."""
    villages = synthetic_villages()
    if not villages:
        raise ValueError("No kelurahan of Kota Bekasi is covered by a police unit.")
    now = timezone.now()
    rng = random.Random(seed)
    rws = {
        (rw.parent_id, int(rw.code.rsplit(".", 1)[1])): rw
        for rw in Area.objects.filter(
            level=AreaLevel.RW, parent__in=[village.area for village in villages]
        )
    }
    created = existing = updates = 0
    for batch in _batches(_drawn(rng, villages, count), BATCH):
        taken = set(
            Aspiration.objects.filter(number__in=[case.number for case, _v in batch]).values_list(
                "number", flat=True
            )
        )
        fresh = [(case, village) for case, village in batch if case.number not in taken]
        existing += len(batch) - len(fresh)
        with transaction.atomic():
            built = []
            for case, village in fresh:
                key = (village.area.pk, case.rw)
                if key not in rws:
                    rws[key] = area_rw_get_or_create(village=village.area, number=case.rw)
                built.append(_aspiration(case, village, rws[key], now))
            Aspiration.objects.bulk_create([aspiration for aspiration, _steps in built])
            history = [
                update
                for (case, _village), (aspiration, steps) in zip(fresh, built, strict=True)
                for update in _history(case, aspiration, steps)
            ]
            AspirationUpdate.objects.bulk_create(history, batch_size=BATCH)
        created += len(built)
        updates += len(history)
        progress(len(batch))
    return SyntheticResult(created=created, existing=existing, updates=updates)


@dataclass(frozen=True)
class _Drawn:
    """One case as drawn, before any database work."""

    number: str
    receipt_code: str
    spec: demo.CaseSpec
    rw: int
    path: tuple[str, ...]  # the status changes after "received", in order (``PATHS``)
    delays: tuple[float, ...]  # hours between the history's steps
    internal_note: bool
    words: tuple[str, ...]  # the public text of each status change, in order


def _drawn(
    rng: random.Random,
    villages: list[Village],
    count: int,
    *,
    days_back: float = demo.DAYS_BACK,
    weights: list[float] | None = None,
) -> Iterator[tuple[_Drawn, Village]]:
    """The cases of ``rng``, in ``villages`` by ``weights`` (default: the demo's)."""
    if weights is None:
        weights = [demo.VILLAGE_WEIGHTS.get(v.area.code, 1) for v in villages]
    numbers: set[str] = set()
    for key in range(count):
        village = rng.choices(villages, weights)[0]
        spec = demo.case_spec(rng, key, village.area.code, days_back=days_back)
        yield drawn_case(rng, spec, PATHS[spec.status], numbers), village


def drawn_case(
    rng: random.Random, spec: demo.CaseSpec, path: tuple[str, ...], numbers: set[str]
) -> _Drawn:
    """The case of ``spec`` going through ``path``: its number (not in ``numbers``, to
    which it is added), receipt code and the history's delays and words, from ``rng``."""
    number = _code(rng, 8)
    while number in numbers:
        number = _code(rng, 8)
    numbers.add(number)
    category = Category(demo.TEMPLATES[spec.template].category)
    return _Drawn(
        number=f"ASP-{number[:4]}-{number[4:]}",
        receipt_code=_code(rng, receipt.LENGTH),
        spec=spec,
        rw=spec.rw,
        path=path,
        delays=tuple(rng.uniform(1, 72) for _step in path),
        internal_note=rng.random() < 0.4,
        words=tuple(_words(rng, status, category) for status in path),
    )


def _code(rng: random.Random, length: int) -> str:
    return "".join(rng.choices(receipt.ALPHABET, k=length))


def _words(rng: random.Random, status: str, category: Category) -> str:
    if status == Status.VERIFIED:
        return demo.TEMPLATE_VERIFIED
    if status == Status.REFERRED:
        return demo.TEMPLATE_REFERRED
    if status == Status.IN_PROGRESS:
        return rng.choice(demo.PROGRESS[category])
    if status == Status.RESOLVED:
        return rng.choice(demo.RESOLUTION[category])
    if status == Status.CLOSED_UNRESOLVED:
        return demo.CLOSING[category]
    if status == Status.REOPENED:
        return REOPENED_WORDS
    return demo.TEMPLATE_REJECTED


def _batches(
    items: Iterator[tuple[_Drawn, Village]], size: int
) -> Iterator[list[tuple[_Drawn, Village]]]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _received(case: _Drawn, now: datetime) -> datetime:
    """When the case came in: ``minutes_before`` the end of today in WIB, never in
    the future; anonymous cases only on their day (SECURITY.md 14)."""
    end_of_today = datetime.combine(
        now.astimezone(WIB).date() + timedelta(days=1), time.min, tzinfo=WIB
    )
    moment = end_of_today - timedelta(minutes=case.spec.minutes_before)
    moment = min(moment, now - timedelta(minutes=5 + case.spec.key % 120))
    if case.spec.privacy == Privacy.ANONYMOUS:
        day = moment.astimezone(WIB).date()
        moment = datetime.combine(day, time.min, tzinfo=WIB)
    return moment.astimezone(UTC)


def _steps(case: _Drawn, received: datetime, now: datetime) -> list[datetime]:
    """The moments of the status changes after "received", in order, before now."""
    moments = []
    moment = received
    for delay in case.delays:
        moment = min(moment + timedelta(hours=delay), max(received, now - timedelta(minutes=1)))
        moments.append(moment)
    return moments


def _aspiration(
    case: _Drawn, village: Village, rw: Area, now: datetime
) -> tuple[Aspiration, list[datetime]]:
    """The case, and the moments of its status changes after "received"."""
    spec = case.spec
    template = demo.TEMPLATES[spec.template]
    text = demo.render(template, spec.slots, village.area.name)
    anonymous = spec.privacy == Privacy.ANONYMOUS
    received = _received(case, now)
    steps = _steps(case, received, now)
    phone = normalise_phone(spec.reporter_phone) if spec.reporter_phone and not anonymous else None
    aspiration = Aspiration(
        number=case.number,
        text=text,
        category=template.category,
        urgency=template.urgency,
        responsible=RESPONSIBLE[Category(template.category)],
        suggested_category=template.category,
        suggested_urgency=template.urgency,
        suggested_responsible=RESPONSIBLE[Category(template.category)],
        triage_confidence=0.8,
        area=rw,
        latitude=spec.point[0] if spec.point and not anonymous else None,
        longitude=spec.point[1] if spec.point and not anonymous else None,
        privacy=spec.privacy,
        source=spec.source,
        reporter_name=None if anonymous else spec.reporter_name or None,
        reporter_phone=phone,
        reporter_phone_index=blind_index("phone", phone) if phone else None,
        reporter_email=None if anonymous else spec.reporter_email or None,
        notify_by="" if anonymous else spec.notify_by,
        language="id",
        receipt_digest=receipt.receipt_digest(case.receipt_code) or "",
        status=spec.status,
        unit_id=village.unit_id,
        assigned_unit_id=village.unit_id,
        received_at=received,
        updated_at=steps[-1] if steps else received,
        verify_by=received + timedelta(days=1),
        first_notice_by=received + timedelta(days=3),
        resolve_by=received + timedelta(days=14),
        first_notice_at=steps[0] if steps else None,
        search_terms=f" {textsearch.index_text(text)} ",
    )
    for status, moment in zip(case.path, steps, strict=True):
        if status in STAMP_OF:
            setattr(aspiration, STAMP_OF[status], moment)
        if status in CLOSING_STATES:
            aspiration.closed_at = moment
    return aspiration, steps


def _history(case: _Drawn, aspiration: Aspiration, steps: list[datetime]) -> list[AspirationUpdate]:
    received = aspiration.received_at
    reporter = AuthorKind.STAFF if case.spec.source == Source.DESK else AuthorKind.REPORTER
    found = [
        AspirationUpdate(
            aspiration=aspiration,
            kind=UpdateKind.STATUS,
            author_kind=reporter,
            to_status=Status.RECEIVED,
            is_public=True,
            created_at=received,
        )
    ]
    before: str = Status.RECEIVED
    for status, moment, words in zip(case.path, steps, case.words, strict=True):
        found.append(
            AspirationUpdate(
                aspiration=aspiration,
                kind=UpdateKind.STATUS,
                author_kind=AuthorKind.STAFF,
                author_unit_id=aspiration.assigned_unit_id,
                from_status=before,
                to_status=status,
                is_public=True,
                text=words,
                created_at=moment,
            )
        )
        before = status
        if status == Status.IN_PROGRESS and case.internal_note:
            found.append(
                AspirationUpdate(
                    aspiration=aspiration,
                    kind=UpdateKind.NOTE,
                    author_kind=AuthorKind.STAFF,
                    author_unit_id=aspiration.assigned_unit_id,
                    is_public=False,
                    text=INTERNAL_NOTE,
                    created_at=moment,
                )
            )
    return found
