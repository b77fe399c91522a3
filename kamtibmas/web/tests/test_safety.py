"""The area safety picture page (issue 9 points 1-2): who may open it, its scope,
bad input, the ranking with its inputs, and planning a dialogue in one action."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kamtibmas.accounts.models import Role
from kamtibmas.conftest import make_user
from kamtibmas.core.timefmt import local_today
from kamtibmas.engagements.models import Dialogue, DialogueStatus
from kamtibmas.safety.tests.conftest import area, english
from kamtibmas.safety.tests.factories import case, held_dialogue

pytestmark = pytest.mark.django_db

__all__ = ["area", "english"]  # the fixtures, imported for this module

URL = "/staff/safety/"
PLAN = "/staff/safety/plan/"


def signed_in(client, user):
    """Signed in, reading English (the Indonesian texts come with the catalogue)."""
    client.force_login(user)
    client.cookies["kamtibmas_language"] = "en"
    return client


@pytest.fixture
def scene(area):
    case(area.rt001, category="kekerasan", urgency="tinggi", days_ago=3, overdue=True)
    case(area.rw024, category="narkoba", urgency="darurat", days_ago=10)
    held_dialogue(area.officer_selatan, area.polsek_selatan, area.rw001, days_ago=5)
    return area


def test_commanders_and_community_officers_see_the_ranking(client, scene):
    for user in (scene.commander_selatan, scene.officer_selatan):
        response = signed_in(client, user).get(URL)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        html = response.content.decode()
        assert 'id="rw-ranking"' in html and 'id="kelurahan-ranking"' in html
        rows = response.context["rw_rows"]
        assert [row["score"].area for row in rows] == [scene.rw024, scene.rw001]
        assert 'role="region"' in html and 'scope="col"' in html
    # RW 024: 2 open, 1 overdue, never visited; the inputs are shown in words.
    assert "2 unresolved cases, 1 overdue; 2 aspirations in the period" in html
    assert "no dialogue held here yet" in html
    assert "never" in html


def test_residents_get_403_and_visitors_the_login_page(client, scene):
    assert client.get(URL).status_code == 302
    assert signed_in(client, scene.resident).get(URL).status_code == 403
    desk = make_user("spkt", Role.DESK_OFFICER, scene.polsek_selatan)
    assert signed_in(client, desk).get(URL).status_code == 403
    assert client.post(PLAN, {"area": scene.rw024.pk}).status_code == 403


def test_another_unit_is_404(client, scene):
    client = signed_in(client, scene.officer_selatan)
    assert client.get(URL, {"unit": scene.polsek_timur.pk}).status_code == 404
    assert client.get(URL, {"unit": "x"}).status_code == 404
    response = client.post(PLAN, {"unit": scene.polsek_timur.pk, "area": scene.margahayu.pk})
    assert response.status_code == 404
    response = client.post(
        PLAN, {"unit": scene.polsek_selatan.pk, "area": scene.rw003_margahayu.pk}
    )
    assert response.status_code == 404
    assert not Dialogue.objects.filter(status=DialogueStatus.PLANNED).exists()


def test_a_higher_commander_chooses_a_unit_below(client, scene):
    response = signed_in(client, scene.commander_polres).get(URL, {"unit": scene.polsek_timur.pk})
    assert response.status_code == 200
    assert [row["score"].area for row in response.context["rw_rows"]] == [scene.rw003_margahayu]


def test_a_reversed_period_is_refused_with_a_message(client, scene):
    today = local_today()
    response = signed_in(client, scene.commander_selatan).get(
        URL, {"period_start": today, "period_end": today - timedelta(days=3)}
    )
    assert response.status_code == 400
    assert "The end of the period comes before its start." in response.content.decode()
    response = signed_in(client, scene.commander_selatan).get(URL, {"period_start": "31/31/2025"})
    assert response.status_code == 400


def test_the_default_period_is_the_last_90_days(client, scene):
    response = signed_in(client, scene.commander_selatan).get(URL)
    picture = response.context["picture"]
    assert (picture.period_end - picture.period_start).days == 90


def test_planning_a_dialogue_from_a_recommendation(client, scene):
    client = signed_in(client, scene.officer_selatan)
    recommended = client.get(URL).context["planning"].items
    assert recommended[0][0].area == scene.rw024
    html = client.get(URL).content.decode()
    assert "Plan a dialogue here" in html
    token = str(client.get(URL).context["plan_token"])
    form = {"unit": scene.polsek_selatan.pk, "area": scene.rw024.pk, "token": token}
    response = client.post(PLAN, form)
    # A second tap on the same button plans nothing more and lands on the same page.
    again = client.post(PLAN, form)
    assert again.status_code == 302 and again["Location"] == response["Location"]
    dialogue = Dialogue.objects.get(status=DialogueStatus.PLANNED)
    assert response.status_code == 302
    assert response["Location"] == f"/staff/dialogues/{dialogue.pk}/edit/"
    assert dialogue.area == scene.rw024
    assert dialogue.unit == scene.polsek_selatan
    assert dialogue.type.code == "sambang"
    assert dialogue.host == scene.officer_selatan
    days_ahead = (dialogue.planned_start - timezone.now()).days
    assert 5 <= days_ahead <= 7
    assert "RW 024" in dialogue.title and "Kayuringin Jaya" in dialogue.title
    assert client.get(response["Location"]).status_code == 200


def test_the_staff_home_links_to_the_page_for_those_roles(client, scene):
    html = signed_in(client, scene.commander_selatan).get("/staff/").content.decode()
    assert 'id="safety-link"' in html
    desk = make_user("spkt", Role.DESK_OFFICER, scene.polsek_selatan)
    html = signed_in(client, desk).get("/staff/").content.decode()
    assert 'id="safety-link"' not in html


@pytest.mark.parametrize("size", [1, 12])
def test_the_page_queries_do_not_grow_with_the_data(
    client, area, size, django_assert_max_num_queries
):
    for i in range(size):
        case(area.rt001, category="pencurian", days_ago=i + 1)
        held_dialogue(area.officer_selatan, area.polsek_selatan, area.rw001, days_ago=i + 2)
    client = signed_in(client, area.commander_selatan)
    with django_assert_max_num_queries(18):
        response = client.get(URL)
    assert response.status_code == 200


def test_an_area_s_trend_is_a_chart_with_its_table(client, scene):
    response = signed_in(client, scene.officer_selatan).get(
        f"/staff/safety/areas/{scene.rw024.pk}/?unit={scene.polsek_selatan.pk}"
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert '<svg class="chart" id="trend-chart"' in html and "<title" in html
    assert html.count("<circle") == 12 and 'id="trend-table"' in html
    assert "style=" not in html.split('id="trend-chart"')[1].split("</svg>")[0]
    ranking = signed_in(client, scene.officer_selatan).get(URL).content.decode()
    assert f'href="/staff/safety/areas/{scene.rw024.pk}/?unit=' in ranking


def test_the_trend_of_another_unit_s_area_is_not_found(client, scene):
    response = signed_in(client, scene.officer_selatan).get(
        f"/staff/safety/areas/{scene.rw003_margahayu.pk}/?unit={scene.polsek_selatan.pk}"
    )
    assert response.status_code == 404


def test_before_and_after_states_its_method_and_refuses_a_reversed_period(client, scene):
    held_dialogue(scene.officer_selatan, scene.polsek_selatan, scene.rw024, days_ago=70)
    case(scene.rw024, days_ago=80)
    client = signed_in(client, scene.officer_selatan)
    response = client.get("/staff/safety/effects/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="method"' in html and "not proof" in html
    assert response.context["summary"].effects[0].before == 1
    today = local_today()
    bad = client.get(
        "/staff/safety/effects/",
        {"period_start": today, "period_end": today - timedelta(days=3)},
    )
    assert bad.status_code == 400
    assert signed_in(client, scene.resident).get("/staff/safety/effects/").status_code == 403
