"""Every write of the engagements app (C1). Views, the API, the admin, commands and
the demo all call these, so they behave the same.

Each service validates completely before it writes, raises ``ValidationError``
with a message in the user's language and a stable ``code``, and changes nothing
when it refuses.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kamtibmas.accounts.models import User
from kamtibmas.areas.models import Area, AreaLevel, Unit
from kamtibmas.core.scope import visible_to
from kamtibmas.core.timefmt import local_today
from kamtibmas.engagements.models import (
    Attendee,
    AttendeeGroup,
    AttendeeSource,
    CheckInCode,
    Dialogue,
    DialogueOfficial,
    DialogueStatus,
    DialogueType,
    FindingResult,
    FollowUp,
    FollowUpStatus,
    Inspection,
    InspectionFinding,
    InspectionItem,
    OutreachTopic,
    SpotAnswer,
    TopicDelivered,
)
from kamtibmas.privacy.blind_index import blind_index
from kamtibmas.privacy.identifiers import normalise_phone

CHECKIN_CODE_MINUTES = 30
CHECKIN_CODE_MAX_MINUTES = 240
FOLLOW_UP_DEFAULT_DAYS = 14


def _check_place(*, actor: Any, area: Area, unit: Unit) -> None:
    if area.level < AreaLevel.VILLAGE:
        raise ValidationError(
            _("Choose a desa/kelurahan, RW or RT as the place of the dialogue."), code="area_level"
        )
    if not visible_to(Unit.objects.filter(pk=unit.pk), actor).exists():
        raise ValidationError(_("You cannot organise dialogues for that unit."), code="unit_scope")
    if not visible_to(Area.objects.filter(pk=area.pk), actor).exists():
        raise ValidationError(
            _("%(area)s lies outside the areas of your unit.") % {"area": area}, code="area_scope"
        )


FIRST_YEAR, LAST_YEAR = 2000, 2100


def _check_instant(value: datetime, *, field: str) -> None:
    """Refuse dates no dialogue can have, before any arithmetic could overflow."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            _("Give a date between %(first)d and %(last)d.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            code=f"{field}_out_of_range",
        )


def _check_times(start: datetime, end: datetime, *, field: str = "planned") -> None:
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValueError("Dialogue times must be timezone-aware.")
    _check_instant(start, field=field)
    _check_instant(end, field=field)
    if end <= start:
        raise ValidationError(_("The end must come after the start."), code=f"{field}_end")
    if end - start > timedelta(hours=24):
        raise ValidationError(_("A dialogue lasts at most 24 hours."), code=f"{field}_length")


def _check_public(*, type: DialogueType, is_public: bool | None) -> None:
    """Types that happen at someone's home (sambang) are never announced publicly."""
    if is_public and not type.is_public_by_default:
        raise ValidationError(
            _("%(type)s is not announced publicly: it happens at someone's home.")
            % {"type": type.name},
            code="private_type",
        )


def _check_host(*, host: User | None, unit: Unit, area: Area | None = None) -> None:
    """The host works in the organising unit's chain (in it, above it or below it)
    and can see the dialogue's area, so the dialogue does not vanish from their pages."""
    if host is None:
        return
    if area is not None and not visible_to(Area.objects.filter(pk=area.pk), host).exists():
        raise ValidationError(
            _("The host officer's unit does not cover %(area)s.") % {"area": area},
            code="host_area",
        )
    host_path = host.unit.path if host.unit is not None else None
    if host_path is None or not (
        host_path.startswith(unit.path) or unit.path.startswith(host_path)
    ):
        raise ValidationError(
            _("The host officer must belong to the organising unit or a unit above or below it."),
            code="host_unit",
        )


