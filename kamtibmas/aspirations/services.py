"""Every write of the aspirations capability (C2). Views, the API, Open311, admin
actions, periodic sweeps and the demo call these, so they all behave alike.

Each service is atomic. Notifications are written to the outbox in the same
transaction as the change they announce (``notifications.services``), so a change
that rolls back announces nothing.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kamtibmas.accounts.models import Role, User
from kamtibmas.areas.models import Area, AreaLevel, Unit, UnitKind
from kamtibmas.areas.selectors import unit_remembered
from kamtibmas.aspirations import receipt, sla
from kamtibmas.aspirations.lifecycle import (
    FINAL_STATES,
    Action,
    InvalidTransition,
    next_status,
)
from kamtibmas.aspirations.models import (
    TEXT_MAX_LENGTH,
    Aspiration,
    AspirationPhoto,
    AspirationUpdate,
    AuthorKind,
    NotifyChannel,
    Privacy,
    RoutingRule,
    SlaSetting,
    Source,
    Status,
    Survey,
    TriageCorrection,
    UpdateKind,
)
from kamtibmas.aspirations.routing import (
    CoveringUnit,
    RouteDecision,
    RuleView,
    route,
    territorial_unit,
)
from kamtibmas.core.reference import in_reference_snapshot, remembered
from kamtibmas.core.rows import row_insert
from kamtibmas.core.scope import visible_to
from kamtibmas.core.timefmt import resolve_zone
from kamtibmas.engagements.models import Dialogue
from kamtibmas.engagements.photos import NormalisedPhoto, photo_checked
from kamtibmas.notifications.services import notification_enqueue
from kamtibmas.privacy.blind_index import blind_index
from kamtibmas.privacy.identifiers import normalise_phone
from kamtibmas.triage import textsearch
from kamtibmas.triage.classifier import triage
from kamtibmas.triage.taxonomy import Category, Urgency

logger = logging.getLogger(__name__)

MAX_PHOTOS = 5
SURVEY_AFTER_DAYS = 28
NAME_MAX_LENGTH = 120


@dataclass(frozen=True)
class Submitted:
    """A new case and its receipt code, which exists only here: it is stored hashed."""

    aspiration: Aspiration
    receipt_code: str

    @property
    def is_emergency(self) -> bool:
        return self.aspiration.urgency == Urgency.DARURAT


# ---------------------------------------------------------------------------
# Reading what the rules need


def covering_units(area: Area) -> tuple[CoveringUnit, ...]:
    """Units whose coverage contains ``area`` (through the area or an ancestor)."""
    return remembered(("covering", area.pk), lambda: _covering_units(area))


def _covering_units(area: Area) -> tuple[CoveringUnit, ...]:
    chain = [*area.ancestor_ids(), area.pk]
    level_of = {pk: level for level, pk in enumerate(chain, start=1)}
    rows = Unit.coverage.through.objects.filter(area_id__in=chain).values_list(
        "unit_id", "unit__kind", "unit__path", "area_id"
    )
    found: dict[int, CoveringUnit] = {}
    for unit_id, kind, path, area_id in rows:
        candidate = CoveringUnit(
            id=unit_id,
            kind=kind,
            depth=path.count("/") - 1,
            is_police=kind
            in {UnitKind.POLDA, UnitKind.POLRES, UnitKind.POLSEK, UnitKind.POST, UnitKind.SATUAN},
            area_level=level_of[area_id],
        )
        if unit_id not in found or found[unit_id].area_level < candidate.area_level:
            found[unit_id] = candidate
    # Functional units (Satreskrim, …) cover a whole city but are not "the unit of
    # the area": they receive cases by rule, not by territory.
    return tuple(u for u in found.values() if u.kind != UnitKind.SATUAN or not u.is_police)


def _rules_for(area: Area, covering: Sequence[CoveringUnit]) -> tuple[RuleView, ...]:
    key = ("rules", area.pk, tuple(sorted((u.id, u.depth) for u in covering)))
    return remembered(key, lambda: _rules_read(area, covering))


def _rules_read(area: Area, covering: Sequence[CoveringUnit]) -> tuple[RuleView, ...]:
    chain = [*area.ancestor_ids(), area.pk]
    depth_of = {u.id: u.depth for u in covering}
    rules = RoutingRule.objects.filter(jurisdiction_id__in=depth_of).filter(
        models.Q(area__isnull=True) | models.Q(area_id__in=chain)
    )
    return tuple(
        RuleView(
            id=pk,
            jurisdiction_depth=depth_of[jurisdiction_id],
            category=category,
            responsible=responsible,
            area_id=area_id,
            area_level=area_level or 0,
            target_id=target_id,
        )
        for pk, jurisdiction_id, category, responsible, area_id, area_level, target_id in (
            rules.values_list(
                "pk",
                "jurisdiction_id",
                "category",
                "responsible",
                "area_id",
                "area__level",
                "target_id",
            )
        )
    )


def aspiration_route_for(*, area: Area, category: str, responsible: str) -> RouteDecision | None:
    covering = covering_units(area)
    return route(
        category=category,
        responsible=responsible,
        area_chain=[*area.ancestor_ids(), area.pk],
        rules=_rules_for(area, covering),
        covering=covering,
    )


def sla_context(unit: Unit) -> tuple[sla.SlaPolicy, sla.HolidayCalendar]:
    """The SLA policy and calendar of ``unit``: its own setting or its nearest
    ancestor's, else the §4 defaults and the national calendar."""
    return remembered(("sla", unit.pk, unit.path), lambda: _sla_read(unit))


