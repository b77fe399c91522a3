"""The breach report (SECURITY.md 7; UU PDP Art. 46): the people whose personal data
was read or exported in a slice of the audit log, for the notification that must go
out within 72 hours.

A slice is chosen by period, actor, the actor's unit (and the units below it) and/or
records (a type, or a type and an id). Each audited record is resolved to the
people whose data it holds: an aspiration's reporter, a loss report's reporter, a
dialogue's attendees and named officials, a household's head, a hand-out's
recipient, an account's owner, a notice's recipient. People found in several
records are merged when they share an identifier (NIK, KK, phone, email, account,
household); never by name alone, since two residents may share one.

What a record's audit row says was shown decides who is affected: a dialogue read
for its minutes (``fields=["minutes"]``) exposed no attendee, a read with
``attendee.name`` exposed them all. A row without fields counts as the whole record.
Records whose people cannot be named (an anonymous aspiration, an unnamed survey
answer, free text that may name someone, an uploaded file) appear as one line each,
so the data-protection officer knows to review them; deleted or anonymised records
say so. Staff named in their official capacity (a host, an assignee) are not listed.

Identifiers never leave this module in clear text unless the caller asks for
contact details (``include_contact``), and that use is itself audited by
``breach_report_audit``. A NIK or KK number is never needed to notify anyone and
is always masked.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import models, transaction
from django.db.models import Q

from kamtibmas.accounts.models import User
from kamtibmas.aid.models import Handout, HandoutConfirmation, Household, HouseholdImport
from kamtibmas.areas.models import Unit
from kamtibmas.aspirations.models import Aspiration, Privacy
from kamtibmas.certificates.models import Certificate, LossReport
from kamtibmas.engagements.models import AttendeeGroup, Dialogue
from kamtibmas.notifications.models import OutboxMessage
from kamtibmas.privacy.identifiers import mask_identifier
from kamtibmas.privacy.models import AuditAction, AuditEntry
from kamtibmas.privacy.retention import HOUSEHOLD_INDEX_PREFIX, REMOVED
from kamtibmas.privacy.services import audit_record_many
from kamtibmas.surveys.models import SurveyResponse

#: What a breach exposes: reads and exports. Creating or changing a record also
#: shows it to its author; ``--action`` widens the selection to those.
DEFAULT_ACTIONS: tuple[str, ...] = (AuditAction.READ, AuditAction.EXPORT)
#: The retention sweep's rows name a category, not a record (``audit_record_retention``).
RETENTION_PREFIX = "retention:"
#: Records that hold no one's personal data (the audit review audits its unit).
NOT_PERSONAL = frozenset({"areas.unit", "areas.area", "privacy.auditentry"})
#: Contact details ``include_contact`` reveals: what a notification needs.
CONTACT_KINDS = ("phone", "email", "address")
CONTACT_REASON = "breach report: contact details to notify data subjects (UU PDP Art. 46)"
REPORT_REASON = "breach report: affected people listed (UU PDP Art. 46)"


class PersonStatus(StrEnum):
    IDENTIFIED = "identified"
    #: The record is there, its personal data removed by the retention sweep.
    ANONYMISED = "anonymised"
    #: The record is gone (retention, or a draft that was never finished).
    DELETED = "deleted"
    #: Nobody can be named: an anonymous report, an unnamed answer, free text, a file.
    NOT_IDENTIFIABLE = "not_identifiable"


@dataclass(frozen=True)
class RecordRef:
    """``aspirations.aspiration`` (every record of the type) or ``…:42`` (one)."""

    subject_type: str
    subject_id: str | None = None

    @classmethod
    def parse(cls, text: str) -> RecordRef:
        kind, _sep, ident = text.strip().partition(":")
        kind = kind.strip().lower()
        if kind.count(".") != 1 or not all(kind.split(".")):
            raise ValueError(f"{text!r} is not TYPE or TYPE:ID (e.g. aid.household:12).")
        return cls(kind, ident.strip() or None)


@dataclass(frozen=True)
class BreachSelection:
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    actor: User | None = None
    unit: Unit | None = None  # and the units below it
    records: tuple[RecordRef, ...] = ()
    actions: tuple[str, ...] = DEFAULT_ACTIONS


@dataclass
class Access:
    """Every audited access to one record within the selection."""

    subject_type: str
    subject_id: str
    fields: set[str] = field(default_factory=set)
    whole: bool = False  # some row named no field: the whole record counts
    first: datetime | None = None
    last: datetime | None = None
    actors: set[str] = field(default_factory=set)
    count: int = 0

    @property
    def label(self) -> str:
        return f"{self.subject_type}#{self.subject_id}"


@dataclass
class Person:
    """One affected person (or one record whose people cannot be named)."""

    kind: str
    status: PersonStatus = PersonStatus.IDENTIFIED
    name: str = ""
    child: bool = False
    #: Clear values, kept in memory only: ``nik``, ``kk``, ``phone``, ``email``, ``address``.
    identifiers: dict[str, str] = field(default_factory=dict)
    #: Identity keys for merging (never printed).
    keys: set[str] = field(default_factory=set)
    #: The record's audited fields that concern this person; ``None``: all of them.
    only_fields: frozenset[str] | None = None
    kinds: set[str] = field(default_factory=set)
    records: set[str] = field(default_factory=set)
    fields: set[str] = field(default_factory=set)
    first: datetime | None = None
    last: datetime | None = None
    actors: set[str] = field(default_factory=set)
    accesses: int = 0
    #: (record, its fields whose value was printed), for ``breach_report_audit``.
    sources: list[tuple[models.Model, tuple[str, ...]]] = field(default_factory=list)

    def masked(self) -> dict[str, str]:
        """The identifiers as they may be printed: last four digits, email's domain."""
        shown: dict[str, str] = {}
        for kind in ("nik", "kk", "phone"):
            if self.identifiers.get(kind):
                shown[kind] = mask_identifier(self.identifiers[kind])
        if self.identifiers.get("email"):
            local, _at, domain = self.identifiers["email"].partition("@")
            shown["email"] = f"{local[:1]}***@{domain}"
        if self.identifiers.get("address"):
            shown["address"] = "***"
        return shown

    def contact(self) -> dict[str, str]:
        return {
            kind: self.identifiers[kind] for kind in CONTACT_KINDS if self.identifiers.get(kind)
        }