def _dialogue_create(
    *,
    actor: User,
    type: DialogueType,
    title: str,
    area: Area,
    unit: Unit,
    venue_name: str,
    host: User | None,
    latitude: float | None,
    longitude: float | None,
    is_public: bool | None,
    **times_and_status: Any,
) -> Dialogue:
    """The checks and the insert shared by planning and recording a past dialogue
    (the caller has checked the place and the times)."""
    _check_host(host=host, unit=unit, area=area)
    _check_public(type=type, is_public=is_public)
    dialogue = Dialogue(
        type=type,
        title=title.strip(),
        area=area,
        unit=unit,
        host=host or actor,
        venue_name=venue_name.strip(),
        latitude=latitude,
        longitude=longitude,
        created_by=actor,
        is_public=type.is_public_by_default if is_public is None else is_public,
        **times_and_status,
    )
    dialogue.full_clean()
    dialogue.save()
    return dialogue


def dialogue_plan(
    *,
    actor: User,
    type: DialogueType,
    title: str,
    area: Area,
    unit: Unit,
    venue_name: str,
    planned_start: datetime,
    planned_end: datetime,
    host: User | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    is_public: bool | None = None,
) -> Dialogue:
    """Plan a dialogue. Its start must lie in the future (record past ones with
    ``dialogue_record_past``)."""
    _check_place(actor=actor, area=area, unit=unit)
    _check_times(planned_start, planned_end)
    if planned_start <= timezone.now():
        raise ValidationError(
            _("A planned dialogue must start in the future."), code="planned_in_past"
        )
    return _dialogue_create(
        actor=actor,
        type=type,
        title=title,
        area=area,
        unit=unit,
        venue_name=venue_name,
        host=host,
        latitude=latitude,
        longitude=longitude,
        is_public=is_public,
        planned_start=planned_start,
        planned_end=planned_end,
    )


def dialogue_record_past(
    *,
    actor: User,
    type: DialogueType,
    title: str,
    area: Area,
    unit: Unit,
    venue_name: str,
    start: datetime,
    end: datetime,
    host: User | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    is_public: bool | None = None,
) -> Dialogue:
    """Record a dialogue that already took place (planned and actual times equal)."""
    _check_place(actor=actor, area=area, unit=unit)
    _check_times(start, end, field="actual")
    if start > timezone.now():
        raise ValidationError(
            _("A dialogue that took place cannot start in the future."), code="held_in_future"
        )
    return _dialogue_create(
        actor=actor,
        type=type,
        title=title,
        area=area,
        unit=unit,
        venue_name=venue_name,
        host=host,
        latitude=latitude,
        longitude=longitude,
        is_public=is_public,
        planned_start=start,
        planned_end=end,
        actual_start=start,
        actual_end=end,
        status=DialogueStatus.HELD,
    )


UPDATABLE = frozenset({
    "type", "title", "area", "venue_name", "latitude", "longitude", "planned_start",
    "planned_end", "host", "is_public",
})  # fmt: skip