def _sla_read(unit: Unit) -> tuple[sla.SlaPolicy, sla.HolidayCalendar]:
    ids = [int(pk) for pk in unit.path.strip("/").split("/") if pk]
    settings_by_unit = {s.unit_id: s for s in SlaSetting.objects.filter(unit_id__in=ids)}
    for pk in reversed(ids):
        setting = settings_by_unit.get(pk)
        if setting is not None:
            calendar = sla.indonesian_calendar(
                extra=[_date(d) for d in setting.extra_holidays],
                removed=[_date(d) for d in setting.removed_holidays],
            )
            return sla.SlaPolicy.from_dict(setting.policy), calendar
    return sla.SlaPolicy(), sla.indonesian_calendar()


def case_deadlines(
    case: Aspiration, *, start: datetime, urgency: str | None = None
) -> sla.Deadlines:
    """The deadlines of ``case`` counted from ``start`` under its unit's policy. For
    anonymous cases from the start of that day: an immediate deadline would
    otherwise record the precise time of the report."""
    policy, calendar = sla_context(case.unit)
    return sla.deadlines(
        policy=policy,
        received_at=_case_time(case, start),
        urgency=case.urgency,
        zone=_zone(case.area),
        calendar=calendar,
    )


def _clock_start(case: Aspiration) -> datetime:
    """When the resolution clock of ``case`` started: its last reopening, if any."""
    if case.reopened_count:
        last = case.updates.filter(to_status=Status.REOPENED).order_by("-created_at", "-id").first()
        if last is not None:
            return last.created_at
    return case.received_at


def _date(value: str) -> Any:
    return datetime.strptime(value, "%Y-%m-%d").date()


def _zone(area: Area) -> ZoneInfo:
    return ZoneInfo(resolve_zone(area).value)


def _coarse(moment: datetime, area: Area) -> datetime:
    """The start of ``moment``'s local day: all an anonymous case keeps of a time."""
    zone = _zone(area)
    local_day = moment.astimezone(zone).date()
    return datetime.combine(local_day, time.min, tzinfo=zone).astimezone(ZoneInfo("UTC"))


def _case_time(aspiration: Aspiration, moment: datetime | None = None) -> datetime:
    moment = moment or timezone.now()
    return _coarse(moment, aspiration.area) if aspiration.is_anonymous else moment


# ---------------------------------------------------------------------------
# Intake


def field_error(field: str, message: str, *, code: str) -> ValidationError:
    """A refusal of one field that keeps its machine-readable ``code`` (a plain dict
    of messages would lose it), for forms and the API's error shape alike."""
    return ValidationError({field: ValidationError(message, code=code)})


def _clean_text(text: str) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise field_error("text", _("Tell us what happened or what you ask."), code="text_required")
    if len(cleaned) > TEXT_MAX_LENGTH:
        raise field_error(
            "text",
            _("Keep it to %(max)d characters (you wrote %(count)d).")
            % {"max": TEXT_MAX_LENGTH, "count": len(cleaned)},
            code="text_too_long",
        )
    return cleaned


def _clean_contact(
    *,
    privacy: str,
    reporter: User | None,
    name: str,
    phone: str,
    email: str,
    notify_by: str,
) -> tuple[str | None, str | None, str | None, str]:
    name, phone, email = (name or "").strip(), (phone or "").strip(), (email or "").strip()
    if privacy == Privacy.ANONYMOUS:
        if name or phone or email or notify_by:
            raise ValidationError(
                _(
                    "An anonymous report cannot carry a name or contact details. Leave them "
                    "empty, or choose confidential to be known to the handling officers only."
                ),
                code="anonymous_with_identity",
            )
        return None, None, None, ""
    errors: dict[str, str] = {}
    if len(name) > NAME_MAX_LENGTH:
        errors["reporter_name"] = _("Keep the name to %(max)d characters.") % {
            "max": NAME_MAX_LENGTH
        }
    normalised_phone = None
    if phone:
        try:
            normalised_phone = normalise_phone(phone)
        except ValidationError as exc:
            errors["reporter_phone"] = exc.messages[0]
    if email:
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            errors["reporter_email"] = _("This is not an email address.")
    if notify_by == NotifyChannel.EMAIL and not (email or (reporter and reporter.email)):
        errors["notify_by"] = _("Give an email address to be notified by email.")
    if notify_by in (NotifyChannel.SMS, NotifyChannel.WHATSAPP) and not normalised_phone:
        errors["notify_by"] = _("Give a phone number to be notified by SMS or WhatsApp.")
    if notify_by not in NotifyChannel.values:
        errors["notify_by"] = _("Choose how to be notified.")
    if errors:
        raise ValidationError({f: ValidationError(m, code="contact") for f, m in errors.items()})
    return name or None, normalised_phone, email or None, notify_by


def _clean_place(
    area: Area | None, latitude: float | None, longitude: float | None
) -> tuple[Area, float | None, float | None]:
    if area is None:
        raise field_error("area", _("Choose the kelurahan or desa."), code="area_required")
    if area.level < AreaLevel.VILLAGE:
        raise field_error(
            "area",
            _("Choose at least the kelurahan or desa, down to RW/RT if you know it."),
            code="area_too_coarse",
        )
    if (latitude is None) != (longitude is None):
        raise field_error(
            "latitude", _("Give both latitude and longitude, or neither."), code="coordinates"
        )
    if (
        latitude is not None
        and longitude is not None
        and not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
    ):
        raise field_error("latitude", _("These coordinates are not on Earth."), code="coordinates")
    return area, latitude, longitude