@dataclass
class BreachReport:
    selection: BreachSelection
    entries: int
    records: int
    people: list[Person]
    #: Record types met that no resolver knows → how many records.
    unresolved: dict[str, int]


# -- Selecting the audit rows --------------------------------------------------------


def breach_entries(selection: BreachSelection) -> models.QuerySet[AuditEntry]:
    """The audit rows of ``selection``, oldest first."""
    entries = (
        AuditEntry.objects.filter(action__in=selection.actions)
        .exclude(subject_id__startswith=RETENTION_PREFIX)
        # The report's own rows: a rerun would otherwise list its own printout.
        .exclude(reason__in=(REPORT_REASON, CONTACT_REASON))
    )
    if selection.since is not None:
        entries = entries.filter(created_at__gte=selection.since)
    if selection.until is not None:
        entries = entries.filter(created_at__lt=selection.until)
    if selection.actor is not None:
        entries = entries.filter(actor=selection.actor)
    if selection.unit is not None:
        entries = entries.filter(actor_unit__path__startswith=selection.unit.path)
    if selection.records:
        wanted = Q(pk__in=[])
        for ref in selection.records:
            one = Q(subject_type=ref.subject_type)
            if ref.subject_id is not None:
                one &= Q(subject_id=ref.subject_id)
            wanted |= one
        entries = entries.filter(wanted)
    return entries.order_by("created_at", "pk")


