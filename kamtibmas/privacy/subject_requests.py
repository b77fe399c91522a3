"""Data-subject requests under UU PDP (SECURITY.md 4; issue 11 point 2).

A resident asks for access and a machine-readable export, correction, deletion or
withdrawal of consent; each request is recorded with its 72-hour deadline and alerts
the unit's commanders and administrators once it is overdue. docs/privacy/
subject-requests.md explains the choices; the invariants are:

* The subject is found only through what proves who they are: a resident's own
  account (its ``reporter`` links), or the NIK, phone and KK number a staff member
  checked on the person's documents (blind indexes). A resident cannot type someone
  else's NIK into a form and receive that person's records.
* An export holds the subject's own records and who read them (unit, role, time,
  reason; never the staff member's name), and never another person's data: a case
  someone else reported is not the subject's record even when it names them, so its
  reporter is never disclosed (``subject_records`` does not search case texts).
* Staff act only on records inside their own scope (SECURITY.md 8); records held by
  other units are counted, never shown, so the request can go up to a common parent.
* Deletion deletes what no case needs and anonymises the rest with the retention
  sweep's functions (``privacy.retention``); the audit log itself is never deleted.
* Every step writes an audit entry; corrections record keyed digests of the old and
  new value, never the values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kamtibmas.accounts.models import Role, User
from kamtibmas.aid.models import Household
from kamtibmas.areas.models import Unit
from kamtibmas.aspirations.lifecycle import FINAL_STATES
from kamtibmas.aspirations.models import Aspiration, AuthorKind
from kamtibmas.certificates.models import Certificate, LossReport
from kamtibmas.core.scope import get_visible_or_404, visible_to
from kamtibmas.engagements.models import Attendee
from kamtibmas.notifications.models import OPEN_STATUSES, OutboxMessage, OutboxStatus
from kamtibmas.notifications.services import notification_enqueue
from kamtibmas.privacy.blind_index import blind_index
from kamtibmas.privacy.identifiers import normalise_kk, normalise_nik, normalise_phone
from kamtibmas.privacy.models import (
    OPEN_SUBJECT_REQUEST_STATUSES,
    AuditAction,
    AuditEntry,
    DataSubjectRequest,
    SubjectRequestKind,
    SubjectRequestStatus,
)
from kamtibmas.privacy.retention import (
    REMOVED,
    case_content_clear,
    household_anonymise,
    loss_report_identity_clear,
)
from kamtibmas.privacy.retention import (
    aspiration_contact_clear as retention_contact_clear,
)
from kamtibmas.privacy.services import audit_record, audit_record_many

#: UU PDP Art. 32-42 answer period as SECURITY.md 4 sets it.
ANSWER_WITHIN = timedelta(hours=72)
#: Who works the queue: the duty desk, commanders and administrators.
HANDLER_ROLES = frozenset({Role.DESK_OFFICER, Role.COMMANDER, Role.ADMIN})
#: Who is alerted about an overdue request.
ALERT_ROLES = (Role.COMMANDER, Role.ADMIN)
EXPORT_FORMAT = "kamtibmas-subject-export/1"
#: Reporter notices in the outbox (``aspirations.services._EVENT_SUBJECTS``); staff
#: alerts about the same case (escalations, emergencies) are not the subject's.
REPORTER_NOTICE_EVENTS = ("received", "status", "survey", "merged")

#: What a correction may change, per record type: the subject's own identity and
#: contact, never a case's content or a staff member's record.
CORRECTABLE: dict[str, tuple[str, ...]] = {
    "accounts.user": ("first_name", "last_name", "email", "phone"),
    "aspirations.aspiration": ("reporter_name", "reporter_phone", "reporter_email"),
    "certificates.lossreport": (
        "name",
        "nik",
        "birth_place",
        "occupation",
        "address",
        "phone",
    ),
    "aid.household": ("head_name", "address"),
    "engagements.attendee": ("name", "phone"),
}
#: Fields stored with a blind index: (identifier kind, index column).
_INDEXED = {
    "nik": ("nik", "nik_index"),
    "phone": ("phone", "phone_index"),
    "reporter_phone": ("phone", "reporter_phone_index"),
}


def may_handle_subject_requests(user: Any) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in HANDLER_ROLES)
    )


def _require_handler(actor: User) -> None:
    if not may_handle_subject_requests(actor):
        raise PermissionDenied


def _audit(actor: User | None, action: AuditAction, request: DataSubjectRequest, why: str) -> None:
    audit_record(
        actor=actor,
        action=action,
        subject=request,
        reason=f"data-subject request {request.reference}: {why}",
    )


# -- Reads -------------------------------------------------------------------------


def subject_requests_for_staff(user: Any) -> models.QuerySet[DataSubjectRequest]:
    """The queue of the user's units (a request without a unit: administrators)."""
    return visible_to(DataSubjectRequest.objects.all(), user).select_related(
        "unit", "unit__area", "handled_by"
    )


