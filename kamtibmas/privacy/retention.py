"""Retention of personal data (UU PDP Art. 16(2)(f), 43; SECURITY.md 6; issue 11 point 3).

Each retention category of the inventory (``privacy.inventory``) has a period in
``settings.KAMTIBMAS_RETENTION_DAYS`` counted from an event (a case closed, a
certificate expired, a message was delivered…). ``retention_sweep`` deletes or
anonymises what is past its period; the worker runs it nightly
(``KAMTIBMAS_PERIODIC_JOBS``) and ``kamtibmas retention --dry-run`` shows what it
would do. docs/privacy/retention.md explains the defaults.

Anonymising keeps the record for statistics (a case keeps its category, area, dates
and status; a household its size and hand-outs) and removes what names or describes
a person. Like key rotation (``privacy.keys``) this module writes to other apps'
tables directly: which columns expire is a privacy decision, kept in one place the
data-protection officer can read, and every batch writes its audit entry (counts
only) in the batch's own transaction.

A sweep is safe to run twice and to interrupt: each batch is one transaction and
selects only rows that still hold what expired.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kamtibmas.aid.models import Handout, HandoutConfirmation, Household
from kamtibmas.aspirations.lifecycle import FINAL_STATES
from kamtibmas.aspirations.models import (
    Aspiration,
    AspirationPhoto,
    AspirationUpdate,
    Privacy,
    Survey,
    TriageCorrection,
)
from kamtibmas.certificates.models import LossReport, LostItem, ReportStatus
from kamtibmas.core.idempotency import KEEP as IDEMPOTENCY_KEEP
from kamtibmas.core.models import IdempotencyKey
from kamtibmas.engagements.models import Attendee
from kamtibmas.notifications.models import OutboxMessage, OutboxStatus
from kamtibmas.open311.models import Submission
from kamtibmas.privacy.models import AuditAction, AuditEntry
from kamtibmas.privacy.services import audit_record_retention
from kamtibmas.surveys.models import SurveyResponse

BATCH_SIZE = 500
#: What a required encrypted column holds once its value is removed (an encrypted
#: column stores an empty string as NULL, which a required column refuses).
REMOVED = "—"
#: ``OutboxMessage.last_error`` of a message whose recipient and text were removed:
#: the mark that lets the next sweep skip it (the encrypted columns cannot be compared).
OUTBOX_REMOVED_NOTE = "personal data removed (retention)"
#: ``Household.kk_index`` of an anonymised household: unique, never equal to a
#: blind index (those are 64 hex digits), so no KK lookup can find it.
HOUSEHOLD_INDEX_PREFIX = "anonymised:"


class Action(StrEnum):
    ANONYMISE = "anonymise"
    DELETE = "delete"
    #: Counted, never changed by the sweep (the audit log is append-only).
    REPORT = "report"
    #: Kept as long as the record it belongs to; no automatic action.
    KEEP = "keep"


@dataclass(frozen=True)
class RetentionCategory:
    code: str
    action: Action
    #: From what the period counts.
    starts: Promise | str
    #: What happens at the end of it.
    does: Promise


CATEGORIES: tuple[RetentionCategory, ...] = (
    RetentionCategory(
        "aspiration_contact",
        Action.ANONYMISE,
        _("the case closed (resolved, closed, duplicate, rejected)"),
        _(
            "reporter's name, phone, email, account link and notice channel, and the "
            "Open311 address, device and account ids, media link and answers are removed"
        ),
    ),
    RetentionCategory(
        "anonymous_case_content",
        Action.ANONYMISE,
        _("an anonymous case closed"),
        _(
            "text, answer on the spot, notes and messages, photos, coordinates, search "
            "terms, follow-up comments and triage-training copies are removed; category, "
            "urgency, area, dates and status stay for statistics"
        ),
    ),
    RetentionCategory(
        "case_content",
        Action.ANONYMISE,
        _("any other case closed"),
        _("as for anonymous cases"),
    ),
    RetentionCategory(
        "loss_report_identity",
        Action.ANONYMISE,
        _("the certificate expired; without a certificate, the report's last change"),
        _(
            "name, NIK, birth data, sex, religion, citizenship, occupation, address, "
            "phone and their indexes, the account link, the circumstances and the lost "
            "documents' numbers are removed; the reference, item types and the "
            "certificate register entry stay"
        ),
    ),
    RetentionCategory(
        "loss_report_draft",
        Action.DELETE,
        _("the last change of a report started online and never finished"),
        _("the draft and its items are deleted"),
    ),
    RetentionCategory(
        "outbox_message",
        Action.ANONYMISE,
        _("the message was delivered (or given up on)"),
        _(
            "recipient, subject, text and last error are removed; the row stays so that "
            "the message is never sent twice"
        ),
    ),
    RetentionCategory(
        "attendee_list",
        Action.DELETE,
        _("the dialogue ended"),
        _("named attendees are deleted; the dialogue's head counts stay"),
    ),
    RetentionCategory(
        "survey_comment",
        Action.ANONYMISE,
        _("the survey was answered"),
        _("the free-text comment is removed; the scores stay"),
    ),
    RetentionCategory(
        "household",
        Action.ANONYMISE,
        _(
            "the household's last registration or change, or the end of the last aid "
            "program that served it, whichever is later"
        ),
        _(
            "KK number and index, head's name, address, vulnerability notes and card are "
            "removed, recipients' names on its hand-outs too, signatures and photos are "
            "deleted; size, children count and hand-outs stay for the programs' accounts"
        ),
    ),
    RetentionCategory(
        "idempotency",
        Action.DELETE,
        _("the key was first used (fixed: 7 days plus the day, SECURITY.md 19)"),
        _("the key and its stored answer are deleted (also by core.idempotency_purge)"),
    ),
    RetentionCategory(
        "audit_log",
        Action.REPORT,
        _("the access was recorded"),
        _(
            "never deleted by the sweep (append-only); older rows are counted for an "
            "archiving decision"
        ),
    ),
    RetentionCategory(
        "household_import",
        Action.KEEP,
        _("the upload"),
        _("the uploaded file is emptied after the import, at the latest after 24 hours (aid)"),
    ),
    RetentionCategory(
        "dialogue_record",
        Action.KEEP,
        "—",
        _(
            "kept as the unit's record of a public event (officials, minutes, photos, "
            "reports); reviewed by the unit"
        ),
    ),
    RetentionCategory(
        "certificate_register",
        Action.KEEP,
        "—",
        _("kept: the register of numbered certificates and who signed them"),
    ),
    RetentionCategory(
        "staff_account",
        Action.KEEP,
        "—",
        _("kept while the account exists; disabled, not deleted, as the audit log names it"),
    ),
    RetentionCategory(
        "reference",
        Action.KEEP,
        "—",
        _("not personal data"),
    ),
)
CATEGORY_BY_CODE = {category.code: category for category in CATEGORIES}


def retention_days(code: str) -> int | None:
    """The period of category ``code`` in days, ``None`` when it has none."""
    if code == "idempotency":
        return (IDEMPOTENCY_KEEP + timedelta(days=1)).days
    days = settings.KAMTIBMAS_RETENTION_DAYS.get(code)
    return int(days) if days is not None else None


@dataclass(frozen=True)
class CategoryResult:
    code: str
    action: Action
    days: int
    cutoff: datetime
    #: Rows of the category's main model deleted or anonymised (would be, in a dry run;
    #: past the period, for REPORT).
    rows: int


@dataclass(frozen=True)
class RetentionReport:
    now: datetime
    dry_run: bool
    results: tuple[CategoryResult, ...]

    def rows(self, code: str) -> int:
        return next(result.rows for result in self.results if result.code == code)


#: What one batch did: (model label, audit action, rows, fields).
Done = list[tuple[str, AuditAction, int, Sequence[str]]]


def _sweep(
    queryset: models.QuerySet[Any],
    *,
    code: str,
    days: int,
    dry_run: bool,
    apply: Callable[[list[Any]], Done],
) -> int:
    """Run ``apply`` on the primary keys of ``queryset`` batch by batch, each batch
    in one transaction with its audit entries. ``queryset`` must stop selecting a
    row once ``apply`` handled it."""
    if dry_run:
        return queryset.count()
    total = 0
    previous: set[Any] = set()
    while True:
        with transaction.atomic():
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE])
            if not ids:
                return total
            if previous.intersection(ids):
                raise RuntimeError(f"Retention {code}: a batch did not leave the selection.")
            for label, action, count, fields in apply(ids):
                if count:
                    audit_record_retention(
                        category=code,
                        model_label=label,
                        action=action,
                        count=count,
                        fields=fields,
                        days=days,
                    )
        previous = set(ids)
        total += len(ids)


# -- Aspirations ------------------------------------------------------------------

_CONTACT_CLEARED: dict[str, Any] = {
    "reporter": None,
    "reporter_name": None,
    "reporter_phone": None,
    "reporter_phone_index": None,
    "reporter_email": None,
    "notify_by": "",
}
_SUBMISSION_CLEARED: dict[str, Any] = {
    "address_string": None,
    "device_id": None,
    "account_id": None,
    "media_url": None,
    "attributes": None,
}


def _submission_holds_identity() -> Q:
    return Q(*(Q(**{f"{name}__isnull": False}) for name in _SUBMISSION_CLEARED), _connector=Q.OR)


def _closed_before(cutoff: datetime) -> Q:
    return Q(status__in=FINAL_STATES, closed_at__lt=cutoff)


def _aspiration_contact(cutoff: datetime, days: int, dry_run: bool) -> int:
    holds_contact = (
        Q(reporter__isnull=False)
        | Q(reporter_name__isnull=False)
        | Q(reporter_phone__isnull=False)
        | Q(reporter_email__isnull=False)
        | ~Q(notify_by="")
        | Exists(Submission.objects.filter(_submission_holds_identity(), aspiration=OuterRef("pk")))
    )
    cases = Aspiration.objects.filter(_closed_before(cutoff)).filter(holds_contact)
    return _sweep(
        cases,
        code="aspiration_contact",
        days=days,
        dry_run=dry_run,
        apply=aspiration_contact_clear,
    )


def aspiration_contact_clear(ids: list[int]) -> Done:
    """Remove the reporter's identity and contact from the cases ``ids`` (and their
    Open311 submissions). Also used for a data subject's deletion request."""
    count = Aspiration.objects.filter(pk__in=ids).update(**_CONTACT_CLEARED)
    submissions = (
        Submission.objects.filter(aspiration_id__in=ids)
        .filter(_submission_holds_identity())
        .update(**_SUBMISSION_CLEARED)
    )
    return [
        ("aspirations.Aspiration", AuditAction.UPDATE, count, sorted(_CONTACT_CLEARED)),
        ("open311.Submission", AuditAction.UPDATE, submissions, sorted(_SUBMISSION_CLEARED)),
    ]


