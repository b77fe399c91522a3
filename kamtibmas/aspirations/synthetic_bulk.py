"""Millions of synthetic aspirations for the dashboard benchmark (``kamtibmas bench_data
--bulk``, ``bench/bench_dashboard.py``, PRODUCT.md §9 P4).

The cases are drawn exactly as ``aspirations.synthetic`` draws them (``demo.case_spec``
through ``synthetic._drawn``: templates, registers, privacy, contacts, coordinates,
states by age, the same histories) with three differences that matter at volume:

* spread: more than ``SPREAD_FROM`` cases are received over ``LONG_DAYS`` (about two
  years, more of them lately) instead of 150 days;
* skew over areas: each kelurahan's demo weight is multiplied by a factor drawn once
  from the seed (log-normal), and within a kelurahan the RWs are weighted likewise
  (a few busy RWs, many quiet ones), as real reporting is;
* the database's bulk path writes them: PostgreSQL ``COPY`` through psycopg 3,
  SQLite one ``executemany`` per table and batch, each batch of ``BATCH`` cases in one
  transaction, ids reserved up front (the sequence on PostgreSQL, ``MAX(id)`` under
  the write lock on SQLite), rows built as tuples without model instances
  (``core.bulk.rows_insert``).

Encrypted columns hold real ciphertext from the field's own ``get_db_prep_save``
(13 µs per value here: three per named case would add about 30 s per million), but
drawn from a pool of ``CIPHER_POOL`` encrypted contacts reused across rows: a case's
stored name, phone and e-mail are those of the pool entry its key picks, not the ones
its spec drew. The app reads them like any other (decryption works, ``None`` stays
``None``); benchmark data only. Search terms are cached per distinct text.

Each resolved case is asked "was it fixed?" three days after (``Survey``); two in
three answer, one answer in ten is "not fixed" (the case keeps its drawn state: the
history is not rewritten for it). Dialogues come from ``dialogues_synthetic_create``:
one a week per covered kelurahan on average over the span, held ones with attendance,
outreach topics, survey answers and follow-ups, planned ones ahead.

Deterministic from the seed (times relative to the moment of the run). A second run
with the same seed skips case numbers already taken.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from django.db import connection, models, transaction
from django.db.models import OuterRef, Subquery
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
    Survey,
    UpdateKind,
)
from kamtibmas.aspirations.synthetic import (
    CLOSING_STATES,
    INTERNAL_NOTE,
    STAMP_OF,
    SyntheticResult,
    Village,
    _batches,
    _Drawn,
    _drawn,
    _received,
    _steps,
    synthetic_villages,
)
from kamtibmas.core.bulk import adapted_rows, reserve_ids, rows_insert
from kamtibmas.privacy.blind_index import blind_index
from kamtibmas.privacy.identifiers import normalise_phone
from kamtibmas.privacy.models import AuditAction, AuditEntry
from kamtibmas.triage import textsearch
from kamtibmas.triage.taxonomy import RESPONSIBLE, Category

BATCH = 10_000
#: Above this many cases they are spread over ``LONG_DAYS`` rather than 150 days.
SPREAD_FROM = 50_000
LONG_DAYS = 730
CIPHER_POOL = 4096
#: How unequal kelurahan and RWs are (sigma of the log-normal factor on their weight).
SKEW = 0.8
RW_COUNT = 26
#: The kelurahan's name while a text is indexed: one word the index keeps as it is.
PLACE = "zqkelz"


@dataclass(frozen=True)
class _Columns:
    """A table's columns in order, and each one's value when a row does not say."""

    table: str
    names: list[str]
    defaults: dict[str, Any]

    def row(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(values.get(name, self.defaults[name]) for name in self.names)


def _columns(model: type[models.Model]) -> _Columns:
    fields = model._meta.concrete_fields
    defaults = {
        field.column: None if field.primary_key else field.get_default() for field in fields
    }
    return _Columns(model._meta.db_table, [field.column for field in fields], defaults)


def bulk_insert(table: _Columns, rows: Sequence[tuple[Any, ...]]) -> None:
    """``core.bulk.rows_insert`` with the values as the database takes them."""
    rows_insert(table.table, table.names, adapted_rows(rows))


def skewed_weights(rng: random.Random, base: Sequence[float]) -> list[float]:
    """``base`` times a log-normal factor each: a few places report much more."""
    return [weight * math.exp(rng.gauss(0.0, SKEW)) for weight in base]


def aspirations_synthetic_bulk_create(
    *, count: int, seed: int, progress: Callable[[int], None] = lambda done: None
) -> SyntheticResult:
    """Add the ``count`` synthetic cases of ``seed`` not there yet, with their histories
    and follow-up questionnaires, through the bulk path in transactions of ``BATCH``
    cases; ``progress`` hears how many cases each batch dealt with."""
    villages = synthetic_villages()
    if not villages:
        raise ValueError("No kelurahan of Kota Bekasi is covered by a police unit.")
    now = timezone.now()
    rng = random.Random(seed)
    village_weights = skewed_weights(
        rng, [demo.VILLAGE_WEIGHTS.get(v.area.code, 1) for v in villages]
    )
    rw_weights = {v.area.pk: skewed_weights(rng, [1.0] * RW_COUNT) for v in villages}
    rws = _rws(villages)
    days_back = LONG_DAYS if count > SPREAD_FROM else demo.DAYS_BACK
    writer = _Writer(rng=random.Random(seed + 1), now=now)
    drawn = _drawn(rng, villages, count, days_back=days_back, weights=village_weights)
    return drawn_write(
        drawn,
        writer=writer,
        area_of=lambda case, village: rws[village.area.pk][_rw(case, rw_weights[village.area.pk])],
        progress=progress,
    )


def drawn_write(
    drawn: Iterable[tuple[_Drawn, Village]],
    *,
    writer: _Writer,
    area_of: Callable[[_Drawn, Village], Area],
    progress: Callable[[int], None],
) -> SyntheticResult:
    """Write the ``drawn`` cases whose numbers are free, in transactions of ``BATCH``,
    each in the area ``area_of`` gives; ``progress`` hears each batch's size."""
    created = existing = updates = 0
    for batch in _batches(iter(drawn), BATCH):
        taken = set(
            Aspiration.objects.filter(number__in=[case.number for case, _v in batch]).values_list(
                "number", flat=True
            )
        )
        fresh = [(case, village) for case, village in batch if case.number not in taken]
        existing += len(batch) - len(fresh)
        with transaction.atomic():
            updates += writer.write(
                [(case, village, area_of(case, village)) for case, village in fresh]
            )
        created += len(fresh)
        progress(len(batch))
    return SyntheticResult(created=created, existing=existing, updates=updates)


