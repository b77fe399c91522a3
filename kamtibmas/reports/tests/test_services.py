"""Asking for a report and the worker making it (``reports.services``,
``reports.tasks``): one report in the making per subject, a task run twice makes it
once, a failure ends ``failed`` with a message and is not tried again, a report left
running by a dead worker is queued again (ever more slowly, and failed after
``KAMTIBMAS_REPORT_MAX_ATTEMPTS``), and tenancy. ``test_report_worker_crash.py`` kills
a real worker process mid-report."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult

from kamtibmas.reports import services
from kamtibmas.reports.models import Report, ReportKind, ReportStatus
from kamtibmas.reports.services import (
    report_build_run,
    report_file_read,
    report_get,
    report_request_dialogue,
    report_request_unit_monthly,
    reports_recover_stale,
)
from kamtibmas.reports.tests.conftest import assert_renders, pdf_text, run_queued

pytestmark = pytest.mark.django_db


def ask(actor, dialogue, language="en") -> Report:
    return report_request_dialogue(actor=actor, dialogue_pk=dialogue.pk, language=language)


def refreshed(report: Report) -> Report:
    return Report.objects.get(pk=report.pk)


def test_a_request_is_queued_and_the_worker_makes_and_keeps_the_pdf(bekasi, recorded):
    report = ask(bekasi.officer_selatan, recorded)
    assert (report.status, report.kind, report.unit) == (
        ReportStatus.QUEUED,
        ReportKind.DIALOGUE_CLOSING,
        bekasi.polsek_selatan,
    )
    assert DBTaskResult.objects.count() == 1

    assert run_queued() == 1

    report = refreshed(report)
    assert report.status == ReportStatus.DONE and report.failure == ""
    assert report.started_at is not None and report.finished_at is not None
    assert re.fullmatch(r"reports/[0-9a-f]{32}\.pdf", report.file.name)  # says nothing
    data = report_file_read(actor=bekasi.commander_polres, report=report)
    assert report.size == len(data)
    assert_renders(data)
    assert "Ngopi Kamtibmas bersama warga RW 024" in pdf_text(data)
    assert "DIALOGUE CLOSING REPORT" in pdf_text(data)  # the requester's language


def test_asking_again_while_it_is_made_returns_the_same_report(bekasi, recorded):
    first = ask(bekasi.officer_selatan, recorded)
    again = ask(bekasi.commander_selatan, recorded)
    assert again.pk == first.pk
    Report.objects.filter(pk=first.pk).update(
        status=ReportStatus.RUNNING, started_at=timezone.now()
    )
    assert ask(bekasi.officer_selatan, recorded).pk == first.pk
    assert Report.objects.count() == 1 and DBTaskResult.objects.count() == 1

    Report.objects.filter(pk=first.pk).update(status=ReportStatus.QUEUED)
    run_queued()
    later = ask(bekasi.officer_selatan, recorded)  # the record may have changed since
    assert later.pk != first.pk and Report.objects.count() == 2


def test_a_task_run_twice_makes_the_report_once(bekasi, recorded):
    report = ask(bekasi.officer_selatan, recorded)
    run_queued()
    done = refreshed(report)

    report_build_run(str(report.pk))

    assert refreshed(report).file.name == done.file.name
    assert refreshed(report).finished_at == done.finished_at


def test_a_failing_build_ends_failed_and_is_not_tried_again(bekasi, recorded, monkeypatch):
    calls = []

    def broken(report):
        calls.append(report.pk)
        raise RuntimeError("fpdf exploded")

    monkeypatch.setattr(services, "_build", broken)
    report = ask(bekasi.officer_selatan, recorded)

    assert run_queued() == 1
    assert run_queued() == 0  # nothing queued again: no retry loop

    report = refreshed(report)
    assert report.status == ReportStatus.FAILED
    assert report.failure == "The report could not be made because of an unexpected error."
    assert "fpdf" not in report.failure and not report.file
    assert DBTaskResult.objects.get().status == "FAILED"
    report_build_run(str(report.pk))  # run by hand once more: still nothing
    assert len(calls) == 1
    with pytest.raises(Http404):
        report_file_read(actor=bekasi.officer_selatan, report=report)
    # Asking again queues a new one.
    assert ask(bekasi.officer_selatan, recorded).pk != report.pk


def test_a_subject_the_requester_no_longer_sees_fails_readably(bekasi, recorded):
    report = ask(bekasi.officer_selatan, recorded)
    bekasi.officer_selatan.unit = bekasi.polsek_timur
    bekasi.officer_selatan.save()

    run_queued()

    report = refreshed(report)
    assert report.status == ReportStatus.FAILED
    assert report.failure == "You can no longer see what this report is about."
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def left_running(report: Report, *, minutes: float, attempts: int = 1) -> None:
    """As a worker that died ``minutes`` after claiming its ``attempts``-th try left it."""
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING,
        started_at=timezone.now() - timedelta(minutes=minutes),
        attempts=attempts,
    )


def test_a_report_left_running_by_a_dead_worker_is_made_after_all(bekasi, recorded, settings):
    settings.KAMTIBMAS_REPORT_STALE_SECONDS = 15 * 60
    stuck = ask(bekasi.officer_selatan, recorded)
    run_queued()  # the first task is spent: its worker "died" in it
    left_running(stuck, minutes=14)

    assert reports_recover_stale() == 0  # may still be working
    assert refreshed(stuck).status == ReportStatus.RUNNING
    left_running(stuck, minutes=16)
    assert reports_recover_stale() == 1
    assert refreshed(stuck).status == ReportStatus.QUEUED

    assert run_queued() == 1
    made = refreshed(stuck)
    assert (made.status, made.attempts) == (ReportStatus.DONE, 2)
    assert_renders(report_file_read(actor=bekasi.officer_selatan, report=made))


def test_asking_again_for_a_stuck_report_queues_it_again(bekasi, recorded, settings):
    settings.KAMTIBMAS_REPORT_STALE_SECONDS = 15 * 60
    stuck = ask(bekasi.officer_selatan, recorded)
    left_running(stuck, minutes=16)

    again = ask(bekasi.officer_selatan, recorded)

    assert again.pk == stuck.pk and again.status == ReportStatus.QUEUED
    run_queued()
    assert refreshed(stuck).status == ReportStatus.DONE


def test_each_attempt_waits_twice_as_long_and_the_last_one_fails(bekasi, recorded, settings):
    settings.KAMTIBMAS_REPORT_STALE_SECONDS = 15 * 60
    settings.KAMTIBMAS_REPORT_MAX_ATTEMPTS = 3
    stuck = ask(bekasi.officer_selatan, recorded)
    run_queued()
    left_running(stuck, minutes=29, attempts=2)
    assert reports_recover_stale() == 0
    left_running(stuck, minutes=31, attempts=2)
    assert reports_recover_stale() == 1
    run_queued()  # made: the stale state was simulated

    poisoned = report_request_unit_monthly(
        actor=bekasi.commander_selatan,
        unit_pk=bekasi.polsek_selatan.pk,
        month=date(2025, 7, 1),
        language="en",
    )
    run_queued()
    left_running(poisoned, minutes=59, attempts=3)
    assert reports_recover_stale() == 0
    left_running(poisoned, minutes=61, attempts=3)
    assert reports_recover_stale() == 0

    failed = refreshed(poisoned)
    assert failed.status == ReportStatus.FAILED and failed.finished_at is not None
    assert failed.failure == gettext(
        "The worker stopped before the report was made: ask for it again."
    )
    assert not DBTaskResult.objects.filter(status="READY").exists()  # no task left looping


def test_a_slow_worker_whose_report_was_queued_again_keeps_nothing(
    bekasi, recorded, settings, monkeypatch
):
    """The first worker was only slow: by the time it finishes, the report was declared
    stale and made by a second attempt. The first attempt's PDF is thrown away."""
    settings.KAMTIBMAS_REPORT_STALE_SECONDS = 15 * 60
    report = ask(bekasi.officer_selatan, recorded)
    task = DBTaskResult.objects.get()
    real_build = services._build
    second: list[Report] = []

    def slow_build(claimed: Report) -> bytes:
        if not second:
            left_running(claimed, minutes=16)
            assert reports_recover_stale() == 1
            second.append(claimed)
            run_queued()  # the second attempt, start to end
        return real_build(claimed)

    storage = Report._meta.get_field("file").storage
    before = set(storage.listdir("reports")[1]) if storage.exists("reports") else set()
    monkeypatch.setattr(services, "_build", slow_build)
    task.claim("slow")
    task.task.call(*task.args_kwargs["args"], **task.args_kwargs["kwargs"])

    made = refreshed(report)
    assert (made.status, made.attempts) == (ReportStatus.DONE, 2)
    # The slow attempt's file is gone: only the second attempt's is new.
    assert set(storage.listdir("reports")[1]) - before == {made.file.name.rsplit("/", 1)[1]}