_CONTENT_CLEARED: dict[str, Any] = {
    "text": "",
    "spot_answer": "",
    "latitude": None,
    "longitude": None,
    "search_terms": "",
}


def _case_content(code: str, anonymous: bool) -> Callable[[datetime, int, bool], int]:
    def sweep(cutoff: datetime, days: int, dry_run: bool) -> int:
        holds_content = (
            ~Q(text="")
            | ~Q(spot_answer="")
            | Q(latitude__isnull=False)
            | Q(longitude__isnull=False)
            | ~Q(search_terms="")
            | Exists(AspirationPhoto.objects.filter(aspiration=OuterRef("pk")))
            | Exists(AspirationUpdate.objects.filter(aspiration=OuterRef("pk")).exclude(text=""))
            | Exists(TriageCorrection.objects.filter(aspiration=OuterRef("pk")).exclude(text=""))
            | Exists(Survey.objects.filter(aspiration=OuterRef("pk")).exclude(comment=""))
        )
        privacy = Q(privacy=Privacy.ANONYMOUS)
        cases = (
            Aspiration.objects.filter(_closed_before(cutoff))
            .filter(privacy if anonymous else ~privacy)
            .filter(holds_content)
        )
        return _sweep(cases, code=code, days=days, dry_run=dry_run, apply=case_content_clear)

    return sweep


