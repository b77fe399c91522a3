"""The report pages (issue 10 point 3): ask for a closing or monthly report, the list
refreshing itself while the worker makes it, the download; who may do what, and the
scope (another unit's report is 404, a resident 403, a visitor the login page)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.management import call_command
from django.utils import translation

from kamtibmas.accounts.models import Role
from kamtibmas.conftest import make_user
from kamtibmas.privacy.models import AuditAction, AuditEntry
from kamtibmas.reports.models import Report, ReportStatus
from kamtibmas.reports.tests.conftest import (
    CONFIDENTIAL_REPORTER,
    held,
    pdf_text,
    recorded,
    run_queued,
)

pytestmark = pytest.mark.django_db

__all__ = ["held", "recorded"]  # the fixtures, imported for this module

LIST = "/staff/reports/"
UNIT = "/staff/reports/unit/"


def signed_in(client, user):
    client.force_login(user)
    client.cookies["kamtibmas_language"] = "en"
    return client


def dialogue_url(dialogue) -> str:
    return f"/staff/reports/dialogue/{dialogue.pk}/"


def pdf_url(report) -> str:
    return f"/staff/reports/{report.pk}.pdf"


# The real worker closes its database connections, as in production: a test
# transaction would not survive that on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_ask_watch_and_download_a_closing_report(client, bekasi, recorded):
    signed_in(client, bekasi.officer_selatan)

    response = client.post(dialogue_url(recorded))

    assert response.status_code == 302 and response["Location"] == LIST
    report = Report.objects.get()
    assert report.language == "en" and report.requested_by == bekasi.officer_selatan
    page = client.get(LIST)
    assert page.status_code == 200
    assert page["Refresh"] == "5"  # no script: the CSP forbids inline ones
    assert "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert "waiting for the worker" in html and 'id="reports-pending"' in html
    assert pdf_url(report) not in html
    assert client.get(pdf_url(report)).status_code == 404  # not ready yet

    call_command("worker", "--once", verbosity=0)  # the real worker, once

    page = client.get(LIST)
    assert "Refresh" not in page and pdf_url(report) in page.content.decode()
    response = client.get(pdf_url(report))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="dialogue-{recorded.pk}-closing-report.pdf"'
    )
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert "DIALOGUE CLOSING REPORT" in text and "Ngopi Kamtibmas bersama warga RW 024" in text
    assert CONFIDENTIAL_REPORTER[0] not in text and CONFIDENTIAL_REPORTER[1] not in text
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert (entry.actor, entry.subject_type, entry.subject_id) == (
        bekasi.officer_selatan,
        "engagements.dialogue",
        str(recorded.pk),
    )


def test_a_second_click_while_it_is_made_queues_nothing_more(client, bekasi, recorded):
    signed_in(client, bekasi.officer_selatan)
    client.post(dialogue_url(recorded))
    client.post(dialogue_url(recorded))
    assert Report.objects.count() == 1


def test_ask_for_a_monthly_report(client, bekasi, recorded):
    signed_in(client, bekasi.commander_selatan)
    page = client.get(LIST)
    assert 'type="month"' in page.content.decode()

    response = client.post(UNIT, {"unit": bekasi.polsek_selatan.pk, "month": "2025-07"})

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.unit, report.month) == (bekasi.polsek_selatan, date(2025, 7, 1))
    run_queued()
    response = client.get(pdf_url(report))
    assert response.status_code == 200
    assert f"unit-{bekasi.polsek_selatan.pk}-2025-07-report.pdf" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "Polsek Bekasi Selatan · July 2025" in text
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()  # counts only


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"month": "2025-07"}, "unit"),
        ({"unit": "", "month": "juli"}, "month"),
        ({"month": "2999-01"}, "month"),
    ],
)
def test_a_wrong_monthly_form_is_answered_400_and_queues_nothing(client, bekasi, data, field):
    signed_in(client, bekasi.commander_selatan)
    data = {"unit": bekasi.polsek_selatan.pk, **data} if field != "unit" else data

    response = client.post(UNIT, data)

    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Report.objects.exists()


def test_another_units_report_and_dialogue_are_not_found(client, bekasi, recorded):
    signed_in(client, bekasi.officer_selatan)
    client.post(dialogue_url(recorded))
    run_queued()
    report = Report.objects.get()
    assert report.status == ReportStatus.DONE

    signed_in(client, bekasi.officer_timur)
    assert client.get(pdf_url(report)).status_code == 404
    assert client.post(dialogue_url(recorded)).status_code == 404
    assert str(report.pk) not in client.get(LIST).content.decode()
    # A unit outside the scope is no choice of the form.
    response = client.post(UNIT, {"unit": bekasi.polsek_selatan.pk, "month": "2025-07"})
    assert response.status_code == 400 and Report.objects.count() == 1
    # The Polres above sees it.
    signed_in(client, bekasi.commander_polres)
    assert client.get(pdf_url(report)).status_code == 200


def test_residents_other_staff_and_visitors_are_kept_out(client, bekasi, recorded):
    signed_in(client, bekasi.officer_selatan)
    client.post(dialogue_url(recorded))
    run_queued()
    report = Report.objects.get()
    desk = make_user("desk", Role.DESK_OFFICER, bekasi.polsek_selatan)
    for user in (bekasi.resident, desk):
        signed_in(client, user)
        assert client.get(LIST).status_code == 403
        assert client.get(pdf_url(report)).status_code == 403
        assert client.post(dialogue_url(recorded)).status_code == 403
    client.logout()
    for response in (client.get(LIST), client.get(pdf_url(report))):
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(dialogue_url(recorded)).status_code == 302
    assert Report.objects.count() == 1


def test_the_request_urls_take_posts_only(client, bekasi, recorded):
    signed_in(client, bekasi.officer_selatan)
    assert client.get(dialogue_url(recorded)).status_code == 405
    assert client.get(UNIT).status_code == 405


def test_the_list_reads_in_a_fixed_number_of_queries(
    client, bekasi, recorded, django_assert_max_num_queries
):
    signed_in(client, bekasi.commander_polres)
    for month in range(1, 7):
        client.post(UNIT, {"unit": bekasi.polsek_selatan.pk, "month": f"2025-{month:02d}"})
    client.post(dialogue_url(recorded))
    run_queued()
    client.get(LIST)  # warm the session and the user

    with django_assert_max_num_queries(12):
        response = client.get(LIST)

    assert response.content.decode().count("Download PDF") == 7


# The snippets the lead engineer adds to the dialogue page and to the dashboard page
# (see the report of issue 10 point 3), rendered here as those pages would.
DIALOGUE_SNIPPET = """{% load i18n %}<form method="post" action="{% url 'web:report-request-dialogue' dialogue.pk %}" id="closing-report-form">{% csrf_token %}
<button type="submit" class="button button--quiet">{% translate "Closing report (PDF)" %}</button> <a href="{% url 'web:report-list' %}">{% translate "Reports" %}</a></form>"""  # noqa: E501
DASHBOARD_SNIPPET = """{% load i18n %}{% if dashboard %}<form method="post" action="{% url 'web:report-request-unit' %}" id="monthly-report-form">{% csrf_token %}<input type="hidden" name="unit" value="{{ unit.pk }}"><input type="hidden" name="month" value="{{ dashboard.current.period_start|date:'Y-m' }}">
<button type="submit" class="button button--quiet">{% blocktranslate with month=dashboard.current.period_start|date:"F Y" %}Monthly report for {{ month }} (PDF){% endblocktranslate %}</button> <a href="{% url 'web:report-list' %}">{% translate "Reports" %}</a></form>{% endif %}"""  # noqa: E501


def posted_form(html: str) -> tuple[str, dict[str, str]]:
    action = re.search(r'<form method="post" action="([^"]+)"', html)
    assert action is not None
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    fields.pop("csrfmiddlewaretoken", None)
    return action.group(1), fields


def test_the_snippets_for_the_dialogue_and_dashboard_pages_ask_for_the_reports(
    client, bekasi, recorded
):
    from types import SimpleNamespace

    from django.template import engines

    engine = engines["django"]
    signed_in(client, bekasi.commander_selatan)
    with translation.override("en"):
        dialogue_html = engine.from_string(DIALOGUE_SNIPPET).render({"dialogue": recorded})
        dashboard = SimpleNamespace(current=SimpleNamespace(period_start=date(2025, 7, 3)))
        dashboard_html = engine.from_string(DASHBOARD_SNIPPET).render(
            {"dashboard": dashboard, "unit": bekasi.polsek_selatan}
        )
    assert "Monthly report for July 2025 (PDF)" in dashboard_html

    for html in (dialogue_html, dashboard_html):
        action, fields = posted_form(html)
        assert client.post(action, fields).status_code == 302
    assert {(r.kind, r.month) for r in Report.objects.all()} == {
        ("dialogue_closing", None),
        ("unit_monthly", date(2025, 7, 1)),
    }