def test_monthly_reports_by_unit_and_month(bekasi, recorded):
    officer = bekasi.commander_selatan
    unit = bekasi.polsek_selatan
    report = report_request_unit_monthly(
        actor=officer, unit_pk=unit.pk, month=date(2025, 7, 19), language="en"
    )
    assert report.month == date(2025, 7, 1)
    same = report_request_unit_monthly(
        actor=bekasi.officer_selatan, unit_pk=unit.pk, month=date(2025, 7, 1), language="id"
    )
    other = report_request_unit_monthly(
        actor=officer, unit_pk=unit.pk, month=date(2025, 6, 1), language="en"
    )
    assert same.pk == report.pk and other.pk != report.pk

    assert run_queued() == 2
    text = pdf_text(report_file_read(actor=officer, report=refreshed(report)))
    assert "MONTHLY UNIT REPORT" in text and "July 2025" in text

    with pytest.raises(ValidationError) as error:
        report_request_unit_monthly(
            actor=officer,
            unit_pk=unit.pk,
            month=date.today().replace(day=1) + timedelta(days=40),
            language="en",
        )
    assert "month" in error.value.message_dict


def test_tenancy(bekasi, recorded):
    report = ask(bekasi.officer_selatan, recorded)
    monthly = report_request_unit_monthly(
        actor=bekasi.commander_polres,
        unit_pk=bekasi.polres.pk,
        month=date(2025, 7, 1),
        language="en",
    )
    # Another unit sees neither the dialogue, nor its report, nor the Polres' report.
    with pytest.raises(Http404):
        ask(bekasi.officer_timur, recorded)
    with pytest.raises(Http404):
        report_get(actor=bekasi.officer_timur, pk=report.pk)
    with pytest.raises(Http404):
        report_get(actor=bekasi.officer_selatan, pk=monthly.pk)
    with pytest.raises(Http404):
        report_request_unit_monthly(
            actor=bekasi.officer_timur,
            unit_pk=bekasi.polsek_selatan.pk,
            month=date(2025, 7, 1),
            language="en",
        )
    # The units above see both; a resident may ask for nothing.
    assert report_get(actor=bekasi.commander_polres, pk=report.pk) == report
    assert report_get(actor=bekasi.admin, pk=monthly.pk) == monthly
    with pytest.raises(PermissionDenied):
        ask(bekasi.resident, recorded)


# The real worker closes its database connections, as in production: a test
# transaction would not survive that on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_the_real_worker_records_a_failure_once(bekasi, recorded, monkeypatch):
    from django.core.management import call_command

    calls = []

    def broken(report):
        calls.append(report.pk)
        raise RuntimeError("fpdf exploded")

    monkeypatch.setattr(services, "_build", broken)
    report = ask(bekasi.officer_selatan, recorded)

    for _run in range(3):
        call_command("worker", "--once", verbosity=0)

    assert len(calls) == 1
    assert refreshed(report).status == ReportStatus.FAILED
