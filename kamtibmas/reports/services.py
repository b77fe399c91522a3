"""Asking for a report, making it (the worker) and reading it back (issue 10 point 3).

States: queued → running → done, or failed with a readable message. The worker's
step is claimed by a conditional update of the status, so a task run twice makes
the report once, and a report that failed with an error is never tried again by
itself: whoever wants it asks again, which queues a new one. A report left
``running`` by a worker that died (killed, the machine lost) is queued again by the
periodic job ``reports_recover_stale`` once it has run longer than
``KAMTIBMAS_REPORT_STALE_SECONDS``, that time doubling with each attempt; after
``KAMTIBMAS_REPORT_MAX_ATTEMPTS`` attempts it ends failed with a readable message
instead of killing workers for ever (issue 12 point 3). Each attempt's claim is its
start time: a worker that was only slow, not dead, finds its claim gone and keeps
nothing.

One report in the making per subject: asking again for a dialogue, or a unit and a
month, while its report is queued or running returns that report (a partial unique
constraint backs it against two requests at once).

Who: community officers, commanders and administrators (``REPORT_ROLES``), for
subjects they may see: a dialogue through ``engagements.selectors.dialogue_get``, a
unit through ``core.scope.visible_to``; anything else is 404 (403 for other roles).
A report is seen by whoever sees its subject (``reports_visible``): the organising
unit and the units above it, and for a dialogue the units whose area it lies in.
"""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kamtibmas.accounts.models import Role, User
from kamtibmas.areas.models import POLICE_KINDS, Unit
from kamtibmas.core.scope import get_visible_or_404, visible_to
from kamtibmas.core.timefmt import local_today
from kamtibmas.engagements.models import Dialogue
from kamtibmas.engagements.selectors import dialogue_get
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record
from kamtibmas.reports import documents
from kamtibmas.reports.models import PENDING, Report, ReportKind, ReportStatus

logger = logging.getLogger(__name__)

REPORT_ROLES = frozenset({Role.COMMUNITY_OFFICER, Role.COMMANDER, Role.ADMIN})
#: What the closing report shows that may identify someone (the audit's ``fields``).
CLOSING_PERSONAL_FIELDS = ("answers", "photos", "host", "follow_up.owner", "inspection.notes")


# ---- reads --------------------------------------------------------------------------


def reports_visible(actor: Any) -> models.QuerySet[Report]:
    """The reports of the subjects ``actor`` may see, newest first."""
    return visible_to(Report.objects.all(), actor).select_related(
        "dialogue", "unit__area", "requested_by"
    )


def report_get(*, actor: Any, pk: Any) -> Report:
    """One report ``actor`` may see; ``Http404`` else (whether it exists or not)."""
    found = reports_visible(actor).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def report_filename(report: Report) -> str:
    if report.kind == ReportKind.DIALOGUE_CLOSING:
        return f"dialogue-{report.dialogue_id}-closing-report.pdf"
    assert report.month is not None
    return f"unit-{report.unit_id}-{report.month:%Y-%m}-report.pdf"


def report_file_read(*, actor: Any, report: Report) -> bytes:
    """The PDF of a report that is done, read for ``actor`` and written to the audit
    log when it holds personal data (a dialogue's closing report). ``Http404`` when it
    is not done or its file is gone."""
    if report.status != ReportStatus.DONE or not report.file:
        raise Http404
    try:
        with report.file.open("rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise Http404 from exc
    if report.kind == ReportKind.DIALOGUE_CLOSING:
        assert report.dialogue is not None
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            subject=report.dialogue,
            reason="dialogue closing report downloaded",
            fields=CLOSING_PERSONAL_FIELDS,
        )
    return data


# ---- requests -----------------------------------------------------------------------