@in_reference_snapshot
def aspiration_submit(
    *,
    text: str,
    area: Area | None,
    privacy: str,
    source: str,
    actor: User | None = None,
    reporter: User | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    notify_by: str = "",
    category: str | None = None,
    urgency: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    photos: Iterable[IO[bytes]] = (),
    dialogue: Dialogue | None = None,
    spot_answer: str = "",
    language: str | None = None,
) -> Submitted:
    """Take in a resident's aspiration or complaint, from any channel.

    ``actor`` is the officer entering it on the resident's behalf (at a dialogue or
    the desk), ``reporter`` the resident's own account when signed in. Triage
    suggests category, urgency and body; an explicit ``category``/``urgency`` (the
    resident's choice or the officer's) wins. The case goes to the unit the
    routing rules name, with its SLA deadlines set. Anonymous cases keep no
    account, contact or precise time. Raises ``ValidationError`` with a message
    per field and stores nothing when the input is wrong.
    """
    cleaned_text = _clean_text(text)
    if privacy not in Privacy.values:
        raise field_error("privacy", _("Choose a privacy mode."), code="privacy")
    if source not in Source.values:
        raise field_error("source", _("Unknown channel."), code="source")
    if dialogue is not None:
        if actor is None or not visible_to(Dialogue.objects.filter(pk=dialogue.pk), actor).exists():
            raise field_error(
                "dialogue",
                _("You cannot record aspirations for this dialogue."),
                code="dialogue_scope",
            )
        area = area or dialogue.area
    elif spot_answer.strip():
        raise field_error(
            "spot_answer",
            _("An answer on the spot belongs to an aspiration raised at a dialogue."),
            code="spot_answer_without_dialogue",
        )
    place, latitude, longitude = _clean_place(area, latitude, longitude)
    account = None if privacy == Privacy.ANONYMOUS else reporter
    name, phone, email, notify = _clean_contact(
        privacy=privacy,
        reporter=account,
        name=reporter_name,
        phone=reporter_phone,
        email=reporter_email,
        notify_by=notify_by,
    )
    if category is not None and category not in Category.values:
        raise field_error("category", _("Unknown category."), code="category")
    if urgency is not None and urgency not in Urgency.values:
        raise field_error("urgency", _("Unknown urgency."), code="urgency")
    uploads = list(photos)
    if len(uploads) > MAX_PHOTOS:
        raise field_error(
            "photos", _("Send at most %(max)d photos.") % {"max": MAX_PHOTOS}, code="photos"
        )
    cleaned_photos = [photo_checked(upload) for upload in uploads]

    suggestion = triage(cleaned_text, explain=False)
    final_category = category or suggestion.category
    final_urgency = urgency or suggestion.urgency
    responsible = (
        suggestion.responsible
        if final_category == suggestion.category
        else triage_default_body(final_category)
    )
    covering = covering_units(place)
    decision = route(
        category=final_category,
        responsible=responsible,
        area_chain=[*place.ancestor_ids(), place.pk],
        rules=_rules_for(place, covering),
        covering=covering,
    )
    territorial = territorial_unit(covering)
    if decision is None or territorial is None:
        raise field_error(
            "area",
            _("No police unit covers this area in Kamtibmas yet. Call 110 if it is urgent."),
            code="area_not_covered",
        )
    aspiration = Aspiration(
        text=cleaned_text,
        category=final_category,
        urgency=final_urgency,
        responsible=responsible,
        suggested_category=suggestion.category,
        suggested_urgency=suggestion.urgency,
        suggested_responsible=suggestion.responsible,
        triage_confidence=suggestion.confidence,
        area=place,
        latitude=latitude,
        longitude=longitude,
        privacy=privacy,
        source=source,
        dialogue=dialogue,
        spot_answer=spot_answer.strip(),
        reporter=account,
        reporter_name=name,
        reporter_phone=phone,
        reporter_phone_index=blind_index("phone", phone) if phone else None,
        reporter_email=email,
        notify_by=notify,
        language=language or translation.get_language() or "id",
        unit_id=territorial.id,
        assigned_unit_id=decision.unit_id,
        search_terms=f" {textsearch.index_text(cleaned_text)} ",
    )
    # The deadlines need the one, the caller's answer the other.
    aspiration.unit = unit_remembered(territorial.id)
    aspiration.assigned_unit = unit_remembered(decision.unit_id)
    stored: list[AspirationPhoto] = []
    try:
        # No savepoint inside a caller's transaction: a failure here fails the whole
        # intake, so there is nothing to keep of the caller's work.
        with transaction.atomic(savepoint=False):
            code = _intake_write(aspiration, actor=actor, photos=cleaned_photos, stored=stored)
    except BaseException:
        # The rows rolled back; the picture files must not stay behind.
        for record in stored:
            record.image.storage.delete(record.image.name)
        raise
    return Submitted(aspiration=aspiration, receipt_code=code)