def case_content_clear(ids: list[int]) -> Done:
    """Remove what describes people from the closed cases ``ids``; category, area,
    dates and status stay. Also used for a data subject's deletion request."""
    photos = AspirationPhoto.objects.filter(aspiration_id__in=ids)
    storage = AspirationPhoto._meta.get_field("image").storage
    names = [name for name in photos.values_list("image", flat=True) if name]
    photos_deleted, _by_model = photos.delete()

    def delete_files() -> None:
        for name in names:
            storage.delete(name)

    # Files go once the rows are gone for good; a rolled-back batch keeps both.
    transaction.on_commit(delete_files)
    count = Aspiration.objects.filter(pk__in=ids).update(**_CONTENT_CLEARED)
    updates = (
        AspirationUpdate.objects.filter(aspiration_id__in=ids).exclude(text="").update(text="")
    )
    corrections = (
        TriageCorrection.objects.filter(aspiration_id__in=ids).exclude(text="").update(text="")
    )
    surveys = Survey.objects.filter(aspiration_id__in=ids).exclude(comment="").update(comment="")
    return [
        ("aspirations.Aspiration", AuditAction.UPDATE, count, sorted(_CONTENT_CLEARED)),
        ("aspirations.AspirationPhoto", AuditAction.DELETE, photos_deleted, ["image"]),
        ("aspirations.AspirationUpdate", AuditAction.UPDATE, updates, ["text"]),
        ("aspirations.TriageCorrection", AuditAction.UPDATE, corrections, ["text"]),
        ("aspirations.Survey", AuditAction.UPDATE, surveys, ["comment"]),
    ]