def _rw(case: _Drawn, weights: list[float]) -> int:
    """The RW of the case, by the kelurahan's RW weights rather than uniformly
    (deterministic from the case's key, so the draw of the other fields is untouched;
    the RW named in the text may differ)."""
    pick = random.Random(case.spec.key).choices(range(RW_COUNT), weights)[0]
    return pick + 1


def _rws(villages: list[Village]) -> dict[int, dict[int, Area]]:
    """RW 1..``RW_COUNT`` of every village, created if missing."""
    found: dict[int, dict[int, Area]] = {v.area.pk: {} for v in villages}
    for rw in Area.objects.filter(level=AreaLevel.RW, parent__in=[v.area for v in villages]):
        number = int(rw.code.rsplit(".", 1)[1])
        found[rw.parent_id][number] = rw  # type: ignore[index]
    for village in villages:
        for number in range(1, RW_COUNT + 1):
            if number not in found[village.area.pk]:
                found[village.area.pk][number] = area_rw_get_or_create(
                    village=village.area, number=number
                )
    return found


class _Writer:
    """Builds the rows of a batch of cases and writes them with the bulk path."""

    def __init__(
        self, *, rng: random.Random, now: datetime, audit: bool = False, pool: int = CIPHER_POOL
    ) -> None:
        self.rng = rng
        self.now = now
        self.cases = _columns(Aspiration)
        self.updates = _columns(AspirationUpdate)
        self.surveys = _columns(Survey)
        self.audit = _columns(AuditEntry) if audit else None
        self.audited = 0
        self.terms: dict[str, str] = {}
        self.pool = _cipher_pool(random.Random(rng.random()), pool)

    def write(self, batch: Iterable[tuple[_Drawn, Village, Area]]) -> int:
        items = list(batch)
        if not items:
            return 0
        first = reserve_ids(Aspiration, len(items))
        cases, history, surveys, audit = [], [], [], []
        for offset, (case, village, rw) in enumerate(items):
            values, steps = self._case(first + offset, case, village, rw)
            cases.append(self.cases.row(values))
            history.extend(self._history(case, values, steps))
            if self.audit is not None:
                audit.extend(_audit(case, values, steps))
            if values["status"] == Status.RESOLVED:
                survey = self._survey(values)
                if survey is not None:
                    surveys.append(survey)
        bulk_insert(self.cases, cases)
        if history:
            start = reserve_ids(AspirationUpdate, len(history))
            bulk_insert(
                self.updates,
                [self.updates.row({"id": start + i, **row}) for i, row in enumerate(history)],
            )
        for table, model, rows in (
            (self.surveys, Survey, surveys),
            (self.audit, AuditEntry, audit),
        ):
            if table is not None and rows:
                start = reserve_ids(model, len(rows))
                bulk_insert(
                    table, [table.row({"id": start + i, **row}) for i, row in enumerate(rows)]
                )
        self.audited += len(audit)
        return len(history)

    def _case(
        self, pk: int, case: _Drawn, village: Village, rw: Area
    ) -> tuple[dict[str, Any], list[datetime]]:
        spec = case.spec
        template = demo.TEMPLATES[spec.template]
        # Indexed once per text around a stand-in for the kelurahan, whose own terms
        # go in its place: thousands of kelurahan would make most texts distinct.
        skeleton = demo.render(template, spec.slots, PLACE)
        text = skeleton.replace(PLACE, village.area.name)
        terms = self.terms.get(skeleton)
        if terms is None:
            terms = self.terms[skeleton] = f" {textsearch.index_text(skeleton)} "
        place = self.terms.get(village.area.name)
        if place is None:
            place = self.terms[village.area.name] = textsearch.index_text(village.area.name)
        terms = terms.replace(f" {PLACE} ", f" {place} " if place else " ")
        anonymous = spec.privacy == Privacy.ANONYMOUS
        received = _received(case, self.now)
        steps = _steps(case, received, self.now)
        name, phone, email, phone_index = self.pool[spec.key % len(self.pool)]
        responsible = RESPONSIBLE[Category(template.category)]
        values: dict[str, Any] = {
            "id": pk,
            "number": case.number,
            "text": text,
            "category": template.category,
            "urgency": template.urgency,
            "responsible": responsible,
            "suggested_category": template.category,
            "suggested_urgency": template.urgency,
            "suggested_responsible": responsible,
            "triage_confidence": 0.8,
            "area_id": rw.pk,
            "latitude": spec.point[0] if spec.point and not anonymous else None,
            "longitude": spec.point[1] if spec.point and not anonymous else None,
            "privacy": spec.privacy,
            "source": spec.source,
            "reporter_name": None if anonymous or not spec.reporter_name else name,
            "reporter_phone": None if anonymous or not spec.reporter_phone else phone,
            "reporter_phone_index": None if anonymous or not spec.reporter_phone else phone_index,
            "reporter_email": None if anonymous or not spec.reporter_email else email,
            "notify_by": "" if anonymous else spec.notify_by,
            "language": "id",
            "receipt_digest": receipt.receipt_digest(case.receipt_code) or "",
            "status": spec.status,
            "unit_id": village.unit_id,
            "assigned_unit_id": village.unit_id,
            "received_at": received,
            "updated_at": steps[-1] if steps else received,
            "verify_by": received + timedelta(days=1),
            "first_notice_by": received + timedelta(days=3),
            "resolve_by": received + timedelta(days=14),
            "first_notice_at": steps[0] if steps else None,
            "search_terms": terms,
            "reopened_count": 0,
        }
        for status, moment in zip(case.path, steps, strict=True):
            if status in STAMP_OF:
                values[STAMP_OF[status]] = moment
            if status in CLOSING_STATES:
                values["closed_at"] = moment
            if status == Status.REOPENED:  # as aspirations.services._reopen_fields
                values["reopened_count"] += 1
                values["closed_at"] = values["resolved_at"] = None
        return values, steps

    def _history(
        self, case: _Drawn, values: dict[str, Any], steps: list[datetime]
    ) -> list[dict[str, Any]]:
        """As ``synthetic._history``: received, each status change, an internal note."""
        unit = values["assigned_unit_id"]
        reporter = AuthorKind.STAFF if case.spec.source == Source.DESK else AuthorKind.REPORTER
        common = {"aspiration_id": values["id"], "is_public": True, "text": ""}
        found = [
            {
                **common,
                "kind": UpdateKind.STATUS,
                "author_kind": reporter,
                "from_status": "",
                "to_status": Status.RECEIVED,
                "created_at": values["received_at"],
            }
        ]
        before: str = Status.RECEIVED
        for status, moment, words in zip(case.path, steps, case.words, strict=True):
            staff = {**common, "author_kind": AuthorKind.STAFF, "author_unit_id": unit}
            if status == Status.REOPENED:  # the reporter's "not fixed"
                staff = {**common, "author_kind": AuthorKind.REPORTER}
            found.append(
                {
                    **staff,
                    "kind": UpdateKind.STATUS,
                    "from_status": before,
                    "to_status": status,
                    "text": words,
                    "created_at": moment,
                }
            )
            before = status
            if status == Status.IN_PROGRESS and case.internal_note:
                found.append(
                    {
                        **staff,
                        "kind": UpdateKind.NOTE,
                        "from_status": "",
                        "to_status": "",
                        "is_public": False,
                        "text": INTERNAL_NOTE,
                        "created_at": moment,
                    }
                )
        return found

    def _survey(self, values: dict[str, Any]) -> dict[str, Any] | None:
        """The follow-up questionnaire of a resolved case, when it is due by now."""
        due = values["resolved_at"] + timedelta(days=3)
        if due > self.now:
            return None
        answered = self.rng.random() < 2 / 3
        fixed = self.rng.random() >= 0.1
        return {
            "aspiration_id": values["id"],
            "round": 1,
            "due_at": due,
            "sent_at": due,
            "answered_at": min(due + timedelta(hours=self.rng.uniform(1, 48)), self.now)
            if answered
            else None,
            "fixed": fixed if answered else None,
            "satisfaction": self.rng.randint(3 if fixed else 1, 5) if answered else None,
            "safety": self.rng.randint(2, 5) if answered else None,
            "comment": "",
        }


