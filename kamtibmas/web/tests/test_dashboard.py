"""The unit dashboard page and its exports (issue 10 points 1-2): who may open them,
the scope, the figures with the previous period, charts and tables, the drill-down
by area, CSV and XLSX, and no reporter in any export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from kamtibmas.accounts.models import Role
from kamtibmas.aspirations.models import Aspiration, Status
from kamtibmas.conftest import make_user
from kamtibmas.core.timefmt import local_today
from kamtibmas.core.xlsx import MEDIA_TYPE as XLSX_MEDIA_TYPE
from kamtibmas.dashboards.tables import TABLE_NAMES
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


# --- drill-down by area -------------------------------------------------------------


def test_the_page_drills_down_from_the_kecamatan_to_an_rw(client, scene):
    client = signed_in(client, scene.commander_selatan)
    html = client.get(URL).content.decode()
    assert f'id="drill-{scene.selatan.pk}"' in html
    row = html.split(f'id="areas-{scene.selatan.pk}"')[1].split("</tr>")[0]
    assert "<td>2</td><td>1</td>" in row  # received: this period, the previous one
    response = client.get(URL, {"area": scene.kayuringin.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="drill-{scene.rw001.pk}"' in html and f'id="drill-{scene.rw024.pk}"' in html
    assert f'id="crumb-{scene.selatan.pk}"' in html and 'id="crumb-unit"' in html
    assert "Kayuringin Jaya" in html.split("<h1>")[1].split("</h1>")[0]
    assert f"area={scene.kayuringin.pk}" in html.split('id="summary-csv"')[0].rsplit("<a", 1)[1]
    row = html.split(f'id="areas-{scene.rw024.pk}"')[1].split("</tr>")[0]
    assert "<td>1</td><td>1</td><td>100.0</td><td>0.0</td><td>0</td><td>0</td>" in row
    html = client.get(URL, {"area": scene.rw024.pk}).content.decode()
    assert "No lower areas" in html and 'id="drill-' not in html
    assert response.context["dashboard"].current.received == 2


def test_an_area_outside_the_unit_is_404_on_the_page_and_the_exports(client, scene):
    client = signed_in(client, scene.commander_selatan)
    for outside in (scene.margahayu, scene.timur, scene.rt001, scene.kota):
        assert client.get(URL, {"area": outside.pk}).status_code == 404
        assert client.get(f"{URL}summary.csv", {"area": outside.pk}).status_code == 404
        assert client.get(f"{URL}summary.xlsx", {"area": outside.pk}).status_code == 404
    assert client.get(URL, {"area": "x"}).status_code == 404
    assert client.get(URL, {"area": 10**9}).status_code == 404
    timur = signed_in(client, scene.commander_polres)
    assert (
        timur.get(URL, {"unit": scene.polsek_timur.pk, "area": scene.kayuringin.pk}).status_code
        == 404
    )


def test_exports_of_an_area_hold_its_figures(client, scene):
    client = signed_in(client, scene.commander_selatan)
    rows = csv_rows(client.get(f"{URL}summary.csv", {"area": scene.rw024.pk}))
    summary = {row[0]: row[1:] for row in rows[1:]}
    assert summary["Aspirations received"] == ["1", "1"]
    assert summary["Dialogues held"] == ["0", "0"]


# --- XLSX ------------------------------------------------------------------------------


def xlsx_rows(response) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def _value(text: str) -> float | str:
    """A CSV or XLSX cell as a number when it is one (the XLSX reads 50.0 back as 50)."""
    try:
        return float(text)
    except ValueError:
        return text


def test_every_table_as_xlsx_matches_its_csv(client, scene):
    client = signed_in(client, scene.commander_selatan)
    for where in (None, scene.kayuringin):
        query = {"area": where.pk} if where else {}
        for name in TABLE_NAMES:
            response = client.get(f"{URL}{name}.xlsx", query)
            assert response.status_code == 200
            assert response["Content-Type"] == XLSX_MEDIA_TYPE
            assert "no-store" in response["Cache-Control"]
            assert f"{name}" in response["Content-Disposition"]
            expected = csv_rows(client.get(f"{URL}{name}.csv", query))
            got = xlsx_rows(response)
            assert [[_value(v) for v in row] for row in got] == [
                [_value(v) for v in row] for row in expected
            ], name
            assert len(got) == len(expected) > 1 or name == "aid"  # no aid in this scene
    assert client.get(f"{URL}people.xlsx").status_code == 404


def test_a_formula_typed_as_an_aid_item_stays_text(client, scene):
    from kamtibmas.dashboards.exports import table_csv, table_xlsx
    from kamtibmas.dashboards.tables import Row, Table

    table = Table("aid", "Aid", ("Item", "Now"), (Row("1", "=HYPERLINK(1)", (-3,)),))
    sheet = load_workbook(io.BytesIO(table_xlsx(table))).active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "=HYPERLINK(1)"
    assert sheet["B2"].value == -3
    assert table_csv(table).decode("utf-8-sig").splitlines()[1] == "'=HYPERLINK(1),-3"


def test_no_confidential_reporter_appears_in_any_export(client, scene):
    from kamtibmas.aspirations.models import Privacy, Source
    from kamtibmas.aspirations.services import aspiration_submit

    aspiration_submit(
        text="Ada transaksi narkoba di warung dekat masjid setiap malam.",
        area=scene.rw024,
        privacy=Privacy.CONFIDENTIAL,
        source=Source.WEB,
        reporter_name="Sentinelia Rahasiawati",
        reporter_phone="081299887766",
        category="narkoba",
        urgency="tinggi",
    )
    client = signed_in(client, scene.commander_selatan)
    seen = []
    for where in (None, scene.rw024):
        query = {"area": where.pk} if where else {}
        for name in TABLE_NAMES:
            for extension, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
                text = "\n".join(
                    ",".join(row) for row in read(client.get(f"{URL}{name}.{extension}", query))
                )
                seen.append(text)
                for secret in ("Sentinelia", "Rahasiawati", "081299887766", "99887766"):
                    assert secret not in text, (name, extension)
    summary = csv_rows(client.get(f"{URL}summary.csv", {"area": scene.rw024.pk}))
    assert {row[0]: row[1] for row in summary[1:]}["Aspirations received"] == "2"
    assert len(seen) == 2 * 2 * len(TABLE_NAMES)


def test_the_page_takes_a_fixed_number_of_queries(client, scene):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(client, scene.commander_selatan)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"area": scene.kayuringin.pk})
        assert response.status_code == 200
        return len(captured.captured_queries)

    small = queries()
    for days in range(1, 10):
        case(scene.rw001, days_ago=days)
        held_dialogue(scene.officer_selatan, scene.polsek_selatan, scene.rw024, days_ago=days)
    assert queries() == small
    # Session, user, scope, unit and area 8; the dashboard's 16 (see its selector) and
    # the roll-up's state 1 (dashboards.rollup: read once per request's user).
    assert small == 25


def test_figures_are_kept_a_minute_per_scope_and_the_page_says_since_when(client, scene, settings):
    from django.core.cache import caches
    from django.test import Client

    settings.KAMTIBMAS_DASHBOARD_CACHE_SECONDS = 60
    caches["default"].clear()
    commander = signed_in(client, scene.commander_selatan)
    first = commander.get(URL)
    assert first.context["dashboard"].current.received == 2
    assert 'id="computed-at"' in first.content.decode()
    case(scene.rw001, category="narkoba", urgency="darurat", days_ago=2)

    # The same commander within the minute: the kept figures, and the page says when.
    kept = commander.get(URL)
    assert kept.context["dashboard"].current.received == 2
    assert kept.context["computed_at"] == first.context["computed_at"]
    # Shared with who sees the same (the Polsek's community officer), not with who
    # sees more or less (the Polres commander): computed for them.
    officer = signed_in(Client(), scene.officer_selatan).get(URL)
    assert officer.context["computed_at"] == first.context["computed_at"]
    polres = signed_in(Client(), scene.commander_polres).get(URL, {"unit": scene.polsek_selatan.pk})
    assert polres.status_code == 200
    assert polres.context["computed_at"] > first.context["computed_at"]
    assert polres.context["dashboard"].current.received == 3
    # Another period is other figures; and with the keeping off, always fresh.
    week = {
        "period_start": (scene.today - timedelta(days=6)).isoformat(),
        "period_end": scene.today.isoformat(),
    }
    other = commander.get(URL, week)
    assert other.context["computed_at"] > first.context["computed_at"]
    settings.KAMTIBMAS_DASHBOARD_CACHE_SECONDS = 0
    assert commander.get(URL).context["dashboard"].current.received == 3