def _accesses(entries: Iterable[AuditEntry]) -> dict[tuple[str, str], Access]:
    accesses: dict[tuple[str, str], Access] = {}
    for entry in entries:
        key = (entry.subject_type, entry.subject_id)
        access = accesses.get(key)
        if access is None:
            access = accesses[key] = Access(entry.subject_type, entry.subject_id)
        access.fields.update(entry.fields or ())
        access.whole = access.whole or not entry.fields
        access.first = min(filter(None, (access.first, entry.created_at)))
        access.last = max(filter(None, (access.last, entry.created_at)))
        access.actors.add(entry.actor.username if entry.actor is not None else "—")
        access.count += 1
    return accesses


# -- Resolving records to people -----------------------------------------------------

Resolver = Callable[[list[str]], dict[str, list[Person]]]


def _int_ids(ids: Iterable[str]) -> list[int]:
    return [int(ident) for ident in ids if ident.isdigit()]


def _norm(value: str | None) -> str:
    return (value or "").strip().casefold()


def _user_person(user: User, kind: str) -> Person:
    person = Person(kind=kind, name=user.get_full_name() or user.username)
    person.keys.add(f"user:{user.pk}")
    for name, value in (("phone", user.phone), ("email", user.email)):
        if value:
            person.identifiers[name] = value
            person.keys.add(f"{name}:{_norm(value)}")
    person.sources.append((user, ("first_name", "last_name", "email", "phone")))
    return person


def _aspirations(ids: list[str]) -> dict[str, list[Person]]:
    found: dict[str, list[Person]] = {}
    for case in Aspiration.objects.filter(pk__in=_int_ids(ids)).select_related("reporter"):
        kind = f"reporter of aspiration {case.number}"
        person = Person(kind=kind)
        person.keys.add(f"aspiration:{case.pk}")
        if case.reporter is not None:
            person.name = case.reporter.get_full_name() or case.reporter.username
            person.keys.add(f"user:{case.reporter_id}")
        person.name = case.reporter_name or person.name
        for name, value in (("phone", case.reporter_phone), ("email", case.reporter_email)):
            if value:
                person.identifiers[name] = value
                person.keys.add(f"{name}:{_norm(value)}")
        if not person.name and not person.identifiers:
            anonymous = case.privacy == Privacy.ANONYMOUS
            person.status = PersonStatus.NOT_IDENTIFIABLE if anonymous else PersonStatus.ANONYMISED
        person.sources.append((case, ("reporter_name", "reporter_phone", "reporter_email")))
        found[str(case.pk)] = [person]
    return found


def _report_person(report: LossReport, kind: str) -> Person:
    person = Person(kind=kind, name=report.name or "")
    person.keys.add(f"lossreport:{report.pk}")
    if report.reporter_id is not None:
        person.keys.add(f"user:{report.reporter_id}")
    for name, value in (("nik", report.nik), ("phone", report.phone), ("address", report.address)):
        if value:
            person.identifiers[name] = value
            if name != "address":
                person.keys.add(f"{name}:{_norm(value)}")
    if not any(getattr(report, name) for name in LossReport.personal_fields):
        person.status = PersonStatus.ANONYMISED
    person.sources.append((report, ("name", "phone", "address")))
    return person


def _loss_reports(ids: list[str]) -> dict[str, list[Person]]:
    return {
        str(report.pk): [_report_person(report, f"reporter of loss report {report.reference}")]
        for report in LossReport.objects.filter(pk__in=_int_ids(ids))
    }


def _certificates(ids: list[str]) -> dict[str, list[Person]]:
    return {
        str(cert.pk): [_report_person(cert.report, f"holder of certificate {cert.number}")]
        for cert in Certificate.objects.filter(pk__in=_int_ids(ids)).select_related("report")
    }


ATTENDEE_FIELDS = frozenset({"attendee.name", "attendee.phone"})
OFFICIAL_FIELDS = frozenset({"official.name"})
DIALOGUE_TEXT_FIELDS = frozenset({"minutes", "answers", "photos", "inspection.notes"})