def dialogue_update(*, actor: User, dialogue: Dialogue, **changes: Any) -> Dialogue:
    """Change the planned details (``UPDATABLE``); status changes have their own services."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"Not updatable here: {sorted(unknown)}")
    with transaction.atomic():
        dialogue = Dialogue.objects.select_for_update().get(pk=dialogue.pk)
        if dialogue.status == DialogueStatus.CANCELLED:
            raise ValidationError(_("A cancelled dialogue cannot be changed."), code="cancelled")
        for name, value in changes.items():
            setattr(dialogue, name, value)
        _check_place(actor=actor, area=dialogue.area, unit=dialogue.unit)
        _check_times(dialogue.planned_start, dialogue.planned_end)
        if (
            dialogue.status == DialogueStatus.PLANNED
            and "planned_start" in changes
            and dialogue.planned_start <= timezone.now()
        ):
            raise ValidationError(
                _("A planned dialogue must start in the future."), code="planned_in_past"
            )
        _check_host(host=dialogue.host, unit=dialogue.unit, area=dialogue.area)
        _check_public(type=dialogue.type, is_public=dialogue.is_public)
        dialogue.full_clean()
        dialogue.save()
    return dialogue


def dialogue_mark_held(
    *,
    dialogue: Dialogue,
    actual_start: datetime,
    actual_end: datetime | None = None,
) -> Dialogue:
    """The dialogue took place (from ``actual_start``; the end may follow later)."""
    with transaction.atomic():
        dialogue = Dialogue.objects.select_for_update().get(pk=dialogue.pk)
        if dialogue.status == DialogueStatus.CANCELLED:
            raise ValidationError(
                _("A cancelled dialogue cannot be recorded as held."), code="cancelled"
            )
        _check_instant(actual_start, field="actual")
        if actual_start > timezone.now() + timedelta(minutes=5):
            raise ValidationError(
                _("A dialogue that took place cannot start in the future."),
                code="held_in_future",
            )
        if actual_end is not None:
            _check_times(actual_start, actual_end, field="actual")
        dialogue.actual_start, dialogue.actual_end = actual_start, actual_end
        dialogue.status = DialogueStatus.HELD
        dialogue.save(update_fields=["actual_start", "actual_end", "status", "updated_at"])
    return dialogue


def dialogue_cancel(*, dialogue: Dialogue, reason: str) -> Dialogue:
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the dialogue is cancelled."), code="reason_required")
    with transaction.atomic():
        dialogue = Dialogue.objects.select_for_update().get(pk=dialogue.pk)
        if dialogue.status != DialogueStatus.PLANNED:
            raise ValidationError(
                _("Only a planned dialogue can be cancelled."), code="not_planned"
            )
        dialogue.status, dialogue.cancel_reason = DialogueStatus.CANCELLED, reason[:255]
        dialogue.save(update_fields=["status", "cancel_reason", "updated_at"])
    return dialogue


def _require_held(dialogue: Dialogue) -> None:
    if dialogue.status != DialogueStatus.HELD:
        raise ValidationError(_("Record this once the dialogue has taken place."), code="not_held")


def dialogue_set_attendance(
    *, dialogue: Dialogue, residents: int, leaders: int, children: int
) -> Dialogue:
    _require_held(dialogue)
    if min(residents, leaders, children) < 0 or max(residents, leaders, children) > 100_000:
        raise ValidationError(_("Attendance counts run from 0 to 100,000."), code="count_range")
    Dialogue.objects.filter(pk=dialogue.pk).update(
        residents_count=residents,
        leaders_count=leaders,
        children_count=children,
        updated_at=timezone.now(),
    )
    dialogue.refresh_from_db()
    return dialogue


def dialogue_set_minutes(*, dialogue: Dialogue, minutes: str) -> Dialogue:
    _require_held(dialogue)
    Dialogue.objects.filter(pk=dialogue.pk).update(minutes=minutes, updated_at=timezone.now())
    dialogue.refresh_from_db()
    return dialogue


def _refuse_cancelled(dialogue: Dialogue) -> None:
    if dialogue.status == DialogueStatus.CANCELLED:
        raise ValidationError(_("This dialogue was cancelled."), code="cancelled")


def _local_today(dialogue: Dialogue) -> date:
    """Today in the dialogue's own zone (WIB/WITA/WIT), not in UTC."""
    return local_today(dialogue.area)


def _touch(dialogue: Dialogue) -> None:
    """Record that what the public sees of the dialogue changed (calendar SEQUENCE)."""
    Dialogue.objects.filter(pk=dialogue.pk).update(updated_at=timezone.now())


def dialogue_official_add(
    *, dialogue: Dialogue, position: str, institution: str = "", name: str = ""
) -> DialogueOfficial:
    _refuse_cancelled(dialogue)
    if not position.strip():
        raise ValidationError(_("Give the official's position."), code="position_required")
    order = dialogue.officials.count()
    return DialogueOfficial.objects.create(
        dialogue=dialogue,
        position=position.strip(),
        institution=institution.strip(),
        name=name.strip(),
        position_order=order,
    )


def dialogue_official_remove(*, official: DialogueOfficial) -> None:
    official.delete()


