"""The demo data (issue 9 point 6) makes the ranking meaningful: across Kota Bekasi,
RW 024 Kayuringin Jaya is among the high-need areas, for reasons the page states."""

from __future__ import annotations

from datetime import timedelta

from django.utils import translation

from kamtibmas.accounts.models import Role, User
from kamtibmas.areas.models import Unit
from kamtibmas.core.timefmt import local_today
from kamtibmas.safety.index import Component
from kamtibmas.safety.selectors import dialogue_recommendations

RW024 = "32.75.04.1005.024"
KAYURINGIN = "32.75.04.1005"


def test_rw_024_kayuringin_jaya_ranks_among_the_high_need_areas():
    polres = Unit.objects.get(name="Polres Metro Bekasi Kota")
    kapolres = User.objects.get(role=Role.COMMANDER, unit=polres)
    today = local_today()
    with translation.override("en"):
        planning = dialogue_recommendations(
            actor=kapolres,
            unit=polres,
            period_start=today - timedelta(days=90),
            period_end=today,
        )
    picture = planning.picture
    assert len(picture.rws) > 100  # RWs across the city, not only Kayuringin Jaya
    top_rws = [score.area.code for score in picture.rws[:3]]
    assert RW024 in top_rws
    assert picture.kelurahan[0].area.code == KAYURINGIN
    rw024 = next(score for score in picture.rws if score.area.code == RW024)
    # The stated reasons: open and overdue cases, households with vulnerability notes
    # in the aid register, and no dialogue since the one of 31 July 2025.
    counts = {part.component: part.counts for part in rw024.index.parts}
    assert counts[Component.UNRESOLVED]["open"] >= 3
    assert counts[Component.OVERDUE]["overdue"] >= 1
    assert counts[Component.AID]["vulnerable"] >= 5
    assert rw024.index.part(Component.GAP).normalised == 1
    explanations = {score.area.code: r.explanation for score, r in planning.items}
    assert RW024 in explanations
    assert "unresolved cases" in explanations[RW024]
    assert "households with vulnerability notes" in explanations[RW024]