def _dialogues(ids: list[str]) -> dict[str, list[Person]]:
    found: dict[str, list[Person]] = {}
    dialogues = Dialogue.objects.filter(pk__in=_int_ids(ids)).prefetch_related(
        "attendees", "officials"
    )
    for dialogue in dialogues:
        people: list[Person] = []
        for attendee in dialogue.attendees.all():
            person = Person(
                kind=f"attendee of dialogue #{dialogue.pk}",
                name=attendee.name,
                child=attendee.group == AttendeeGroup.CHILD,
                only_fields=ATTENDEE_FIELDS,
            )
            person.keys.add(f"attendee:{attendee.pk}")
            if attendee.phone:
                person.identifiers["phone"] = attendee.phone
                person.keys.add(f"phone:{_norm(attendee.phone)}")
            person.sources.append((attendee, ("name", "phone")))
            people.append(person)
        if not people:  # the sign-in list expired (retention) or was empty
            people.append(
                Person(
                    kind=f"attendees of dialogue #{dialogue.pk} (list deleted or empty)",
                    status=PersonStatus.DELETED,
                    only_fields=ATTENDEE_FIELDS,
                )
            )
        for official in dialogue.officials.all():
            if official.name:
                person = Person(
                    kind=f"official named in dialogue #{dialogue.pk}",
                    name=official.name,
                    only_fields=OFFICIAL_FIELDS,
                )
                person.keys.add(f"official:{official.pk}")
                person.sources.append((official, ("name",)))
                people.append(person)
        people.append(
            Person(
                kind=f"people named in the free text of dialogue #{dialogue.pk} (review it)",
                status=PersonStatus.NOT_IDENTIFIABLE,
                only_fields=DIALOGUE_TEXT_FIELDS,
            )
        )
        found[str(dialogue.pk)] = people
    return found


def _survey_responses(ids: list[str]) -> dict[str, list[Person]]:
    return {
        str(answer.pk): [
            Person(
                kind=f"unnamed survey respondent (dialogue #{answer.dialogue_id})",
                status=PersonStatus.NOT_IDENTIFIABLE if answer.comment else PersonStatus.ANONYMISED,
            )
        ]
        for answer in SurveyResponse.objects.filter(pk__in=_int_ids(ids))
    }


def _household_person(household: Household) -> Person:
    person = Person(kind=f"head of household #{household.pk}")
    person.keys.add(f"household:{household.pk}")
    if household.kk_index.startswith(HOUSEHOLD_INDEX_PREFIX):
        person.status = PersonStatus.ANONYMISED
        return person
    person.name = household.head_name
    person.identifiers["kk"] = household.kk_number
    person.keys.add(f"kk:{_norm(household.kk_number)}")
    if household.address:
        person.identifiers["address"] = household.address
    person.sources.append((household, ("head_name", "address")))
    return person


def _households(ids: list[str]) -> dict[str, list[Person]]:
    return {
        str(household.pk): [_household_person(household)]
        for household in Household.objects.filter(pk__in=_int_ids(ids))
    }


def _recipient(handout: Handout) -> Person:
    person = Person(kind=f"recipient of aid hand-out #{handout.pk}")
    person.keys.add(f"handout:{handout.pk}")
    if handout.recipient_name == REMOVED:
        person.status = PersonStatus.ANONYMISED
        return person
    person.name = handout.recipient_name
    person.keys.add(f"household:{handout.household_id}:name:{_norm(handout.recipient_name)}")
    head = handout.household
    if not head.kk_index.startswith(HOUSEHOLD_INDEX_PREFIX) and _norm(head.head_name) == _norm(
        handout.recipient_name
    ):
        person.keys.add(f"household:{handout.household_id}")
    person.sources.append((handout, ("recipient_name",)))
    return person


def _handouts(ids: list[str]) -> dict[str, list[Person]]:
    handouts = Handout.objects.filter(pk__in=_int_ids(ids)).select_related("household")
    return {str(handout.pk): [_recipient(handout)] for handout in handouts}