def dialogue_topic_set(
    *, dialogue: Dialogue, topic: OutreachTopic, notes: str = ""
) -> TopicDelivered:
    """Record (or re-describe) an outreach topic delivered at the dialogue."""
    _require_held(dialogue)
    if not topic.is_active:
        raise ValidationError(_("That topic is no longer in use."), code="topic_inactive")
    with transaction.atomic():
        delivered, _created = TopicDelivered.objects.update_or_create(
            dialogue=dialogue, topic=topic, defaults={"notes": notes.strip()}
        )
        _touch(dialogue)
    return delivered


def dialogue_topics_replace(
    *, dialogue: Dialogue, chosen: dict[OutreachTopic, str]
) -> list[TopicDelivered]:
    """Make the delivered topics exactly ``chosen`` (topic → notes): record new ones,
    re-describe changed ones, remove the others. One transaction."""
    _require_held(dialogue)
    with transaction.atomic():
        recorded = {row.topic_id: row for row in dialogue.topics.select_related("topic")}
        for topic, notes in chosen.items():
            row = recorded.get(topic.pk)
            if row is None or row.notes != notes.strip():
                dialogue_topic_set(dialogue=dialogue, topic=topic, notes=notes)
        wanted = {topic.pk for topic in chosen}
        for topic_id, row in recorded.items():
            if topic_id not in wanted:
                dialogue_topic_remove(delivered=row)
    return list(dialogue.topics.select_related("topic"))


def dialogue_topic_remove(*, delivered: TopicDelivered) -> None:
    with transaction.atomic():
        delivered.delete()
        _touch(delivered.dialogue)


def dialogue_answer_add(
    *, dialogue: Dialogue, question: str, answer: str = "", answered_by: str = ""
) -> SpotAnswer:
    _refuse_cancelled(dialogue)
    if not question.strip():
        raise ValidationError(_("Write down the question or concern."), code="question_required")
    return SpotAnswer.objects.create(
        dialogue=dialogue,
        question=question.strip(),
        answer=answer.strip(),
        answered_by=answered_by.strip(),
    )


def attendee_sign_in(
    *,
    dialogue: Dialogue,
    name: str,
    group: AttendeeGroup | str = AttendeeGroup.RESIDENT,
    phone: str = "",
    consent: bool,
) -> Attendee:
    """Put a named attendee on the sign-in list. Names are kept only with consent."""
    if not consent:
        raise ValidationError(
            _("A name is only listed when the person agrees; count them instead."),
            code="consent_required",
        )
    if dialogue.status == DialogueStatus.CANCELLED:
        raise ValidationError(_("This dialogue was cancelled."), code="cancelled")
    return _attendee_create(
        dialogue=dialogue, name=name, group=group, phone=phone, source=AttendeeSource.SIGN_IN
    )


def _attendee_create(
    *,
    dialogue: Dialogue,
    name: str,
    group: AttendeeGroup | str,
    phone: str,
    source: AttendeeSource,
    device_digest: str = "",
) -> Attendee:
    name = name.strip()
    if not name:
        raise ValidationError(_("Write the attendee's name."), code="name_required")
    normalised = normalise_phone(phone) if phone.strip() else None
    index = blind_index("phone", normalised) if normalised else None
    if index and Attendee.objects.filter(dialogue=dialogue, phone_index=index).exists():
        raise ValidationError(
            _("This phone number is already on the list."), code="duplicate_phone"
        )
    try:
        with transaction.atomic():
            return Attendee.objects.create(
                dialogue=dialogue,
                name=name[:120],
                group=AttendeeGroup(group),
                phone=normalised,
                phone_index=index,
                consent=True,
                source=source,
                device_digest=device_digest,
            )
    except IntegrityError as exc:
        raise ValidationError(_("This attendee is already on the list."), code="duplicate") from exc


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedCheckInCode:
    code: CheckInCode
    raw: str