def _intake_write(
    aspiration: Aspiration,
    *,
    actor: User | None,
    photos: Sequence[NormalisedPhoto],
    stored: list[AspirationPhoto],
) -> str:
    """The writes of one intake, inside its transaction; returns the receipt code."""
    now = timezone.now()
    aspiration.received_at = aspiration.updated_at = _case_time(aspiration, now)
    due = case_deadlines(aspiration, start=now)
    aspiration.verify_by = due.verify_by
    aspiration.first_notice_by = due.first_notice_by
    aspiration.resolve_by = due.resolve_by
    code = _save_with_fresh_codes(aspiration)
    for photo in photos:
        stored.append(_photo_store(aspiration, photo))
    _update(
        aspiration,
        kind=UpdateKind.STATUS,
        author=actor,
        author_kind=AuthorKind.STAFF if actor is not None else AuthorKind.REPORTER,
        to_status=Status.RECEIVED,
        is_public=True,
        text="",
    )
    if aspiration.dialogue_id is not None and aspiration.spot_answer:
        _update(
            aspiration,
            kind=UpdateKind.NOTE,
            author=actor,
            author_kind=AuthorKind.STAFF,
            is_public=True,
            text=aspiration.spot_answer,
        )
    if aspiration.urgency == Urgency.DARURAT:
        _alert_duty_desk(aspiration)
    _notify_reporter(
        aspiration,
        event="received",
        extra=_("Your receipt code: %(code)s") % {"code": code},
        key="intake",  # a case is received once: no need to count its updates
    )
    return code


def triage_default_body(category: str) -> str:
    from kamtibmas.triage.taxonomy import RESPONSIBLE

    return RESPONSIBLE[Category(category)]


def _save_with_fresh_codes(aspiration: Aspiration) -> str:
    """Insert with a new random case number and receipt code, drawing again on the
    rare collision on either unique column (a skipped row, not an error: no savepoint
    needed); returns the receipt code."""
    for _attempt in range(5):
        code = receipt.receipt_generate()
        aspiration.number = receipt.case_number_generate()
        aspiration.receipt_digest = receipt.receipt_digest(code) or ""
        if row_insert(aspiration, on_conflict_skip=True):
            return code
    raise RuntimeError("Could not draw a unique case number.")


def aspiration_photo_add(
    *, actor: User, aspiration: Aspiration, upload: IO[bytes]
) -> AspirationPhoto:
    """A handler adds a photo to a case (same checks and cleaning as at intake);
    the count is checked under the case's lock, so concurrent uploads cannot pass
    ``MAX_PHOTOS``."""
    _require_handler(actor, aspiration)
    photo = photo_checked(upload)
    with transaction.atomic():
        case = _locked(aspiration)
        if case.photos.count() >= MAX_PHOTOS:
            raise field_error(
                "photos", _("Send at most %(max)d photos.") % {"max": MAX_PHOTOS}, code="photos"
            )
        return _photo_store(case, photo)


def _photo_store(aspiration: Aspiration, photo: NormalisedPhoto) -> AspirationPhoto:
    """Save the cleaned picture under a generated name, then its row; the file is
    removed again if the row cannot be saved."""
    record = AspirationPhoto(aspiration=aspiration)
    record.image.save("photo.jpg", ContentFile(photo.data), save=False)
    record.width, record.height = photo.width, photo.height
    try:
        with transaction.atomic():
            record.save()
    except BaseException:
        record.image.delete(save=False)
        raise
    return record


# ---------------------------------------------------------------------------
# History and notifications


def _update(
    aspiration: Aspiration,
    *,
    kind: str,
    author: User | None,
    author_kind: str,
    is_public: bool,
    text: str,
    from_status: str = "",
    to_status: str = "",
    unit: Unit | None = None,
) -> AspirationUpdate:
    update = AspirationUpdate(
        aspiration=aspiration,
        kind=kind,
        author=author,
        author_unit_id=getattr(author, "unit_id", None),
        author_kind=author_kind,
        from_status=from_status,
        to_status=to_status,
        unit=unit,
        is_public=is_public,
        text=text,
        created_at=_case_time(aspiration),
    )
    row_insert(update)
    return update


_EVENT_SUBJECTS = {
    "received": gettext_noop("Your report %(number)s was received"),
    "status": gettext_noop("Progress on your report %(number)s"),
    "survey": gettext_noop("Was your report %(number)s really resolved?"),
    "merged": gettext_noop("Your report %(number)s was joined to another"),
}


def _reporter_address(aspiration: Aspiration) -> str | None:
    if aspiration.notify_by == NotifyChannel.EMAIL:
        return aspiration.reporter_email or (
            aspiration.reporter.email if aspiration.reporter else None
        )
    if aspiration.notify_by in (NotifyChannel.SMS, NotifyChannel.WHATSAPP):
        return aspiration.reporter_phone
    return None


def _notify_reporter(aspiration: Aspiration, *, event: str, extra: str = "", key: str = "") -> None:
    """Queue a notice to the reporter in their language, if they asked for one.
    The SP2HP habit: every public step of the case is told to the person who
    raised it."""
    address = _reporter_address(aspiration)
    if not address:
        return
    with translation.override(aspiration.language):
        subject = _(_EVENT_SUBJECTS[event]) % {"number": aspiration.number}
        lines = [
            subject + ".",
            _("Status: %(status)s") % {"status": Status(aspiration.status).label},
        ]
        if extra:
            lines.append(extra)
        lines.append(_("Follow it at /track/ with your receipt code."))
    notification_enqueue(
        channel=aspiration.notify_by,
        recipient=address,
        subject=subject,
        body="\n".join(lines),
        dedupe_key=f"aspiration:{aspiration.pk}:{event}:{key or aspiration.updates.count()}",
        topic=f"aspiration:{aspiration.pk}",
    )


def _notify_followers(case: Aspiration, *, extra: str, key: str = "") -> None:
    """A public step of ``case`` told to its reporter and to the reporters of every
    case merged into it: merging keeps them informed (FixMyStreet's subscribers)."""
    _notify_reporter(case, event="status", extra=extra, key=key)
    for merged in case.duplicates.filter(status=Status.DUPLICATE).select_related("reporter"):
        with translation.override(merged.language):
            about = _("About %(number)s, which your report was joined to:") % {
                "number": case.number
            }
        _notify_reporter(
            merged,
            event="status",
            extra=f"{about} {extra}".strip(),
            key=f"{case.pk}:{key or case.updates.count()}",
        )