#: What an officer opens when verifying a named case (``selectors.aspiration_identity``).
AUDIT_FIELDS = json.dumps(["reporter", "reporter_email", "reporter_name", "reporter_phone"])
AUDIT_REASON = "Verifikasi laporan: menghubungi pelapor"


def _audit(case: _Drawn, values: dict[str, Any], steps: list[datetime]) -> list[dict[str, Any]]:
    """The audit trail of a case: the officer of its unit who verified a named case read
    the reporter's contact then (anonymous and unverified cases leave none)."""
    if case.spec.privacy == Privacy.ANONYMOUS or Status.VERIFIED not in case.path:
        return []
    return [
        {
            "created_at": steps[case.path.index(Status.VERIFIED)],
            "actor_unit_id": values["assigned_unit_id"],
            "action": AuditAction.READ,
            "subject_type": Aspiration._meta.label_lower,
            "subject_id": str(values["id"]),
            "fields": AUDIT_FIELDS,
            "reason": AUDIT_REASON,
        }
    ]


def _cipher_pool(rng: random.Random, size: int) -> list[tuple[str, str, str, str]]:
    """``size`` contacts encrypted by the fields themselves (name, phone, e-mail),
    with the phone's blind index."""
    fields = [
        cast(models.Field[Any, Any], Aspiration._meta.get_field(name))
        for name in ("reporter_name", "reporter_phone", "reporter_email")
    ]
    pool: list[tuple[str, str, str, str]] = []
    for key in range(size):
        first, last = rng.choice(demo.FIRST_NAMES), rng.choice(demo.LAST_NAMES)
        clear = (
            f"{first} {last}",
            normalise_phone(f"08130009{key:04d}"),
            f"{first}.{last}{key}@example.com".lower(),
        )
        name, phone, email = (
            field.get_db_prep_save(value, connection)
            for field, value in zip(fields, clear, strict=True)
        )
        pool.append((name, phone, email, blind_index("phone", clear[1])))
    return pool