def _confirmations(ids: list[str]) -> dict[str, list[Person]]:
    confirmations = (
        HandoutConfirmation.objects.filter(pk__in=_int_ids(ids))
        .select_related("handout__household")
        .defer("image")
    )
    return {str(item.pk): [_recipient(item.handout)] for item in confirmations}


def _household_imports(ids: list[str]) -> dict[str, list[Person]]:
    found: dict[str, list[Person]] = {}
    for upload in HouseholdImport.objects.filter(pk__in=_int_ids(ids)).defer("content"):
        found[str(upload.pk)] = [
            Person(
                kind=f"households listed in uploaded file #{upload.pk} (review the import)",
                status=PersonStatus.NOT_IDENTIFIABLE,
            )
        ]
    return found


def _users(ids: list[str]) -> dict[str, list[Person]]:
    return {
        str(user.pk): [_user_person(user, f"account holder ({user.get_role_display()})")]
        for user in User.objects.filter(pk__in=_int_ids(ids))
    }


def _outbox(ids: list[str]) -> dict[str, list[Person]]:
    found: dict[str, list[Person]] = {}
    valid = []
    for ident in ids:
        with contextlib.suppress(ValueError):  # not an id of this table: nothing to find
            valid.append(uuid.UUID(ident))
    for message in OutboxMessage.objects.filter(pk__in=valid):
        person = Person(kind=f"recipient of a {message.get_channel_display()} notice")
        person.keys.add(f"outbox:{message.pk}")
        prefix, _sep, rest = message.dedupe_key.partition(":")
        case_id = rest.partition(":")[0]
        if prefix == "aspiration" and case_id.isdigit():
            person.keys.add(f"aspiration:{case_id}")
        if message.recipient and message.recipient != REMOVED:
            kind = "email" if "@" in message.recipient else "phone"
            person.identifiers[kind] = message.recipient
            person.keys.add(f"{kind}:{_norm(message.recipient)}")
            person.sources.append((message, ("recipient",)))
        else:
            person.status = PersonStatus.ANONYMISED
        found[str(message.pk)] = [person]
    return found


RESOLVERS: dict[str, Resolver] = {
    "aspirations.aspiration": _aspirations,
    "certificates.lossreport": _loss_reports,
    "certificates.certificate": _certificates,
    "engagements.dialogue": _dialogues,
    "surveys.surveyresponse": _survey_responses,
    "aid.household": _households,
    "aid.handout": _handouts,
    "aid.handoutconfirmation": _confirmations,
    "aid.householdimport": _household_imports,
    "accounts.user": _users,
    "notifications.outboxmessage": _outbox,
}


def _touches(person: Person, access: Access) -> set[str] | None:
    """The access's fields that concern ``person``; ``None`` if it did not touch them."""
    if person.only_fields is None:
        return set(access.fields)
    if access.whole:
        return set(access.fields) | set(person.only_fields)
    touched = access.fields & person.only_fields
    return touched or None