def _check_role(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or (
        getattr(actor, "role", None) not in REPORT_ROLES and not actor.is_superuser
    ):
        raise PermissionDenied(_("Only officers and commanders may ask for reports."))


def _stale_after(attempts: int) -> timedelta:
    """How long an attempt may run before its worker counts as dead: the setting,
    doubled for each attempt before it (a report that kills its worker is retried
    ever more slowly)."""
    base = timedelta(seconds=settings.KAMTIBMAS_REPORT_STALE_SECONDS)
    return base * 2 ** max(0, attempts - 1)


def reports_recover_stale(queryset: models.QuerySet[Report] | None = None) -> int:
    """Queue again each report left ``running`` by a worker that died, or end it
    failed once it has had ``KAMTIBMAS_REPORT_MAX_ATTEMPTS`` attempts; how many were
    queued again. Run by the worker every minute (``KAMTIBMAS_PERIODIC_JOBS``) and
    when someone asks for a report whose subject has one stuck."""
    from kamtibmas.reports.tasks import report_build  # tasks import this module

    now = timezone.now()
    running = (queryset if queryset is not None else Report.objects.all()).filter(
        status=ReportStatus.RUNNING, started_at__lt=now - _stale_after(1)
    )
    requeued = 0
    for pk, started_at, attempts in running.values_list("pk", "started_at", "attempts"):
        if started_at is None or started_at >= now - _stale_after(attempts):
            continue
        claim = Report.objects.filter(pk=pk, status=ReportStatus.RUNNING, started_at=started_at)
        if attempts >= settings.KAMTIBMAS_REPORT_MAX_ATTEMPTS:
            logger.error("Report %s failed: its worker stopped %d times", pk, attempts)
            claim.update(
                status=ReportStatus.FAILED,
                failure=_("The worker stopped before the report was made: ask for it again."),
                finished_at=now,
            )
            continue
        with transaction.atomic():
            if claim.update(status=ReportStatus.QUEUED, started_at=None):
                logger.warning("Report %s queued again: its worker stopped", pk)
                report_build.enqueue(str(pk))
                requeued += 1
    return requeued


def _request(*, actor: User, subject: models.Q, values: dict[str, Any], language: str) -> Report:
    """The pending report of the subject, or a new one queued for the worker."""
    from kamtibmas.reports.tasks import report_build  # tasks import this module

    same = Report.objects.filter(subject)
    reports_recover_stale(same)
    with transaction.atomic():
        existing = same.filter(status__in=PENDING).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                report = Report.objects.create(requested_by=actor, language=language, **values)
        except IntegrityError:
            # Asked for at the same moment by someone else: theirs is the one.
            existing = same.filter(status__in=PENDING).first()
            if existing is None:
                raise
            return existing
        # The database task backend writes the task in this transaction: it commits
        # or rolls back with the report.
        report_build.enqueue(str(report.pk))
    return report


def report_request_dialogue(*, actor: User, dialogue_pk: int, language: str) -> Report:
    """Ask for the closing report of a dialogue ``actor`` may see (``Http404`` else)."""
    _check_role(actor)
    dialogue: Dialogue = dialogue_get(user=actor, pk=dialogue_pk)
    return _request(
        actor=actor,
        subject=models.Q(kind=ReportKind.DIALOGUE_CLOSING, dialogue=dialogue),
        values={
            "kind": ReportKind.DIALOGUE_CLOSING,
            "dialogue": dialogue,
            "unit_id": dialogue.unit_id,
        },
        language=language,
    )


def report_request_unit_monthly(*, actor: User, unit_pk: int, month: date, language: str) -> Report:
    """Ask for the monthly report of a police unit ``actor`` may see (``Http404``
    else) for the month of ``month``; ``ValidationError`` for a month not begun yet."""
    _check_role(actor)
    unit = get_visible_or_404(
        Unit.objects.filter(kind__in=POLICE_KINDS).select_related("area"), actor, pk=unit_pk
    )
    first = month.replace(day=1)
    if first > local_today(unit.area):
        raise ValidationError(
            {"month": _("This month has not begun yet.")}, code="report_month_future"
        )
    return _request(
        actor=actor,
        subject=models.Q(kind=ReportKind.UNIT_MONTHLY, unit=unit, month=first),
        values={"kind": ReportKind.UNIT_MONTHLY, "unit": unit, "month": first},
        language=language,
    )


# ---- the worker's step ----------------------------------------------------------------


def _build(report: Report) -> bytes:
    actor = report.requested_by
    if report.kind == ReportKind.DIALOGUE_CLOSING:
        assert report.dialogue_id is not None
        closing = documents.dialogue_closing_report(actor=actor, dialogue_pk=report.dialogue_id)
        return documents.dialogue_closing_pdf(closing)
    assert report.month is not None
    monthly = documents.unit_monthly_report(actor=actor, unit=report.unit, month=report.month)
    return documents.unit_monthly_pdf(monthly)


def _fail(mine: models.QuerySet[Report], message: str) -> None:
    mine.update(status=ReportStatus.FAILED, failure=message, finished_at=timezone.now())


def report_build_run(pk: str) -> None:
    """Make the PDF of a queued report and keep it. Does nothing for a report that is
    not queued (made already, being made, or failed). A subject its requester may no
    longer see, or an unexpected error, ends the report ``failed`` with a message;
    the unexpected error is raised again for the task's record."""
    started_at = timezone.now()
    claimed = Report.objects.filter(pk=pk, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RUNNING, started_at=started_at, attempts=models.F("attempts") + 1
    )
    if not claimed:
        return
    if settings.KAMTIBMAS_FAULT_PAUSE_IN_REPORT_BUILD:  # the crash test's window
        time.sleep(settings.KAMTIBMAS_FAULT_PAUSE_IN_REPORT_BUILD)
    mine = Report.objects.filter(pk=pk, status=ReportStatus.RUNNING, started_at=started_at)
    report = Report.objects.select_related("requested_by", "unit__area", "dialogue").get(pk=pk)
    with translation.override(report.language):
        try:
            data = _build(report)
        except (Http404, PermissionDenied):
            _fail(mine, _("You can no longer see what this report is about."))
            return
        except Exception:
            logger.exception("Report %s could not be made", pk)
            _fail(mine, _("The report could not be made because of an unexpected error."))
            raise
    report.file.save("report.pdf", ContentFile(data), save=False)
    kept = mine.update(
        status=ReportStatus.DONE,
        file=report.file.name,
        size=len(data),
        finished_at=timezone.now(),
        failure="",
    )
    if not kept:  # declared stale meanwhile, and queued again: this file is not wanted
        report.file.delete(save=False)
