"""The audit log for commanders (``/staff/audit/``, issue 11 point 4): who may open
it, its scope (another unit's entries never appear, whatever the filters), the
filters, pages, local times, the exports, and that reading it is audited too."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from kamtibmas.accounts.models import Role
from kamtibmas.conftest import make_user
from kamtibmas.core.timefmt import format_local
from kamtibmas.core.xlsx import MEDIA_TYPE as XLSX_MEDIA_TYPE
from kamtibmas.privacy.models import AuditAction, AuditEntry
from kamtibmas.privacy.services import audit_record, audit_record_retention
from kamtibmas.web.audit import EXPORT_REASON, PAGE_SIZE, REVIEW_REASON

pytestmark = pytest.mark.django_db

URL = "/staff/audit/"


def audit_at(moment, *, actor, subject, action=AuditAction.READ, fields=("phone",), reason="t"):
    """``audit_record`` as if called at ``moment`` (``created_at`` is ``auto_now_add``)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return audit_record(
            actor=actor, action=action, subject=subject, reason=reason, fields=fields
        )


def signed_in(client, user, language="en"):
    client.force_login(user)
    client.cookies["kamtibmas_language"] = language
    return client


def shown(response) -> set[int]:
    """The ids of the entries listed on the page."""
    return {entry.pk for entry in response.context["page"].object_list}


@pytest.fixture
def log(bekasi):
    now = timezone.now()
    bekasi.officer_post = make_user("bhabin.pos", Role.COMMUNITY_OFFICER, bekasi.post_kayuringin)
    bekasi.selatan_read = audit_at(
        now - timedelta(days=2), actor=bekasi.officer_selatan, subject=bekasi.resident
    )
    bekasi.post_export = audit_at(
        now - timedelta(days=1),
        actor=bekasi.officer_post,
        subject=bekasi.commander_timur,
        action=AuditAction.EXPORT,
        fields=["first_name"],
        reason="=cmd|' /C calc'!A0",
    )
    bekasi.selatan_old = audit_at(
        now - timedelta(days=60), actor=bekasi.officer_selatan, subject=bekasi.officer_timur
    )
    bekasi.timur_read = audit_at(
        now - timedelta(days=2), actor=bekasi.officer_timur, subject=bekasi.resident
    )
    bekasi.retention = audit_record_retention(
        category="household",
        model_label="aid.Household",
        action=AuditAction.UPDATE,
        count=2,
        fields=["head_name"],
        days=1825,
    )
    return bekasi


def test_only_commanders_and_administrators_may_open_it(client, log):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]
    desk = make_user("spkt", Role.DESK_OFFICER, log.polsek_selatan)
    handler = make_user("handler", Role.HANDLER, log.polsek_selatan)
    for user in (log.resident, log.officer_selatan, desk, handler):
        assert signed_in(client, user).get(URL).status_code == 403, user.role
        assert signed_in(client, user).get(URL + "?export=csv").status_code == 403
    for user in (log.commander_selatan, log.admin):
        response = signed_in(client, user).get(URL)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


def test_a_commander_sees_the_own_unit_and_below_never_another(client, log):
    response = signed_in(client, log.commander_selatan).get(URL)
    listed = shown(response)
    assert {log.selatan_read.pk, log.post_export.pk} <= listed
    assert log.timur_read.pk not in listed and log.retention.pk not in listed
    assert log.selatan_old.pk not in listed  # older than the default 30 days
    assert f'id="audit-{log.timur_read.pk}"' not in response.content.decode()
    attempts = [
        "?actor=bhabin.timur",
        f"?subject_type=accounts.user&subject_id={log.resident.pk}&period_start=2000-01-01",
        "?action=read&period_start=2000-01-01",
        "?subject_type=aid.household",
    ]
    for query in attempts:
        response = signed_in(client, log.commander_selatan).get(URL + query)
        assert log.timur_read.pk not in shown(response), query
        assert log.retention.pk not in shown(response), query
    unit = signed_in(client, log.commander_selatan).get(f"{URL}?unit={log.polsek_timur.pk}")
    assert unit.status_code == 400 and unit.context["page"] is None
    csv_text = signed_in(client, log.commander_selatan).get(URL + "?export=csv&actor=bhabin.timur")
    assert len(list(csv.reader(io.StringIO(csv_text.content.decode("utf-8-sig"))))) == 1
    polres = shown(signed_in(client, log.commander_polres).get(URL))
    assert {log.selatan_read.pk, log.post_export.pk, log.timur_read.pk} <= polres
    assert log.retention.pk not in polres
    assert log.retention.pk in shown(signed_in(client, log.admin).get(URL))