def subject_requests_of_resident(user: Any) -> models.QuerySet[DataSubjectRequest]:
    return DataSubjectRequest.objects.filter(subject_user=user).select_related("unit", "unit__area")


def subject_request_get(*, user: Any, pk: int) -> DataSubjectRequest:
    """A request the user may see: staff within their scope (404 outside it, whatever
    their role; whether the role may work it is checked after), a resident their own."""
    if user.is_authenticated and user.may_use_staff_area:
        return get_visible_or_404(subject_requests_for_staff(user), user, pk=pk)
    found = subject_requests_of_resident(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def is_overdue(request: DataSubjectRequest, *, now: datetime | None = None) -> bool:
    return request.is_open and request.due_at < (now or timezone.now())


@dataclass
class SubjectRecords:
    """The records of one subject, split into what the viewer may see and counts of
    what other units hold (``elsewhere``)."""

    users: list[User] = field(default_factory=list)
    aspirations: list[Aspiration] = field(default_factory=list)
    loss_reports: list[LossReport] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    attendees: list[Attendee] = field(default_factory=list)
    elsewhere: dict[str, int] = field(default_factory=dict)

    def all(self) -> list[models.Model]:
        return [
            *self.users,
            *self.aspirations,
            *self.loss_reports,
            *self.households,
            *self.attendees,
        ]

    def find(self, label: str, pk: int) -> models.Model | None:
        return next(
            (
                record
                for record in self.all()
                if record._meta.label_lower == label and record.pk == pk
            ),
            None,
        )


def _subject_user_ids(request: DataSubjectRequest) -> set[int]:
    ids = {request.subject_user_id} if request.subject_user_id else set()
    if request.subject_phone_index:
        # Only residents' accounts: a staff account is not a data subject's record here.
        ids |= set(
            User.objects.filter(
                phone_index=request.subject_phone_index, role=Role.RESIDENT
            ).values_list("pk", flat=True)
        )
    return ids


def _querysets(request: DataSubjectRequest) -> dict[str, models.QuerySet[Any]]:
    user_ids = _subject_user_ids(request)
    reports = Q(reporter_id__in=user_ids)
    cases = Q(reporter_id__in=user_ids)
    if request.subject_nik_index:
        reports |= Q(nik_index=request.subject_nik_index)
    if request.subject_phone_index:
        reports |= Q(phone_index=request.subject_phone_index)
        cases |= Q(reporter_phone_index=request.subject_phone_index)
    return {
        "aspirations": Aspiration.objects.filter(cases).select_related("area"),
        "loss_reports": LossReport.objects.filter(reports).select_related("area"),
        "households": (
            Household.objects.filter(kk_index=request.subject_kk_index).select_related("area")
            if request.subject_kk_index
            else Household.objects.none()
        ),
        "attendees": (
            Attendee.objects.filter(phone_index=request.subject_phone_index).select_related(
                "dialogue"
            )
            if request.subject_phone_index
            else Attendee.objects.none()
        ),
    }


def subject_records(request: DataSubjectRequest, *, viewer: Any = None) -> SubjectRecords:
    """Everything the product holds about the request's subject.

    ``viewer`` (a staff member) narrows the records to their scope and counts the
    rest in ``elsewhere``; ``None`` is the subject themselves (their own export).
    Cases that merely mention the subject are never found: only the subject's account
    links and the blind indexes of the identifiers they proved.
    """
    user_ids = _subject_user_ids(request)
    found = SubjectRecords(users=list(User.objects.filter(pk__in=user_ids).order_by("pk")))
    for name, queryset in _querysets(request).items():
        queryset = queryset.order_by("pk")
        if viewer is not None:
            visible = list(visible_to(queryset, viewer))
            hidden = queryset.exclude(pk__in=[record.pk for record in visible]).count()
            if hidden:
                found.elsewhere[name] = hidden
        else:
            visible = list(queryset)
        setattr(found, name, visible)
    return found


# -- Intake and lifecycle -------------------------------------------------------------


def _resident_unit(user: User) -> Unit | None:
    """The unit of the resident's latest case or loss report; ``None`` (the
    administrators' queue) when they have none."""
    latest: list[tuple[datetime, int]] = []
    case = Aspiration.objects.filter(reporter=user).order_by("-received_at").first()
    if case is not None:
        latest.append((case.received_at, case.unit_id))
    report = LossReport.objects.filter(reporter=user).order_by("-created_at").first()
    if report is not None:
        latest.append((report.created_at, report.unit_id))
    if not latest:
        return None
    return Unit.objects.get(pk=max(latest)[1])


def subject_request_submit(
    *,
    actor: User,
    kind: str,
    details: str = "",
    name: str = "",
    nik: str = "",
    phone: str = "",
    kk: str = "",
    now: datetime | None = None,
) -> DataSubjectRequest:
    """Record a request: a resident's about themselves, or a staff member's on behalf
    of a person whose NIK, phone or KK number they checked on the person's documents.
    """
    now = now or timezone.now()
    try:
        kind = SubjectRequestKind(kind)
    except ValueError as exc:
        raise ValidationError({"kind": _("Choose what you ask for.")}) from exc
    details = (details or "").strip()
    if len(details) > 2000:
        raise ValidationError({"details": _("Keep it under 2,000 characters.")})
    if kind == SubjectRequestKind.CORRECTION and not details:
        raise ValidationError({"details": _("Say what is wrong and what it should be.")})
    request = DataSubjectRequest(
        kind=kind, details=details or None, recorded_by=actor, received_at=now
    )
    request.due_at = now + ANSWER_WITHIN
    if actor.is_authenticated and actor.role == Role.RESIDENT:
        if nik or phone or kk:
            # Proof of identity is checked in person; a form cannot check a KTP.
            raise ValidationError(_("Identify someone else's records at a police post."))
        request.subject_user = actor
        request.subject_name = actor.get_full_name() or actor.username
        request.unit = _resident_unit(actor)
    else:
        _require_handler(actor)
        errors: dict[str, Any] = {}
        for label, value, normalise, kind_name in (
            ("nik", nik, normalise_nik, "nik"),
            ("phone", phone, normalise_phone, "phone"),
            ("kk", kk, normalise_kk, "kk"),
        ):
            if not value.strip():
                continue
            try:
                clean = normalise(value)
            except ValidationError as error:
                errors[label] = error.messages
                continue
            setattr(request, f"subject_{label}", clean)
            setattr(request, f"subject_{label}_index", blind_index(kind_name, clean))
        if errors:
            raise ValidationError(errors)
        if not (nik.strip() or phone.strip() or kk.strip()):
            raise ValidationError(
                {"nik": _("Give the NIK, phone or KK number you checked on their documents.")}
            )
        if not name.strip():
            raise ValidationError({"name": _("Give the person's name.")})
        request.subject_name = name.strip()[:120]
        request.unit = actor.unit
    with transaction.atomic():
        request.save()
        _audit(actor, AuditAction.CREATE, request, f"{kind} request recorded")
    return request


def _locked(request: DataSubjectRequest) -> DataSubjectRequest:
    return DataSubjectRequest.objects.select_for_update().get(pk=request.pk)


def _require_open(request: DataSubjectRequest) -> None:
    if not request.is_open:
        raise ValidationError(_("This request is closed."), code="closed")


def subject_request_start(*, actor: User, request: DataSubjectRequest) -> DataSubjectRequest:
    """The handler takes the request: received → in progress."""
    _require_handler(actor)
    with transaction.atomic():
        request = _locked(request)
        _require_open(request)
        request.status = SubjectRequestStatus.IN_PROGRESS
        request.handled_by = actor
        request.save(update_fields=["status", "handled_by"])
        _audit(actor, AuditAction.UPDATE, request, "taken in hand")
    return request


def _forget_identifiers(request: DataSubjectRequest) -> list[str]:
    """What a closed request no longer needs: the identifiers that found the records
    (and, after a deletion, the name)."""
    names = [
        "subject_nik",
        "subject_nik_index",
        "subject_phone",
        "subject_phone_index",
        "subject_kk",
        "subject_kk_index",
    ]
    for name in names:
        setattr(request, name, None)
    if request.kind == SubjectRequestKind.DELETION:
        request.subject_name = REMOVED
        setattr(request, "details", None)  # noqa: B010 (the stub types the field, not its value)
        names += ["subject_name", "details"]
    return names


def subject_request_close(
    *,
    actor: User,
    request: DataSubjectRequest,
    status: str,
    resolution: str = "",
    now: datetime | None = None,
) -> DataSubjectRequest:
    """Close the request as done or refused (a refusal needs its reason)."""
    _require_handler(actor)
    status = SubjectRequestStatus(status)
    if status not in (SubjectRequestStatus.DONE, SubjectRequestStatus.REFUSED):
        raise ValueError(f"Cannot close a request as {status}.")
    resolution = (resolution or "").strip()
    if status == SubjectRequestStatus.REFUSED and not resolution:
        raise ValidationError({"resolution": _("Give the reason for the refusal.")})
    if len(resolution) > 2000:
        raise ValidationError({"resolution": _("Keep it under 2,000 characters.")})
    with transaction.atomic():
        request = _locked(request)
        _require_open(request)
        request.status = status
        request.handled_by = actor
        request.closed_at = now or timezone.now()
        if resolution:
            request.resolution = "\n".join(filter(None, [request.resolution, resolution]))
        forgotten = _forget_identifiers(request)
        request.save(update_fields=["status", "handled_by", "closed_at", "resolution", *forgotten])
        _audit(actor, AuditAction.UPDATE, request, f"closed as {status}")
    return request


def _note(request: DataSubjectRequest, text: str) -> None:
    request.resolution = "\n".join(filter(None, [request.resolution, text]))[:2000]


def _elsewhere_note(found: SubjectRecords) -> str:
    if not found.elsewhere:
        return ""
    return _(
        "Records held by other units (%(count)d) were not changed: send the request to a "
        "unit above both."
    ) % {"count": sum(found.elsewhere.values())}


# -- Export -----------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _aspiration_data(case: Aspiration) -> dict[str, Any]:
    # Only what the reporter already sees or wrote: public updates and their own
    # messages. Internal notes are police work on the case and may name others.
    updates = case.updates.filter(Q(is_public=True) | Q(author_kind=AuthorKind.REPORTER))
    return {
        "number": case.number,
        "received_at": _iso(case.received_at),
        "status": case.status,
        "category": case.category,
        "urgency": case.urgency,
        "privacy": case.privacy,
        "area": case.area.name,
        "text": case.text,
        "answer_on_the_spot": case.spot_answer,
        "reporter_name": case.reporter_name,
        "reporter_phone": case.reporter_phone,
        "reporter_email": case.reporter_email,
        "notify_by": case.notify_by,
        "updates": [
            {"at": _iso(update.created_at), "kind": update.kind, "text": update.text}
            for update in updates.order_by("created_at", "pk")
        ],
        "follow_up_surveys": [
            {
                "round": survey.round,
                "answered_at": _iso(survey.answered_at),
                "fixed": survey.fixed,
                "satisfaction": survey.satisfaction,
                "safety": survey.safety,
                "comment": survey.comment,
            }
            for survey in case.surveys.order_by("round")
        ],
    }


def _loss_report_data(report: LossReport) -> dict[str, Any]:
    certificate = Certificate.objects.filter(report=report).first()
    return {
        "reference": report.reference,
        "status": report.status,
        "submitted_at": _iso(report.submitted_at),
        **{name: getattr(report, name) for name in LossReport.personal_fields},
        "birth_date": report.birth_date.isoformat() if report.birth_date else None,
        "area": report.area.name if report.area else None,
        "lost_on": report.lost_on.isoformat(),
        "lost_place": report.lost_place,
        "circumstances": report.circumstances,
        "consents_to_contact": report.reporter_consents_contact,
        "items": [
            {"document": item.item_type, "details": json.loads(item.details_json or "{}")}
            for item in report.items.order_by("position", "pk")
        ],
        "certificate": (
            {
                "number": certificate.number,
                "issued_at": _iso(certificate.issued_at),
                "valid_until": certificate.valid_until.isoformat(),
                "revoked": certificate.revoked_at is not None,
            }
            if certificate
            else None
        ),
    }


def _household_data(household: Household) -> dict[str, Any]:
    return {
        "area": household.area.name if household.area else None,
        "kk_number": household.kk_number,
        "head_name": household.head_name,
        "address": household.address,
        "members": household.members,
        "children": household.children,
        "vulnerability_notes": household.vulnerability,
        "handouts": [
            {
                "program": handout.program.name,
                "handed_at": _iso(handout.handed_at),
                "recipient_name": handout.recipient_name,
                "children_present": handout.children_present,
            }
            for handout in household.handouts.select_related("program").order_by("handed_at")
        ],
    }


def _user_data(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": user.phone,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "active": user.is_active,
    }


def _attendee_data(attendee: Attendee) -> dict[str, Any]:
    return {
        "dialogue": attendee.dialogue.title,
        "held_at": _iso(attendee.dialogue.actual_start or attendee.dialogue.planned_start),
        "name": attendee.name,
        "group": attendee.group,
        "phone": attendee.phone,
        "consents_to_being_listed": attendee.consent,
    }


def access_log(records: Iterable[models.Model]) -> list[dict[str, Any]]:
    """Who read or changed the records: the unit and role of the staff member and
    when, never their name (docs/privacy/subject-requests.md, "Access log")."""
    by_type: dict[str, list[str]] = {}
    for record in records:
        by_type.setdefault(record._meta.label_lower, []).append(str(record.pk))
    if not by_type:
        return []
    condition = Q(pk__in=[])
    for label, ids in by_type.items():
        condition |= Q(subject_type=label, subject_id__in=ids)
    entries = AuditEntry.objects.filter(condition).select_related("actor", "actor_unit")
    return [
        {
            "at": _iso(entry.created_at),
            "action": entry.action,
            "record": entry.subject_label,
            "unit": entry.actor_unit.name if entry.actor_unit else None,
            "role": entry.actor.role if entry.actor else "system",
            "fields": entry.fields,
            "reason": entry.reason,
        }
        for entry in entries.order_by("created_at", "pk")
    ]


def _requests_of(request: DataSubjectRequest) -> list[DataSubjectRequest]:
    """The subject's requests: all of their account's, or this one."""
    if request.subject_user_id is None:
        return [request]
    return list(
        DataSubjectRequest.objects.filter(subject_user_id=request.subject_user_id).order_by("pk")
    )


def subject_request_export(*, actor: User, request: DataSubjectRequest) -> dict[str, Any]:
    """The machine-readable export of the subject's data and its access log.

    The subject (signed in, their own finished request) gets everything; a handler
    gets what their scope holds, and counts of what other units hold. Audited as an
    export of every record included.
    """
    is_subject = request.subject_user_id is not None and actor.pk == request.subject_user_id
    if is_subject:
        if request.kind != SubjectRequestKind.ACCESS or request.status != SubjectRequestStatus.DONE:
            raise PermissionDenied
        found = subject_records(request)
    else:
        _require_handler(actor)
        if request.kind != SubjectRequestKind.ACCESS or not request.is_open:
            raise ValidationError(_("Only an open access request is exported."))
        found = subject_records(request, viewer=actor)
    records = found.all()
    data = {
        "format": EXPORT_FORMAT,
        "generated_at": _iso(timezone.now()),
        "request": {
            "reference": request.reference,
            "kind": request.kind,
            "received_at": _iso(request.received_at),
            "due_at": _iso(request.due_at),
        },
        "account": [_user_data(user) for user in found.users],
        "aspirations": [_aspiration_data(case) for case in found.aspirations],
        "loss_reports": [_loss_report_data(report) for report in found.loss_reports],
        "households": [_household_data(household) for household in found.households],
        "dialogue_attendance": [_attendee_data(attendee) for attendee in found.attendees],
        "data_subject_requests": [
            {
                "reference": earlier.reference,
                "kind": earlier.kind,
                "status": earlier.status,
                "received_at": _iso(earlier.received_at),
                "due_at": _iso(earlier.due_at),
                "closed_at": _iso(earlier.closed_at),
                "resolution": earlier.resolution,
            }
            for earlier in _requests_of(request)
        ],
        "access_log": access_log(records),
        "held_by_other_units": found.elsewhere,
        "notes": [
            str(note)
            for note in (
                gettext_lazy(
                    "Cases you reported are included with their public updates; internal "
                    "police notes are not."
                ),
                gettext_lazy(
                    "Cases reported by other people are never included, even when they name you."
                ),
                gettext_lazy(
                    "Anonymous reports and dialogue surveys are not linked to any person "
                    "and cannot be found."
                ),
                gettext_lazy(
                    "The access log shows the unit and role of each staff member, not their name."
                ),
            )
        ],
    }
    with transaction.atomic():
        audit_record_many(
            actor=actor,
            action=AuditAction.EXPORT,
            subjects=records,
            reason=f"data-subject request {request.reference}: export",
        )
        _audit(actor, AuditAction.EXPORT, request, "export generated")
    return data


def export_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")


# -- Deletion and withdrawal of consent ---------------------------------------------


@dataclass(frozen=True)
class Outcome:
    deleted: int
    anonymised: int
    elsewhere: int


def _audited(
    actor: User,
    request: DataSubjectRequest,
    action: AuditAction,
    records: list[Any],
    fields: Iterable[str],
    what: str,
) -> None:
    audit_record_many(
        actor=actor,
        action=action,
        subjects=records,
        fields=fields,
        reason=f"data-subject request {request.reference}: {what}",
    )


def _user_anonymise(user: User) -> None:
    """A resident's account cannot be deleted (the audit log names it): it is
    disabled and emptied."""
    user.username = f"removed-{user.pk}"
    user.first_name = user.last_name = user.email = ""
    user.phone = user.phone_index = None
    user.is_active = False
    user.set_unusable_password()
    user.save()


def subject_request_erase(
    *, actor: User, request: DataSubjectRequest, now: datetime | None = None
) -> Outcome:
    """Carry out a deletion request and close it as done.

    Deleted: loss reports without a certificate, households that never received
    aid, dialogue sign-ins. Anonymised (kept for the case or the ledger): every case
    the subject reported (contact removed; content too once the case is closed),
    certified loss reports, households with hand-outs, the resident's account.
    """
    _require_handler(actor)
    if request.kind != SubjectRequestKind.DELETION:
        raise ValidationError(_("This is not a deletion request."))
    with transaction.atomic():
        request = _locked(request)
        _require_open(request)
        found = subject_records(request, viewer=actor)
        deleted = anonymised = 0

        cases = [case.pk for case in found.aspirations]
        closed = [case.pk for case in found.aspirations if case.status in FINAL_STATES]
        _audited(
            actor,
            request,
            AuditAction.UPDATE,
            found.aspirations,
            ["notify_by", "reporter", "reporter_email", "reporter_name", "reporter_phone"],
            "contact removed",
        )
        retention_contact_clear(cases)
        case_content_clear(closed)
        anonymised += len(cases)

        certified = [r for r in found.loss_reports if hasattr(r, "certificate")]
        removable = [r for r in found.loss_reports if not hasattr(r, "certificate")]
        _audited(actor, request, AuditAction.UPDATE, certified, ["identity"], "anonymised")
        loss_report_identity_clear([report.pk for report in certified])
        _audited(actor, request, AuditAction.DELETE, removable, ["*"], "deleted")
        LossReport.objects.filter(pk__in=[report.pk for report in removable]).delete()
        anonymised += len(certified)
        deleted += len(removable)

        served = [h for h in found.households if h.handouts.exists()]
        unserved = [h for h in found.households if not h.handouts.exists()]
        _audited(actor, request, AuditAction.UPDATE, served, ["identity"], "anonymised")
        household_anonymise([household.pk for household in served])
        _audited(actor, request, AuditAction.DELETE, unserved, ["*"], "deleted")
        Household.objects.filter(pk__in=[household.pk for household in unserved]).delete()
        anonymised += len(served)
        deleted += len(unserved)

        _audited(actor, request, AuditAction.DELETE, found.attendees, ["*"], "deleted")
        Attendee.objects.filter(pk__in=[attendee.pk for attendee in found.attendees]).delete()
        deleted += len(found.attendees)

        for user in found.users:
            if user.role == Role.RESIDENT:
                audit_record(
                    actor=actor,
                    action=AuditAction.UPDATE,
                    subject=user,
                    fields=["username", "first_name", "last_name", "email", "phone"],
                    reason=f"data-subject request {request.reference}: account anonymised",
                )
                _user_anonymise(user)
                anonymised += 1

        outcome = Outcome(deleted, anonymised, sum(found.elsewhere.values()))
        _close_done(actor, request, found, outcome, now=now)
    return outcome


def _close_done(
    actor: User,
    request: DataSubjectRequest,
    found: SubjectRecords,
    outcome: Outcome,
    *,
    now: datetime | None,
) -> None:
    # Notes are kept in the staff's language (Indonesian), like the outbox alerts.
    with translation.override("id"):
        summary = _("Deleted: %(deleted)d records; anonymised: %(anonymised)d.") % {
            "deleted": outcome.deleted,
            "anonymised": outcome.anonymised,
        }
        elsewhere = _elsewhere_note(found)
    _note(request, summary)
    if elsewhere:
        _note(request, elsewhere)
    request.status = SubjectRequestStatus.DONE
    request.handled_by = actor
    request.closed_at = now or timezone.now()
    forgotten = _forget_identifiers(request)
    request.save(update_fields=["status", "handled_by", "closed_at", "resolution", *forgotten])
    _audit(
        actor,
        AuditAction.UPDATE,
        request,
        f"carried out: {outcome.deleted} deleted, {outcome.anonymised} anonymised",
    )


def _reporter_notices(case_ids: list[int]) -> models.QuerySet[OutboxMessage]:
    condition = Q(pk__in=[])
    for pk in case_ids:
        for event in REPORTER_NOTICE_EVENTS:
            condition |= Q(dedupe_key__startswith=f"aspiration:{pk}:{event}:")
    return OutboxMessage.objects.filter(condition, status__in=OPEN_STATUSES)


def subject_request_withdraw_consent(
    *, actor: User, request: DataSubjectRequest, now: datetime | None = None
) -> Outcome:
    """Carry out a withdrawal of consent and close the request as done.

    What rests on consent stops: progress notices (channel, phone and email of the
    subject's cases; notices not yet sent are cancelled), the consent to be contacted
    on loss reports, and the named sign-ins at dialogues (deleted; head counts stay).
    """
    _require_handler(actor)
    if request.kind != SubjectRequestKind.WITHDRAW_CONSENT:
        raise ValidationError(_("This is not a withdrawal of consent."))
    with transaction.atomic():
        request = _locked(request)
        _require_open(request)
        found = subject_records(request, viewer=actor)
        cases = [case.pk for case in found.aspirations]
        _audited(
            actor,
            request,
            AuditAction.UPDATE,
            found.aspirations,
            ["notify_by", "reporter_email", "reporter_phone"],
            "consent withdrawn: notices stopped",
        )
        Aspiration.objects.filter(pk__in=cases).update(
            notify_by="", reporter_phone=None, reporter_phone_index=None, reporter_email=None
        )
        _reporter_notices(cases).update(
            status=OutboxStatus.DEAD, last_error="consent withdrawn (data-subject request)"
        )
        _audited(
            actor,
            request,
            AuditAction.UPDATE,
            found.loss_reports,
            ["reporter_consents_contact"],
            "consent withdrawn",
        )
        LossReport.objects.filter(pk__in=[report.pk for report in found.loss_reports]).update(
            reporter_consents_contact=False
        )
        _audited(actor, request, AuditAction.DELETE, found.attendees, ["*"], "consent withdrawn")
        Attendee.objects.filter(pk__in=[attendee.pk for attendee in found.attendees]).delete()
        outcome = Outcome(
            deleted=len(found.attendees),
            anonymised=len(cases) + len(found.loss_reports),
            elsewhere=sum(found.elsewhere.values()),
        )
        _close_done(actor, request, found, outcome, now=now)
    return outcome


# -- Correction ---------------------------------------------------------------------


def _digest(value: Any) -> str:
    """A keyed digest of a value for the audit trail: lets the data-protection officer
    check a claimed old or new value, and shows nobody the value itself."""
    return blind_index("audit-correction", "" if value is None else str(value))[:12]


def subject_request_correct(
    *,
    actor: User,
    request: DataSubjectRequest,
    record: str,
    field_name: str,
    value: str,
) -> models.Model:
    """Change one field of one of the subject's records (``record`` is
    ``"<app.model>:<pk>"``); the audit entry holds digests of the old and new value."""
    _require_handler(actor)
    if request.kind != SubjectRequestKind.CORRECTION:
        raise ValidationError(_("This is not a correction request."))
    label, _sep, raw_pk = record.partition(":")
    if field_name not in CORRECTABLE.get(label, ()) or not raw_pk.isdigit():
        raise ValidationError({"field": _("This field cannot be corrected here.")})
    value = (value or "").strip()
    if field_name in _INDEXED and value:
        value = (normalise_nik if field_name == "nik" else normalise_phone)(value)
    if field_name in ("email", "reporter_email") and value:
        validate_email(value)
    if field_name in ("name", "reporter_name", "head_name", "first_name", "last_name"):
        value = value[:120]
    with transaction.atomic():
        request = _locked(request)
        _require_open(request)
        target = subject_records(request, viewer=actor).find(label, int(raw_pk))
        if target is None:
            raise Http404
        target = type(target)._default_manager.select_for_update().get(pk=target.pk)
        before = getattr(target, field_name)
        stored: Any = value or None
        if field_name in ("head_name", "name") and not value:
            raise ValidationError({"value": _("A name cannot be empty.")})
        if field_name in ("first_name", "last_name", "email"):
            stored = value
        setattr(target, field_name, stored)
        changed = [field_name]
        if field_name in _INDEXED and hasattr(target, _INDEXED[field_name][1]):
            kind, index = _INDEXED[field_name]
            setattr(target, index, blind_index(kind, value) if value else None)
            changed.append(index)
        target.save(update_fields=changed)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            subject=target,
            fields=[field_name],
            reason=(
                f"data-subject request {request.reference}: corrected {field_name} "
                f"(before #{_digest(before)}, after #{_digest(stored)})"
            ),
        )
        with translation.override("id"):
            _note(
                request,
                _("Corrected %(field)s of %(record)s.")
                % {"field": field_name, "record": f"{label}:{target.pk}"},
            )
        request.handled_by = actor
        if request.status == SubjectRequestStatus.RECEIVED:
            request.status = SubjectRequestStatus.IN_PROGRESS
        request.save(update_fields=["resolution", "handled_by", "status"])
    return target