def checkin_code_issue(
    *, actor: User, dialogue: Dialogue, minutes: int = CHECKIN_CODE_MINUTES
) -> IssuedCheckInCode:
    """A fresh code for the QR shown at the venue: 128 random bits, hashed, short-lived."""
    if dialogue.status == DialogueStatus.CANCELLED:
        raise ValidationError(_("This dialogue was cancelled."), code="cancelled")
    if not 1 <= minutes <= CHECKIN_CODE_MAX_MINUTES:
        raise ValidationError(
            _("A check-in code is valid for 1 to %(max)d minutes.")
            % {"max": CHECKIN_CODE_MAX_MINUTES},
            code="minutes_range",
        )
    raw = secrets.token_urlsafe(16)
    code = CheckInCode.objects.create(
        dialogue=dialogue,
        digest=_digest(raw),
        created_by=actor,
        expires_at=timezone.now() + timedelta(minutes=minutes),
    )
    return IssuedCheckInCode(code=code, raw=raw)


def checkin_code_resolve(raw: str) -> CheckInCode:
    """The valid code behind ``raw``, or a ``ValidationError`` saying why not."""
    code = (
        CheckInCode.objects.select_related("dialogue", "dialogue__area")
        .filter(digest=_digest(raw or ""))
        .first()
    )
    if code is None:
        raise ValidationError(_("This check-in code is not valid."), code="unknown_code")
    if code.expires_at <= timezone.now():
        raise ValidationError(
            _("This check-in code has expired. Ask the officer to show a new one."),
            code="expired_code",
        )
    if code.dialogue.status == DialogueStatus.CANCELLED:
        raise ValidationError(_("This dialogue was cancelled."), code="cancelled")
    return code


def checkin_submit(
    *,
    raw_code: str,
    device_key: str,
    name: str,
    group: AttendeeGroup | str,
    phone: str = "",
    consent: bool,
) -> tuple[Attendee, bool]:
    """A resident checks in by scanning the QR. Returns the attendee and whether it is new.

    ``device_key`` is a random value the resident's browser keeps (a cookie): scanning
    again from the same phone, or with the same phone number, counts once.
    """
    code = checkin_code_resolve(raw_code)
    if not consent:
        raise ValidationError(
            _("Please agree to your name being listed, or just enjoy the dialogue."),
            code="consent_required",
        )
    device_digest = _digest(f"{code.dialogue_id}:{device_key}") if device_key else ""
    if device_digest:
        existing = Attendee.objects.filter(
            dialogue=code.dialogue, device_digest=device_digest
        ).first()
        if existing is not None:
            return existing, False
    if phone.strip():
        normalised = normalise_phone(phone)
        if Attendee.objects.filter(
            dialogue=code.dialogue, phone_index=blind_index("phone", normalised)
        ).exists():
            # Whoever holds the code must not learn whether a number is on the list:
            # the check-in counts, the number is not stored a second time.
            phone = ""
    attendee = _attendee_create(
        dialogue=code.dialogue,
        name=name,
        group=group,
        phone=phone,
        source=AttendeeSource.CHECK_IN,
        device_digest=device_digest,
    )
    return attendee, True


@dataclass(frozen=True)
class FindingInput:
    item: InspectionItem
    result: FindingResult | str
    note: str = ""