# -- Loss reports -----------------------------------------------------------------

_IDENTITY_CLEARED: dict[str, Any] = {
    **{name: None for name in LossReport.personal_fields},
    "nik_index": None,
    "phone_index": None,
    "reporter": None,
    "circumstances": "",
    "lost_place": "",
}


def _loss_report_identity(cutoff: datetime, days: int, dry_run: bool) -> int:
    holds_identity = Q(
        *(Q(**{f"{name}__isnull": False}) for name in LossReport.personal_fields),
        Q(nik_index__isnull=False),
        Q(phone_index__isnull=False),
        Q(reporter__isnull=False),
        ~Q(circumstances=""),
        ~Q(lost_place=""),
        _connector=Q.OR,
    )
    expired = Q(certificate__valid_until__lt=cutoff.date()) | Q(
        certificate__isnull=True, updated_at__lt=cutoff
    )
    reports = (
        LossReport.objects.exclude(status=ReportStatus.DRAFT).filter(expired).filter(holds_identity)
    )
    return _sweep(
        reports,
        code="loss_report_identity",
        days=days,
        dry_run=dry_run,
        apply=loss_report_identity_clear,
    )


def loss_report_identity_clear(ids: list[int]) -> Done:
    """Remove the reporter's identity from the loss reports ``ids``; the reference,
    item types and certificate register entry stay. Also used for a deletion request."""
    count = LossReport.objects.filter(pk__in=ids).update(**_IDENTITY_CLEARED)
    items = LostItem.objects.filter(report_id__in=ids).update(details_json="{}")
    return [
        ("certificates.LossReport", AuditAction.UPDATE, count, sorted(_IDENTITY_CLEARED)),
        ("certificates.LostItem", AuditAction.UPDATE, items, ["details_json"]),
    ]


def _loss_report_draft(cutoff: datetime, days: int, dry_run: bool) -> int:
    drafts = LossReport.objects.filter(status=ReportStatus.DRAFT, updated_at__lt=cutoff)

    def apply(ids: list[int]) -> Done:
        _total, by_model = LossReport.objects.filter(pk__in=ids).delete()
        return [
            (
                "certificates.LossReport",
                AuditAction.DELETE,
                by_model.get("certificates.LossReport", 0),
                ["*"],
            ),
            (
                "certificates.LostItem",
                AuditAction.DELETE,
                by_model.get("certificates.LostItem", 0),
                ["*"],
            ),
        ]

    return _sweep(drafts, code="loss_report_draft", days=days, dry_run=dry_run, apply=apply)


# -- Notifications, dialogues, surveys ----------------------------------------------

_MESSAGE_CLEARED: dict[str, Any] = {
    "recipient": REMOVED,
    "subject": "",
    "body": REMOVED,
    "last_error": OUTBOX_REMOVED_NOTE,
}


def _outbox_message(cutoff: datetime, days: int, dry_run: bool) -> int:
    messages = OutboxMessage.objects.filter(
        Q(status=OutboxStatus.SENT, sent_at__lt=cutoff)
        | Q(status=OutboxStatus.DEAD, created_at__lt=cutoff)
    ).exclude(last_error=OUTBOX_REMOVED_NOTE)

    def apply(ids: list[Any]) -> Done:
        count = OutboxMessage.objects.filter(pk__in=ids).update(**_MESSAGE_CLEARED)
        return [
            ("notifications.OutboxMessage", AuditAction.UPDATE, count, sorted(_MESSAGE_CLEARED))
        ]

    return _sweep(messages, code="outbox_message", days=days, dry_run=dry_run, apply=apply)


def _attendee_list(cutoff: datetime, days: int, dry_run: bool) -> int:
    attendees = Attendee.objects.filter(
        Q(dialogue__actual_end__lt=cutoff)
        | Q(dialogue__actual_end__isnull=True, dialogue__planned_end__lt=cutoff)
    )

    def apply(ids: list[int]) -> Done:
        count, _by_model = Attendee.objects.filter(pk__in=ids).delete()
        return [("engagements.Attendee", AuditAction.DELETE, count, ["*"])]

    return _sweep(attendees, code="attendee_list", days=days, dry_run=dry_run, apply=apply)