def _key_of(address: str) -> str:
    """A recipient's part of a dedupe key: keys are stored in clear, addresses not. A
    keyed digest: a plain hash of a phone number is undone by trying every number."""
    return blind_index("outbox-recipient", address)[:16]


def _staff_recipients(units: Iterable[int], roles: Iterable[str]) -> list[tuple[str, str]]:
    found = []
    for user in User.objects.filter(unit_id__in=list(units), role__in=list(roles), is_active=True):
        if user.email:
            found.append(("email", user.email))
        elif user.phone:
            found.append(("sms", user.phone))
    return found


def _unit_chain_ids(unit_id: int) -> list[int]:
    """The unit and the units above it (from the remembered reference data)."""
    path = unit_remembered(unit_id).path
    return [int(pk) for pk in path.strip("/").split("/") if pk]


def _alert_duty_desk(aspiration: Aspiration) -> None:
    """``darurat``: the duty desk (SPKT) and commanders of the area's unit chain are
    alerted at once; the reporter is told to call 110/112 by the intake page."""
    chain = _unit_chain_ids(aspiration.unit_id)
    recipients = _staff_recipients(chain, [Role.DESK_OFFICER, Role.COMMANDER])
    with translation.override("id"):
        subject = _("EMERGENCY report %(number)s") % {"number": aspiration.number}
        body = _("%(area)s: %(text)s") % {"area": aspiration.area, "text": aspiration.text[:300]}
        if aspiration.is_anonymous:
            subject, body = _("EMERGENCY report"), f"{subject}\n{body}"
    # The outbox row is written at the moment of the report; for an anonymous case it
    # must not name the case in its clear columns, or its time would date the report.
    # Its dedupe key is random: the alert is written once, in the intake transaction.
    link = "" if aspiration.is_anonymous else f"aspiration:{aspiration.pk}"
    for channel, address in recipients:
        notification_enqueue(
            channel=channel,
            recipient=address,
            subject=subject,
            body=body,
            dedupe_key=f"{link or secrets.token_hex(16)}:emergency:{_key_of(address)}",
            topic=link,
        )
    _update(
        aspiration,
        kind=UpdateKind.ESCALATION,
        author=None,
        author_kind=AuthorKind.SYSTEM,
        is_public=False,
        text=_("Emergency: the duty desk was alerted (%(count)d recipients).")
        % {"count": len(recipients)},
    )


# ---------------------------------------------------------------------------
# Lifecycle


def _locked(aspiration: Aspiration) -> Aspiration:
    return Aspiration.objects.select_for_update().select_related("area").get(pk=aspiration.pk)


def _require_handler(actor: User, aspiration: Aspiration) -> None:
    if not visible_to(Aspiration.objects.filter(pk=aspiration.pk), actor).exists():
        raise ValidationError(_("You cannot act on this case."), code="scope")
    if (
        actor.role
        not in (
            Role.HANDLER,
            Role.COMMANDER,
            Role.COMMUNITY_OFFICER,
            Role.DESK_OFFICER,
            Role.PARTNER,
            Role.ADMIN,
        )
        and not actor.is_superuser
    ):
        raise ValidationError(_("You cannot act on this case."), code="role")


def aspiration_act(
    *,
    actor: User,
    aspiration: Aspiration,
    action: Action | str,
    text: str = "",
    is_public: bool = True,
    unit: Unit | None = None,
    duplicate_of: Aspiration | None = None,
) -> Aspiration:
    """Move a case along its lifecycle: the one place a status changes.

    ``refer`` needs ``unit`` (a partner office covering the area or a police unit
    the actor can see); ``mark_duplicate`` needs ``duplicate_of`` (an open or
    resolved case the actor can see, not itself and not a duplicate); ``resolve``,
    ``reject`` and ``close_unresolved`` need a text for the reporter. Raises
    ``ValidationError`` and changes nothing when the step is not allowed.
    """
    _require_handler(actor, aspiration)
    act = Action(action)
    text = (text or "").strip()
    if len(text) > TEXT_MAX_LENGTH:
        raise field_error(
            "text",
            _("Keep it to %(max)d characters.") % {"max": TEXT_MAX_LENGTH},
            code="text_too_long",
        )
    with transaction.atomic():
        case = _locked(aspiration)
        before = Status(case.status)
        try:
            after = next_status(before, act)
        except InvalidTransition:
            raise ValidationError(
                _("A case that is “%(status)s” cannot be “%(action)s”.")
                % {"status": before.label, "action": act.label},
                code="invalid_transition",
            ) from None
        if act in (Action.RESOLVE, Action.REJECT, Action.CLOSE_UNRESOLVED) and not text:
            raise field_error(
                "text", _("Tell the reporter what was done and why."), code="text_required"
            )
        now = timezone.now()
        fields = ["status", "updated_at"]
        if act == Action.REFER:
            _check_referral_target(actor, case, unit)
            assert unit is not None
            # Routing may have put the case with a partner at intake; referring it
            # formally starts the partner's clock. Referring it again does not.
            if unit.pk == case.assigned_unit_id and before == Status.REFERRED:
                raise field_error(
                    "unit", _("The case is already with this unit."), code="same_unit"
                )
            case.assigned_unit = unit
            case.assignee = None
            case.referred_at = _case_time(case, now)
            case.partner_answer_by = None
            if not unit.is_police:
                policy, calendar = sla_context(case.unit)
                case.partner_answer_by = sla.partner_answer_by(
                    policy=policy,
                    referred_at=case.referred_at,
                    zone=_zone(case.area),
                    calendar=calendar,
                )
            fields += ["assigned_unit", "assignee", "referred_at", "partner_answer_by"]
        if act == Action.MARK_DUPLICATE:
            original = _check_original(actor, case, duplicate_of)
            case.duplicate_of = original
            fields.append("duplicate_of")
        if act == Action.VERIFY:
            case.verified_at = _case_time(case, now)
            fields.append("verified_at")
        if act == Action.RESOLVE:
            case.resolved_at = _case_time(case, now)
            fields.append("resolved_at")
        if after in FINAL_STATES:
            case.closed_at = _case_time(case, now)
            fields.append("closed_at")
        if act == Action.REOPEN:
            fields += _reopen_fields(case, now=now)
        if is_public and case.first_notice_at is None:
            case.first_notice_at = _case_time(case, now)
            fields.append("first_notice_at")
        case.status = after
        case.updated_at = _case_time(case, now)
        case.save(update_fields=fields)
        _update(
            case,
            kind=UpdateKind.STATUS,
            author=actor,
            author_kind=AuthorKind.STAFF,
            from_status=before,
            to_status=after,
            unit=unit if act == Action.REFER else None,
            is_public=is_public,
            text=text,
        )
        if act == Action.RESOLVE:
            survey_schedule(aspiration=case, resolved_at=_case_time(case, now))
        if act == Action.MARK_DUPLICATE:
            _notify_reporter(
                case,
                event="merged",
                extra=_("It is now followed as %(number)s.")
                % {"number": case.duplicate_of.number if case.duplicate_of else ""},
            )
        elif is_public:
            _notify_followers(case, extra=text)
    return case