# --- Dialogues ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DialogueResult:
    dialogues: int
    held: int
    answers: int
    follow_ups: int


def dialogues_synthetic_create(
    *,
    seed: int,
    days: int = LONG_DAYS,
    villages: list[Village] | None = None,
    spacing: tuple[float, float] = (2, 12),
    in_rws: bool = True,
) -> DialogueResult:
    """About one dialogue a week (``spacing``: days between two, drawn uniformly) per
    kelurahan of ``villages`` (default: the covered ones of Kota Bekasi), most of them
    in one of its RWs unless not ``in_rws``, over the last ``days`` days and
    the next four weeks: held ones (most) with attendance, one to three outreach
    topics, survey answers to the active scale questions and follow-ups (some still
    open, some overdue), cancelled ones, planned ones ahead. Written with
    ``bulk_create`` (thousands, not millions). Skipped when synthetic dialogues of
    ``seed`` exist (their titles carry it)."""
    from kamtibmas.engagements.models import (
        Dialogue,
        DialogueStatus,
        DialogueType,
        FollowUp,
        FollowUpStatus,
        OutreachTopic,
        TopicDelivered,
    )
    from kamtibmas.surveys.models import QuestionKind, SurveyQuestion, SurveyResponse

    marker = f"[synthetic {seed}]"
    if Dialogue.objects.filter(title__endswith=marker).exists():
        return DialogueResult(0, 0, 0, 0)
    villages = synthetic_villages() if villages is None else villages
    kind = DialogueType.objects.filter(is_active=True).order_by("position", "code").first()
    if not villages or kind is None:
        raise ValueError("No covered kelurahan of Kota Bekasi or no dialogue type.")
    topics = list(OutreachTopic.objects.filter(is_active=True))
    questions = [
        q.code for q in SurveyQuestion.objects.filter(is_active=True, kind=QuestionKind.SCALE)
    ]
    from django.contrib.auth import get_user_model

    # A follow-up needs an owner: an officer of the village's unit, else any staff.
    staff = get_user_model().objects.filter(is_active=True, unit__isnull=False).order_by("pk")
    owners = {user.unit_id: user.pk for user in reversed(list(staff))}
    anyone = next(iter(owners.values()), None)
    rng = random.Random(seed)
    now = timezone.now()
    rws = _rws(villages) if in_rws else {}
    built = []
    for village in villages:
        moment = now - timedelta(days=days)
        while True:
            moment += timedelta(days=rng.uniform(*spacing))
            if moment > now + timedelta(days=28):
                break
            start = moment.replace(minute=0, second=0, microsecond=0)
            future = start > now
            status = (
                DialogueStatus.PLANNED
                if future
                else rng.choices([DialogueStatus.HELD, DialogueStatus.CANCELLED], [92, 8])[0]
            )
            held = status == DialogueStatus.HELD
            built.append(
                Dialogue(
                    type=kind,
                    title=f"Dialog kamtibmas {village.area.name} {marker}",
                    area=rws[village.area.pk][rng.randint(1, RW_COUNT)]
                    if in_rws and rng.random() < 0.6
                    else village.area,
                    unit_id=village.unit_id,
                    venue_name="Balai warga",
                    planned_start=start,
                    planned_end=start + timedelta(hours=2),
                    actual_start=start + timedelta(minutes=rng.randint(0, 30)) if held else None,
                    actual_end=start + timedelta(hours=2) if held else None,
                    status=status,
                    cancel_reason="Cuaca buruk" if status == DialogueStatus.CANCELLED else "",
                    residents_count=rng.randint(10, 60) if held else 0,
                    leaders_count=rng.randint(1, 8) if held else 0,
                    children_count=rng.randint(0, 10) if held else 0,
                )
            )
    with transaction.atomic():
        dialogues = Dialogue.objects.bulk_create(built, batch_size=1000)
        delivered, answers, follow_ups = [], [], []
        for dialogue in dialogues:
            if dialogue.status != DialogueStatus.HELD:
                continue
            for topic in rng.sample(topics, min(len(topics), rng.randint(1, 3))):
                delivered.append(TopicDelivered(dialogue=dialogue, topic=topic))
            day = (dialogue.actual_start or dialogue.planned_start).date()
            for voter in range(rng.choice([0, 0, 3, 6, 12, 20])):
                digest = hashlib.sha256(f"{dialogue.pk}:{voter}".encode()).hexdigest()
                answers.append(
                    SurveyResponse(
                        dialogue=dialogue,
                        voter_digest=digest,
                        answered_on=day,
                        scores={code: rng.randint(2, 5) for code in questions},
                    )
                )
            owner = owners.get(dialogue.unit_id, anyone)
            if owner is None:
                continue
            for number in range(rng.randint(0, 2)):
                due = day + timedelta(days=rng.randint(7, 30))
                done = rng.random() < 0.7 and due < now.date()
                follow_ups.append(
                    FollowUp(
                        dialogue=dialogue,
                        title=f"Tindak lanjut {number + 1}",
                        owner_id=owner,
                        due_date=due,
                        status=FollowUpStatus.DONE if done else FollowUpStatus.OPEN,
                        done_at=datetime.combine(due, datetime.min.time(), tzinfo=now.tzinfo)
                        if done
                        else None,
                    )
                )
        TopicDelivered.objects.bulk_create(delivered, batch_size=2000)
        SurveyResponse.objects.bulk_create(answers, batch_size=2000)
        FollowUp.objects.bulk_create(follow_ups, batch_size=2000)
        # created_at is auto_now_add: the follow-ups were agreed at their dialogue.
        FollowUp.objects.filter(pk__in=[f.pk for f in follow_ups]).update(
            created_at=Subquery(
                Dialogue.objects.filter(pk=OuterRef("dialogue_id")).values("actual_end")[:1]
            )
        )
    return DialogueResult(
        dialogues=len(dialogues),
        held=sum(d.status == DialogueStatus.HELD for d in dialogues),
        answers=len(answers),
        follow_ups=len(follow_ups),
    )