# -- Overdue alerts -----------------------------------------------------------------


def _alert_recipients(request: DataSubjectRequest) -> list[tuple[str, str]]:
    """Commanders of the request's unit and the units above it, and the
    administrators (all of them when the request has no unit)."""
    chain: list[int] = []
    if request.unit_id is not None:
        path = Unit.objects.values_list("path", flat=True).get(pk=request.unit_id)
        chain = [int(pk) for pk in path.strip("/").split("/") if pk]
    people = User.objects.filter(is_active=True).filter(
        Q(role=Role.COMMANDER, unit_id__in=chain)
        | Q(role=Role.ADMIN, unit_id__in=chain)
        | Q(role=Role.ADMIN, unit__isnull=True)
    )
    found = []
    for user in people.order_by("pk"):
        if user.email:
            found.append(("email", user.email))
        elif user.phone:
            found.append(("sms", user.phone))
    return found


def subject_requests_alert_overdue(*, now: datetime | None = None) -> int:
    """Alert the commanders and administrators about each open request past its due
    time, once per request. Run by the worker's scheduler; safe to run twice."""
    now = now or timezone.now()
    overdue = DataSubjectRequest.objects.filter(
        status__in=OPEN_SUBJECT_REQUEST_STATUSES, due_at__lt=now, overdue_alerted_at__isnull=True
    )
    alerted = 0
    for pk in overdue.values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            request = (
                DataSubjectRequest.objects.select_for_update()
                .filter(pk=pk, overdue_alerted_at__isnull=True)
                .first()
            )
            if request is None:
                continue
            request.overdue_alerted_at = now
            request.save(update_fields=["overdue_alerted_at"])
            with translation.override("id"):
                kind = SubjectRequestKind(request.kind).label
                subject = _("Overdue data-subject request %(reference)s") % {
                    "reference": request.reference
                }
                body = _(
                    "The %(kind)s request %(reference)s was due 72 hours after it was "
                    "received and is not answered yet. Open the data-subject requests "
                    "queue in the staff area."
                ) % {"kind": kind, "reference": request.reference}
            for channel, address in _alert_recipients(request):
                notification_enqueue(
                    channel=channel,
                    recipient=address,
                    subject=subject,
                    body=body,
                    dedupe_key=(
                        f"subject-request:{request.pk}:overdue:"
                        f"{blind_index('outbox-recipient', address)[:16]}"
                    ),
                    topic=f"subject-request:{request.pk}",
                )
            _audit(None, AuditAction.UPDATE, request, "overdue: commanders alerted")
            alerted += 1
    return alerted