def _check_referral_target(actor: User, case: Aspiration, unit: Unit | None) -> None:
    if unit is None:
        raise field_error("unit", _("Choose the unit or agency to refer to."), code="unit")
    chain = [*case.area.ancestor_ids(), case.area.pk]
    # Functional units (Satresnarkoba, …) cover the whole city: a community officer
    # hands a drug tip to them although they are not above him.
    covers_area = Unit.coverage.through.objects.filter(unit=unit, area_id__in=chain).exists()
    # Partner offices and agencies serve the areas they cover; police units also
    # take cases from units that can see them (a Polsek refers to its Polres' Satreskrim).
    allowed = covers_area or (
        unit.is_police and visible_to(Unit.objects.filter(pk=unit.pk), actor).exists()
    )
    if not allowed:
        raise field_error(
            "unit", _("This unit or agency does not serve the case's area."), code="unit_scope"
        )


def _check_original(actor: User, case: Aspiration, original: Aspiration | None) -> Aspiration:
    if original is None:
        raise field_error(
            "duplicate_of", _("Choose the case this one repeats."), code="duplicate_of"
        )
    if original.pk == case.pk:
        raise field_error("duplicate_of", _("A case cannot repeat itself."), code="duplicate_self")
    visible = visible_to(Aspiration.objects.filter(pk=original.pk), actor).first()
    if visible is None:
        raise field_error("duplicate_of", _("Case not found."), code="duplicate_of")
    if visible.status in (Status.DUPLICATE, Status.REJECTED):
        raise field_error(
            "duplicate_of",
            _("Merge into the original case, not into a duplicate or a rejected one."),
            code="duplicate_chain",
        )
    return visible


def aspiration_note_add(
    *, actor: User, aspiration: Aspiration, text: str, is_public: bool
) -> AspirationUpdate:
    """A progress note (public: told to the reporter, SP2HP) or an internal note."""
    _require_handler(actor, aspiration)
    cleaned = _clean_text(text)
    with transaction.atomic():
        case = _locked(aspiration)
        update = _update(
            case,
            kind=UpdateKind.NOTE,
            author=actor,
            author_kind=AuthorKind.STAFF,
            is_public=is_public,
            text=cleaned,
        )
        fields = ["updated_at"]
        case.updated_at = update.created_at
        if is_public and case.first_notice_at is None:
            case.first_notice_at = update.created_at
            fields.append("first_notice_at")
        case.save(update_fields=fields)
        if is_public:
            _notify_followers(case, extra=cleaned, key=f"u{update.pk}")
    return update


def aspiration_assign(*, actor: User, aspiration: Aspiration, assignee: User | None) -> Aspiration:
    """Give the case to one officer of the handling unit (or take it back)."""
    _require_handler(actor, aspiration)
    with transaction.atomic():
        case = _locked(aspiration)
        if assignee is not None:
            unit_ids = set(
                Unit.objects.filter(path__startswith=case.assigned_unit.path).values_list(
                    "pk", flat=True
                )
            )
            if assignee.unit_id not in unit_ids or not assignee.is_active:
                raise field_error(
                    "assignee",
                    _("Choose an officer of the unit handling the case."),
                    code="assignee_unit",
                )
        case.assignee = assignee
        case.updated_at = _case_time(case)
        case.save(update_fields=["assignee", "updated_at"])
        _update(
            case,
            kind=UpdateKind.ASSIGNMENT,
            author=actor,
            author_kind=AuthorKind.STAFF,
            is_public=False,
            text=str(assignee) if assignee else "",
        )
    return case


