"""The unit dashboard page and its CSV exports (issue 10 points 1-2): who may open
them, the scope, the figures with the previous period, charts and tables, CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from kamtibmas.accounts.models import Role
from kamtibmas.aspirations.models import Aspiration, Status
from kamtibmas.conftest import make_user
from kamtibmas.core.timefmt import local_today
from kamtibmas.safety.tests.conftest import area, english
from kamtibmas.safety.tests.factories import case, held_dialogue

pytestmark = pytest.mark.django_db

__all__ = ["area", "english"]  # the fixtures, imported for this module

URL = "/staff/dashboard/"


def signed_in(client, user):
    client.force_login(user)
    client.cookies["kamtibmas_language"] = "en"
    return client


@pytest.fixture
def scene(area):
    done = case(area.rw024, category="narkoba", urgency="darurat", days_ago=4)
    Aspiration.objects.filter(pk=done.pk).update(
        status=Status.RESOLVED,
        resolved_at=done.received_at + timedelta(days=2),
        resolve_by=done.received_at + timedelta(days=3),
    )
    case(area.rw001, category="kekerasan", urgency="tinggi", days_ago=3)
    case(area.rw024, category="kekerasan", urgency="tinggi", days_ago=40)
    case(area.margahayu, category="penipuan", urgency="sedang", days_ago=3)
    held_dialogue(area.officer_selatan, area.polsek_selatan, area.rw001, days_ago=5)
    area.today = local_today(area.polsek_selatan.area)
    return area


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


def test_the_page_shows_both_periods_charts_and_tables(client, scene):
    response = signed_in(client, scene.commander_selatan).get(URL)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    dashboard = response.context["dashboard"]
    assert dashboard.current.period_end == scene.today
    assert dashboard.current.period_start == scene.today - timedelta(days=29)
    assert (dashboard.current.received, dashboard.previous.received) == (2, 1)
    assert 'id="category-chart"' in html and 'id="status-chart"' in html
    assert (
        '<title id="category-chart-title">' in html
        and "style=" not in html.split('id="category-chart"')[1].split("</svg>")[0]
    )
    assert 'id="category-table"' in html and 'scope="col"' in html
    row = html.split('id="category-kekerasan"')[1].split("</tr>")[0]
    assert "<td>1</td><td>1</td>" in row
    row = html.split('id="summary-share_resolved"')[1].split("</tr>")[0]
    assert "<td>50.0</td><td>0.0</td>" in row
    assert 'id="summary-csv"' in html and "Previous period" in html


def test_the_period_can_be_chosen_and_bad_input_is_400(client, scene):
    client = signed_in(client, scene.commander_selatan)
    start = (scene.today - timedelta(days=59)).isoformat()
    response = client.get(URL, {"period_start": start, "period_end": scene.today.isoformat()})
    assert response.status_code == 200
    assert response.context["dashboard"].current.received == 3
    response = client.get(URL, {"period_start": "x", "period_end": scene.today.isoformat()})
    assert response.status_code == 400
    assert client.get(f"{URL}summary.csv", {"period_start": "x"}).status_code == 400


def test_csv_exports_hold_the_tables(client, scene):
    client = signed_in(client, scene.commander_selatan)
    response = client.get(f"{URL}category.csv", {"unit": scene.polsek_selatan.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][0] == "Category" and rows[0][1].startswith("This period")
    assert len(rows) == 1 + 12
    by_label = {row[0]: row[1:] for row in rows[1:]}
    assert by_label["Violence"] == ["1", "1"]
    assert by_label["Drugs"] == ["1", "0"]
    assert by_label["Fraud"] == ["0", "0"]  # Margahayu lies outside the unit
    summary = {row[0]: row[1:] for row in csv_rows(client.get(f"{URL}summary.csv"))[1:]}
    assert summary["Dialogues held"] == ["1", "0"]
    assert summary["Median days to resolve"] == ["2.0", ""]
    assert summary["Resolved within the deadline (%)"] == ["100.0", ""]
    status = {row[0]: row[1:] for row in csv_rows(client.get(f"{URL}status.csv"))[1:]}
    assert status["Resolved"] == ["1", "0"]
    urgency = {row[0]: row[1:] for row in csv_rows(client.get(f"{URL}urgency.csv"))[1:]}
    assert urgency["Emergency"] == ["1", "0"] and urgency["High"] == ["1", "1"]
    surveys = csv_rows(client.get(f"{URL}surveys.csv"))
    assert [row[1] for row in surveys[1:]] == ["0", "0", "0"]
    assert client.get(f"{URL}people.csv").status_code == 404


def test_residents_and_other_staff_get_403_visitors_the_login_page(client, scene):
    assert client.get(URL).status_code == 302
    assert client.get(f"{URL}summary.csv").status_code == 302
    assert signed_in(client, scene.resident).get(URL).status_code == 403
    assert signed_in(client, scene.resident).get(f"{URL}summary.csv").status_code == 403
    desk = make_user("spkt", Role.DESK_OFFICER, scene.polsek_selatan)
    assert signed_in(client, desk).get(URL).status_code == 403


def test_another_unit_is_404(client, scene):
    client = signed_in(client, scene.officer_selatan)
    assert client.get(URL, {"unit": scene.polsek_timur.pk}).status_code == 404
    assert client.get(f"{URL}summary.csv", {"unit": scene.polsek_timur.pk}).status_code == 404
    assert client.get(URL, {"unit": "x"}).status_code == 404


def test_a_higher_commander_and_an_administrator_choose_a_unit(client, scene):
    for user in (scene.commander_polres, scene.admin):
        response = signed_in(client, user).get(URL, {"unit": scene.polsek_timur.pk})
        assert response.status_code == 200
        assert response.context["dashboard"].current.by_category["penipuan"] == 1


def test_the_staff_home_links_to_the_dashboard(client, scene):
    html = signed_in(client, scene.commander_selatan).get("/staff/").content.decode()
    assert 'id="dashboard-link"' in html