def _survey_comment(cutoff: datetime, days: int, dry_run: bool) -> int:
    answers = SurveyResponse.objects.filter(answered_on__lt=cutoff.date(), comment__isnull=False)

    def apply(ids: list[int]) -> Done:
        count = SurveyResponse.objects.filter(pk__in=ids).update(comment=None)
        return [("surveys.SurveyResponse", AuditAction.UPDATE, count, ["comment"])]

    return _sweep(answers, code="survey_comment", days=days, dry_run=dry_run, apply=apply)


# -- Aid ----------------------------------------------------------------------------

_HOUSEHOLD_CLEARED: dict[str, Any] = {
    "kk_number": REMOVED,
    "kk_index": Concat(Value(HOUSEHOLD_INDEX_PREFIX), Cast("pk", output_field=CharField())),
    "head_name": REMOVED,
    "address": None,
    "vulnerability": None,
    "card_code": None,
    "card_index": None,
}


def _household(cutoff: datetime, days: int, dry_run: bool) -> int:
    households = (
        Household.objects.filter(updated_at__lt=cutoff)
        .exclude(kk_index__startswith=HOUSEHOLD_INDEX_PREFIX)
        .exclude(handouts__program__ends_on__gte=cutoff.date())
    )
    return _sweep(
        households, code="household", days=days, dry_run=dry_run, apply=household_anonymise
    )


def household_anonymise(ids: list[int]) -> Done:
    """Remove what identifies the households ``ids`` and their recipients; size,
    children count and hand-outs stay for the aid ledger. Also used for a deletion
    request."""
    confirmations, _by_model = HandoutConfirmation.objects.filter(
        handout__household_id__in=ids
    ).delete()
    handouts = Handout.objects.filter(household_id__in=ids).update(recipient_name=REMOVED)
    count = Household.objects.filter(pk__in=ids).update(**_HOUSEHOLD_CLEARED)
    return [
        ("aid.Household", AuditAction.UPDATE, count, sorted(_HOUSEHOLD_CLEARED)),
        ("aid.Handout", AuditAction.UPDATE, handouts, ["recipient_name"]),
        ("aid.HandoutConfirmation", AuditAction.DELETE, confirmations, ["*"]),
    ]


# -- The ledger and the audit log ---------------------------------------------------


def _idempotency(cutoff: datetime, days: int, dry_run: bool) -> int:
    keys = IdempotencyKey.objects.filter(created_at__lt=cutoff)

    def apply(ids: list[int]) -> Done:
        count, _by_model = IdempotencyKey.objects.filter(pk__in=ids).delete()
        return [("core.IdempotencyKey", AuditAction.DELETE, count, ["*"])]

    return _sweep(keys, code="idempotency", days=days, dry_run=dry_run, apply=apply)


def _audit_log(cutoff: datetime, days: int, dry_run: bool) -> int:
    return AuditEntry.objects.filter(created_at__lt=cutoff).count()


_SWEEPS: dict[str, Callable[[datetime, int, bool], int]] = {
    "aspiration_contact": _aspiration_contact,
    "anonymous_case_content": _case_content("anonymous_case_content", anonymous=True),
    "case_content": _case_content("case_content", anonymous=False),
    "loss_report_identity": _loss_report_identity,
    "loss_report_draft": _loss_report_draft,
    "outbox_message": _outbox_message,
    "attendee_list": _attendee_list,
    "survey_comment": _survey_comment,
    "household": _household,
    "idempotency": _idempotency,
    "audit_log": _audit_log,
}


def retention_sweep(*, now: datetime | None = None, dry_run: bool = False) -> RetentionReport:
    """Delete or anonymise every row past its category's retention period.

    ``dry_run`` counts what would change and changes nothing. For the worker's
    scheduler (nightly) and ``kamtibmas retention``.
    """
    now = now or timezone.now()
    results = []
    for code, sweep in _SWEEPS.items():
        days = retention_days(code)
        if days is None:
            continue
        cutoff = now - timedelta(days=days)
        rows = sweep(cutoff, days, dry_run)
        results.append(
            CategoryResult(
                code=code,
                action=CATEGORY_BY_CODE[code].action,
                days=days,
                cutoff=cutoff,
                rows=rows,
            )
        )
    return RetentionReport(now=now, dry_run=dry_run, results=tuple(results))