def aspiration_triage_confirm(
    *,
    actor: User,
    aspiration: Aspiration,
    category: str,
    urgency: str,
    reroute: bool = False,
) -> Aspiration:
    """An officer confirms or corrects triage. Both are kept with the text as
    training data (``TriageCorrection``). With ``reroute`` an open, not yet
    referred case goes to the unit the rules name for the new category."""
    _require_handler(actor, aspiration)
    if category not in Category.values:
        raise field_error("category", _("Unknown category."), code="category")
    if urgency not in Urgency.values:
        raise field_error("urgency", _("Unknown urgency."), code="urgency")
    with transaction.atomic():
        case = _locked(aspiration)
        TriageCorrection.objects.create(
            created_at=_case_time(case),
            aspiration=case,
            text=case.text,
            suggested_category=case.suggested_category,
            suggested_urgency=case.suggested_urgency,
            category=category,
            urgency=urgency,
            corrected_by=actor,
        )
        was = (case.category, case.urgency)
        case.category, case.urgency = category, urgency
        if category != was[0]:
            case.responsible = triage_default_body(category)
        case.triage_confirmed_at = _case_time(case)
        fields = ["category", "urgency", "responsible", "triage_confirmed_at", "updated_at"]
        if reroute and case.status in (Status.RECEIVED, Status.VERIFIED):
            decision = aspiration_route_for(
                area=case.area, category=category, responsible=case.responsible
            )
            if decision is not None:
                case.assigned_unit_id = decision.unit_id
                fields.append("assigned_unit")
        if urgency != was[1]:
            case.resolve_by = case_deadlines(case, start=_clock_start(case)).resolve_by
            fields.append("resolve_by")
        case.updated_at = _case_time(case)
        case.save(update_fields=fields)
        _update(
            case,
            kind=UpdateKind.TRIAGE,
            author=actor,
            author_kind=AuthorKind.STAFF,
            is_public=False,
            text=f"{was[0]}/{was[1]} → {category}/{urgency}",
        )
        if urgency == Urgency.DARURAT and was[1] != Urgency.DARURAT:
            _alert_duty_desk(case)
    return case


# ---------------------------------------------------------------------------
# The reporter's side (through the receipt code)


def aspiration_message_from_reporter(*, aspiration: Aspiration, text: str) -> AspirationUpdate:
    """A message from the reporter, who proved the receipt code. Visible to handlers
    only (it may identify the sender); handlers answer with public notes."""
    cleaned = _clean_text(text)
    with transaction.atomic():
        case = _locked(aspiration)
        update = _update(
            case,
            kind=UpdateKind.MESSAGE,
            author=None,
            author_kind=AuthorKind.REPORTER,
            is_public=False,
            text=cleaned,
        )
        case.updated_at = update.created_at
        case.save(update_fields=["updated_at"])
    return update


# ---------------------------------------------------------------------------
# Follow-up questionnaire (FixMyStreet's "was it fixed?")


def survey_schedule(*, aspiration: Aspiration, resolved_at: datetime) -> Survey:
    last = aspiration.surveys.order_by("-round").first()
    return Survey.objects.create(
        aspiration=aspiration,
        round=(last.round + 1) if last else 1,
        due_at=resolved_at + timedelta(days=SURVEY_AFTER_DAYS),
    )


def surveys_send_due(*, now: datetime | None = None) -> int:
    """Ask reporters of cases resolved 28 days ago; run by the worker's scheduler.
    Anonymous reporters see the questionnaire on their tracking page instead."""
    now = now or timezone.now()
    sent = 0
    due = Survey.objects.filter(sent_at__isnull=True, due_at__lte=now, answered_at__isnull=True)
    for survey_id in due.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            survey = (
                Survey.objects.select_for_update(of=("self",))
                .select_related("aspiration", "aspiration__area", "aspiration__reporter")
                .filter(pk=survey_id, sent_at__isnull=True)
                .first()
            )
            if survey is None:
                continue
            case = survey.aspiration
            survey.sent_at = _case_time(case, now)
            survey.save(update_fields=["sent_at"])
            if case.status == Status.RESOLVED:
                _notify_reporter(case, event="survey", key=f"survey{survey.round}")
                sent += 1
    return sent


def survey_open_for(aspiration: Aspiration) -> Survey | None:
    """The questionnaire the reporter can answer now, if any."""
    if aspiration.status != Status.RESOLVED:
        return None
    return (
        aspiration.surveys.filter(answered_at__isnull=True, due_at__lte=timezone.now())
        .order_by("-round")
        .first()
    )


def survey_answer(
    *,
    aspiration: Aspiration,
    fixed: bool,
    satisfaction: int,
    safety: int,
    comment: str = "",
) -> Survey:
    """Record the reporter's answer. "Not fixed" reopens the case and tells the
    handling unit. A second answer to the same questionnaire is refused."""
    errors = {}
    for field, value in (("satisfaction", satisfaction), ("safety", safety)):
        if not isinstance(value, int) or not 1 <= value <= 5:
            errors[field] = _("Choose a value from 1 to 5.")
    if len(comment or "") > 1000:
        errors["comment"] = _("Keep it to %(max)d characters.") % {"max": 1000}
    if errors:
        raise ValidationError({f: ValidationError(m, code="survey") for f, m in errors.items()})
    with transaction.atomic():
        case = _locked(aspiration)
        survey = (
            Survey.objects.select_for_update().filter(aspiration=case).order_by("-round").first()
        )
        if survey is None or survey.due_at > timezone.now() or case.status != Status.RESOLVED:
            raise ValidationError(
                _("There is no questionnaire to answer for this case now."), code="no_survey"
            )
        if survey.answered_at is not None:
            raise ValidationError(
                _("This questionnaire was already answered. Thank you."), code="survey_answered"
            )
        survey.answered_at = _case_time(case)
        survey.fixed = fixed
        survey.satisfaction = satisfaction
        survey.safety = safety
        survey.comment = (comment or "").strip()
        survey.save()
        _update(
            case,
            kind=UpdateKind.SURVEY,
            author=None,
            author_kind=AuthorKind.REPORTER,
            is_public=False,
            text=_(
                "Fixed: %(fixed)s. Satisfaction %(satisfaction)d/5, sense of safety %(safety)d/5."
            )
            % {
                "fixed": _("yes") if fixed else _("no"),
                "satisfaction": satisfaction,
                "safety": safety,
            }
            + (f"\n{survey.comment}" if survey.comment else ""),
        )
        if fixed:
            case.updated_at = _case_time(case)
            case.save(update_fields=["updated_at"])
        else:
            _reopen_not_fixed(case)
    return survey