def _merge(people: list[Person]) -> list[Person]:
    """People who share an identity key are one person."""
    parent = list(range(len(people)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for index, person in enumerate(people):
        for key in person.keys:
            if key in owner:
                parent[root(index)] = root(owner[key])
            else:
                owner[key] = index
    groups: dict[int, list[Person]] = {}
    for index, person in enumerate(people):
        groups.setdefault(root(index), []).append(person)
    merged: list[Person] = []
    for group in groups.values():
        into = group[0]
        for other in group[1:]:
            into.name = into.name or other.name
            into.child = into.child or other.child
            for name, value in other.identifiers.items():
                into.identifiers.setdefault(name, value)
            into.kinds |= other.kinds
            into.records |= other.records
            into.fields |= other.fields
            into.actors |= other.actors
            into.accesses += other.accesses
            into.first = min(filter(None, (into.first, other.first)), default=None)
            into.last = max(filter(None, (into.last, other.last)), default=None)
            into.sources += other.sources
            if other.status == PersonStatus.IDENTIFIED:
                into.status = PersonStatus.IDENTIFIED
        merged.append(into)
    return merged


_STATUS_ORDER = {status: n for n, status in enumerate(PersonStatus)}


def breach_report(selection: BreachSelection) -> BreachReport:
    """The affected people of ``selection``, merged, identified ones first.

    Reads personal data (names, and identifiers kept in memory): the caller prints
    them masked and calls ``breach_report_audit``.
    """
    entries = list(breach_entries(selection).select_related("actor"))
    accesses = _accesses(entries)
    by_type: dict[str, list[str]] = {}
    for subject_type, subject_id in accesses:
        by_type.setdefault(subject_type, []).append(subject_id)
    people: list[Person] = []
    unresolved: dict[str, int] = {}
    for subject_type, ids in sorted(by_type.items()):
        if subject_type in NOT_PERSONAL:
            continue
        resolver = RESOLVERS.get(subject_type)
        if resolver is None:
            unresolved[subject_type] = len(ids)
            continue
        found = resolver(ids)
        for subject_id in ids:
            access = accesses[(subject_type, subject_id)]
            candidates = found.get(subject_id) or [
                Person(
                    kind=f"{subject_type} (record deleted)",
                    status=PersonStatus.DELETED,
                    keys={f"deleted:{access.label}"},
                )
            ]
            for person in candidates:
                touched = _touches(person, access)
                if touched is None:
                    continue
                person.kinds.add(person.kind)
                person.records.add(access.label)
                person.fields |= touched
                person.first, person.last = access.first, access.last
                person.actors |= access.actors
                person.accesses += access.count
                people.append(person)
    merged = _merge(people)
    merged.sort(key=lambda p: (_STATUS_ORDER[p.status], p.name.casefold(), sorted(p.records)))
    return BreachReport(
        selection=selection,
        entries=len(entries),
        records=len(accesses),
        people=merged,
        unresolved=unresolved,
    )


def breach_report_audit(
    *, report: BreachReport, operator: User | None, include_contact: bool
) -> None:
    """Record that the report printed the names (and, with ``include_contact``, the
    contact details) of its people: one EXPORT row per record they came from."""
    by_fields: dict[tuple[str, ...], list[models.Model]] = {}
    seen: set[tuple[str, str]] = set()
    for person in report.people:
        for record, printed in person.sources:
            key = (record._meta.label_lower, str(record.pk))
            if key in seen:
                continue
            seen.add(key)
            names = _printed_fields(record, printed, include_contact)
            if not names:  # only masked values were printed
                continue
            by_fields.setdefault(names, []).append(record)
    reason = CONTACT_REASON if include_contact else REPORT_REASON
    with transaction.atomic():
        for names, records in by_fields.items():
            audit_record_many(
                actor=operator,
                action=AuditAction.EXPORT,
                subjects=records,
                reason=reason,
                fields=names,
            )


_NAME_FIELDS = frozenset(
    {"name", "head_name", "recipient_name", "reporter_name", "first_name", "last_name"}
)


def _printed_fields(
    record: models.Model, printed: Sequence[str], include_contact: bool
) -> tuple[str, ...]:
    """Of ``printed`` (a record's name and contact fields), those the report showed."""
    names = [
        name
        for name in printed
        if getattr(record, name, None) and (name in _NAME_FIELDS or include_contact)
    ]
    return tuple(sorted(set(names)))


def selection_summary(selection: BreachSelection) -> Mapping[str, Any]:
    """The selection as plain values, for the report's header and its JSON."""
    return {
        "since": selection.since.isoformat() if selection.since else None,
        "until": selection.until.isoformat() if selection.until else None,
        "actor": selection.actor.username if selection.actor else None,
        "unit": selection.unit.name if selection.unit else None,
        "records": [
            f"{ref.subject_type}:{ref.subject_id}" if ref.subject_id else ref.subject_type
            for ref in selection.records
        ],
        "actions": [str(action) for action in selection.actions],
    }