def inspection_record(
    *,
    actor: User,
    dialogue: Dialogue,
    inspected_at: datetime,
    findings: Sequence[FindingInput],
    notes: str = "",
    follow_up_owner: User | None = None,
    follow_up_due: date | None = None,
) -> Inspection:
    """Record (or replace) the post-event inspection. Each problem found becomes a
    follow-up owned by ``follow_up_owner`` (default: the host) due on
    ``follow_up_due`` (default: in 14 days)."""
    _require_held(dialogue)
    _check_instant(inspected_at, field="inspected")
    items = [finding.item.pk for finding in findings]
    if len(items) != len(set(items)):
        raise ValidationError(_("Each checklist item once, please."), code="duplicate_item")
    if any(
        FindingResult(f.result) == FindingResult.PROBLEM and not f.note.strip() for f in findings
    ):
        raise ValidationError(
            _("Describe every problem found, so that someone can act on it."),
            code="problem_note",
        )
    owner = follow_up_owner or dialogue.host or actor
    if not visible_to(Dialogue.objects.filter(pk=dialogue.pk), owner).exists():
        raise ValidationError(
            _("The owner must be someone who can see this dialogue."), code="owner_scope"
        )
    due = follow_up_due or (_local_today(dialogue) + timedelta(days=FOLLOW_UP_DEFAULT_DAYS))
    with transaction.atomic():
        inspection, _created = Inspection.objects.update_or_create(
            dialogue=dialogue,
            defaults={"inspected_at": inspected_at, "inspector": actor, "notes": notes.strip()},
        )
        kept = []
        for finding in findings:
            row, _new = InspectionFinding.objects.update_or_create(
                inspection=inspection,
                item=finding.item,
                defaults={"result": FindingResult(finding.result), "note": finding.note.strip()},
            )
            kept.append(row.pk)
            if (
                row.result == FindingResult.PROBLEM
                and not FollowUp.objects.filter(finding=row).exists()
            ):
                FollowUp.objects.create(
                    dialogue=dialogue,
                    finding=row,
                    owner=owner,
                    due_date=due,
                    title=f"{row.item.name_id}: {row.note}"[:255],
                )
        # A problem that is no longer one (fixed, or dropped from the checklist) closes
        # its open follow-up instead of leaving it orphaned.
        FollowUp.objects.filter(finding__inspection=inspection, status=FollowUpStatus.OPEN).exclude(
            finding__pk__in=kept, finding__result=FindingResult.PROBLEM
        ).update(
            status=FollowUpStatus.CANCELLED,
            outcome="Tidak lagi menjadi masalah pada peninjauan ulang.",
            updated_at=timezone.now(),
        )
        inspection.findings.exclude(pk__in=kept).delete()
    return inspection


def follow_up_create(*, dialogue: Dialogue, title: str, owner: User, due_date: date) -> FollowUp:
    """A promise made at the dialogue, with who keeps it and by when."""
    if not title.strip():
        raise ValidationError(_("Say what is to be done."), code="title_required")
    if due_date < _local_today(dialogue):
        raise ValidationError(_("The due date cannot lie in the past."), code="due_in_past")
    if not visible_to(Dialogue.objects.filter(pk=dialogue.pk), owner).exists():
        raise ValidationError(
            _("The owner must be someone who can see this dialogue."), code="owner_scope"
        )
    return FollowUp.objects.create(
        dialogue=dialogue, title=title.strip()[:255], owner=owner, due_date=due_date
    )


def follow_up_complete(*, follow_up: FollowUp, outcome: str = "") -> FollowUp:
    with transaction.atomic():
        follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if follow_up.status != FollowUpStatus.OPEN:
            raise ValidationError(_("This follow-up is already closed."), code="closed")
        follow_up.status, follow_up.done_at = FollowUpStatus.DONE, timezone.now()
        follow_up.outcome = outcome.strip()
        follow_up.save(update_fields=["status", "done_at", "outcome", "updated_at"])
    return follow_up


def follow_up_cancel(*, follow_up: FollowUp, outcome: str) -> FollowUp:
    if not outcome.strip():
        raise ValidationError(_("Say why the follow-up is dropped."), code="reason_required")
    with transaction.atomic():
        follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if follow_up.status != FollowUpStatus.OPEN:
            raise ValidationError(_("This follow-up is already closed."), code="closed")
        follow_up.status, follow_up.outcome = FollowUpStatus.CANCELLED, outcome.strip()
        follow_up.save(update_fields=["status", "outcome", "updated_at"])
    return follow_up


def topics_by_code(codes: Iterable[str]) -> list[OutreachTopic]:
    return list(OutreachTopic.objects.filter(code__in=list(codes)))