def _reopen_fields(case: Aspiration, *, now: datetime) -> list[str]:
    """Set what reopening changes besides the status (a fresh resolution deadline,
    no closing marks, no merge) and return the names of those fields."""
    case.reopened_count += 1
    case.duplicate_of = None
    case.closed_at = case.resolved_at = case.escalated_at = None
    case.resolve_by = case_deadlines(case, start=now).resolve_by
    return [
        "reopened_count",
        "duplicate_of",
        "closed_at",
        "resolved_at",
        "escalated_at",
        "resolve_by",
    ]


def _reopen_not_fixed(case: Aspiration) -> None:
    before = Status(case.status)
    after = next_status(before, Action.REOPEN)
    now = timezone.now()
    case.status = after
    case.updated_at = _case_time(case, now)
    case.save(update_fields=["status", "updated_at", *_reopen_fields(case, now=now)])
    _update(
        case,
        kind=UpdateKind.STATUS,
        author=None,
        author_kind=AuthorKind.REPORTER,
        from_status=before,
        to_status=after,
        is_public=True,
        text=_("The reporter says the problem is not fixed."),
    )
    handlers = [case.assignee] if case.assignee and case.assignee.is_active else []
    recipients = [("email", u.email) for u in handlers if u.email] or _staff_recipients(
        _unit_chain_ids(case.assigned_unit_id), [Role.HANDLER, Role.COMMANDER, Role.PARTNER]
    )
    with translation.override("id"):
        subject = _("Case %(number)s reopened: not fixed") % {"number": case.number}
    for channel, address in recipients:
        notification_enqueue(
            channel=channel,
            recipient=address,
            subject=subject,
            body=case.text[:300],
            dedupe_key=f"aspiration:{case.pk}:reopened:{case.reopened_count}:{_key_of(address)}",
            topic=f"aspiration:{case.pk}",
        )


# ---------------------------------------------------------------------------
# SLA sweep


def aspirations_sla_sweep(*, now: datetime | None = None) -> int:
    """Escalate open cases past a deadline to the commanders of their unit chain,
    once per case until it moves again. Run by the worker's scheduler."""
    now = now or timezone.now()
    overdue = Aspiration.objects.filter(
        status__in=[
            s.value
            for s in (
                Status.RECEIVED,
                Status.VERIFIED,
                Status.REFERRED,
                Status.IN_PROGRESS,
                Status.REOPENED,
            )
        ],
        escalated_at__isnull=True,
    ).filter(
        models.Q(resolve_by__lt=now)
        | models.Q(status=Status.RECEIVED, verify_by__lt=now)
        | models.Q(status=Status.REFERRED, partner_answer_by__lt=now)
        | models.Q(first_notice_at__isnull=True, first_notice_by__lt=now)
    )
    escalated = 0
    for pk in overdue.values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            case = (
                Aspiration.objects.select_for_update()
                .select_related("area")
                .filter(pk=pk, escalated_at__isnull=True)
                .first()
            )
            if case is None:
                continue
            reasons = sla_overdue_reasons(case, now=now)
            if not reasons:
                continue
            case.escalated_at = now if not case.is_anonymous else _coarse(now, case.area)
            case.save(update_fields=["escalated_at"])
            chain = _unit_chain_ids(case.unit_id) + _unit_chain_ids(case.assigned_unit_id)
            recipients = _staff_recipients(set(chain), [Role.COMMANDER])
            text = _("Overdue: %(reasons)s.") % {"reasons": ", ".join(reasons)}
            _update(
                case,
                kind=UpdateKind.ESCALATION,
                author=None,
                author_kind=AuthorKind.SYSTEM,
                is_public=False,
                text=text,
            )
            with translation.override("id"):
                subject = _("Overdue case %(number)s") % {"number": case.number}
            for channel, address in recipients:
                notification_enqueue(
                    channel=channel,
                    recipient=address,
                    subject=subject,
                    body=text,
                    dedupe_key=f"aspiration:{case.pk}:escalated:{case.reopened_count}:{_key_of(address)}",
                    topic=f"aspiration:{case.pk}",
                )
            escalated += 1
    return escalated


def sla_overdue_reasons(case: Aspiration, *, now: datetime) -> list[str]:
    reasons = []
    if case.status == Status.RECEIVED and sla.is_overdue(deadline=case.verify_by, now=now):
        reasons.append(_("not verified in time"))
    if case.first_notice_at is None and sla.is_overdue(deadline=case.first_notice_by, now=now):
        reasons.append(_("no progress notice to the reporter"))
    if case.status == Status.REFERRED and sla.is_overdue(deadline=case.partner_answer_by, now=now):
        reasons.append(_("no answer from the partner agency"))
    if sla.is_overdue(deadline=case.resolve_by, now=now, done_at=case.resolved_at):
        reasons.append(_("not resolved in time"))
    return reasons