def test_filters_narrow_the_list(client, log):
    page = signed_in(client, log.commander_polres)
    everything = "period_start=2000-01-01"
    assert log.selatan_old.pk in shown(page.get(f"{URL}?{everything}"))
    assert shown(page.get(f"{URL}?actor=bhabin.pos")) == {log.post_export.pk}
    exports = shown(page.get(f"{URL}?action=export&subject_type=accounts.user"))
    assert exports == {log.post_export.pk}
    by_record = page.get(
        f"{URL}?subject_type=accounts.user&subject_id={log.resident.pk}&{everything}"
    )
    assert shown(by_record) == {log.selatan_read.pk, log.timur_read.pk}
    by_type = shown(page.get(f"{URL}?subject_type=ACCOUNTS.USER&{everything}"))
    assert by_type == {
        log.selatan_read.pk,
        log.timur_read.pk,
        log.post_export.pk,
        log.selatan_old.pk,
    }
    by_unit = shown(page.get(f"{URL}?unit={log.polsek_selatan.pk}&subject_type=accounts.user"))
    # A filled-in form without a period is every day; only a bare visit shows 30 days.
    assert by_unit == {log.selatan_read.pk, log.post_export.pk, log.selatan_old.pk}
    # Days are the reviewed unit's (the Polres is in WIB), not UTC days.
    old_day = log.selatan_old.created_at.astimezone(ZoneInfo("Asia/Jakarta")).date().isoformat()
    period = shown(page.get(f"{URL}?period_start={old_day}&period_end={old_day}"))
    assert period == {log.selatan_old.pk}
    assert page.get(f"{URL}?subject_id=5").status_code == 400  # an id needs its type
    assert page.get(f"{URL}?period_start=2026-02-01&period_end=2026-01-01").status_code == 400
    assert page.get(f"{URL}?action=peek").status_code == 400


def test_pages_newest_first_in_local_indonesian_time(client, log):
    now = timezone.now()
    many = [
        audit_at(now - timedelta(minutes=n), actor=log.officer_selatan, subject=log.resident)
        for n in range(1, PAGE_SIZE + 4)
    ]
    page = signed_in(client, log.commander_selatan, language="id")
    query = f"{URL}?actor=bhabin.selatan&subject_type=accounts.user"
    first = page.get(query)
    assert [e.pk for e in first.context["page"].object_list] == [e.pk for e in many[:PAGE_SIZE]]
    second = page.get(query + "&page=2")
    assert [e.pk for e in second.context["page"].object_list] == [
        *(e.pk for e in many[PAGE_SIZE:]),
        log.selatan_read.pk,
        log.selatan_old.pk,
    ]
    when = format_local(many[0].created_at, zone=log.polsek_selatan.area, language="id")
    assert " pukul " in when and when in first.content.decode()
    assert 'rel="next"' in first.content.decode()


def test_opening_it_and_exporting_it_are_audited(client, log):
    page = signed_in(client, log.commander_selatan)
    page.get(URL)
    review = AuditEntry.objects.filter(actor=log.commander_selatan).get()
    assert (review.action, review.reason) == (AuditAction.READ, REVIEW_REASON)
    assert (review.subject_type, review.subject_id) == ("areas.unit", str(log.polsek_selatan.pk))
    assert review.actor_unit == log.polsek_selatan
    page.get(f"{URL}?unit={log.post_kayuringin.pk}&export=xlsx")
    export = AuditEntry.objects.filter(actor=log.commander_selatan, action="export").get()
    assert export.reason == EXPORT_REASON.format(format="xlsx")
    assert export.subject_id == str(log.post_kayuringin.pk)
    signed_in(client, log.admin).get(URL)
    tops = AuditEntry.objects.filter(actor=log.admin).values_list("subject_id", flat=True)
    assert list(tops) == [str(log.polda.pk)]
    # The commander's own review shows up in the log the next time.
    assert review.pk in shown(page.get(URL))


def test_exports_hold_the_filtered_list(client, log):
    page = signed_in(client, log.commander_selatan)
    response = page.get(f"{URL}?subject_type=accounts.user&export=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["When", "Staff member", "Unit", "Action", "Which record", "Fields", "Why"]
    assert [row[4] for row in rows[1:]] == [
        f"accounts.user#{log.commander_timur.pk}",
        f"accounts.user#{log.resident.pk}",
        f"accounts.user#{log.officer_timur.pk}",
    ]
    assert rows[1][6].startswith("'=")  # a formula stays text
    assert "bhabin.timur" not in response.content.decode("utf-8-sig")
    xlsx = page.get(f"{URL}?subject_type=accounts.user&export=xlsx")
    assert xlsx["Content-Type"] == XLSX_MEDIA_TYPE
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 4 and values[1][1] == "bhabin.pos"
    assert values[1][6] == "=cmd|' /C calc'!A0" and sheet["G2"].data_type == "s"


def test_the_staff_home_links_it_for_commanders_only(client, log):
    home = signed_in(client, log.commander_selatan).get("/staff/")
    assert 'id="audit-review-link"' in home.content.decode()
    home = signed_in(client, log.officer_selatan).get("/staff/")
    assert 'id="audit-review-link"' not in home.content.decode()
