"""Routing rules: the pure function, and the defaults through the service."""

from kamtibmas.aspirations.models import RoutingRule, Status
from kamtibmas.aspirations.routing import CoveringUnit, RuleView, route

POLRES = CoveringUnit(id=1, kind="polres", depth=1, is_police=True, area_level=2)
POLSEK = CoveringUnit(id=2, kind="polsek", depth=2, is_police=True, area_level=3)
POST = CoveringUnit(id=3, kind="post", depth=3, is_police=True, area_level=4)
KELURAHAN = CoveringUnit(id=9, kind="kelurahan", depth=0, is_police=False, area_level=4)
CHAIN = [100, 200, 300, 400]  # province, regency, district, village


def rule(id, target, *, category="", responsible="", area_id=None, area_level=0, depth=1):
    return RuleView(
        id=id,
        jurisdiction_depth=depth,
        category=category,
        responsible=responsible,
        area_id=area_id,
        area_level=area_level,
        target_id=target,
    )


def test_without_rules_the_most_local_police_unit_handles_it():
    decision = route(
        category="keamanan",
        responsible="samapta",
        area_chain=CHAIN,
        rules=[],
        covering=[POLRES, POLSEK, POST],
    )
    assert decision is not None and (decision.unit_id, decision.reason) == (POST.id, "territorial")


def test_kelurahan_matters_go_to_the_kelurahan_office():
    decision = route(
        category="lingkungan",
        responsible="kelurahan",
        area_chain=CHAIN,
        rules=[],
        covering=[POLRES, POLSEK, KELURAHAN],
    )
    assert decision is not None and (decision.unit_id, decision.reason) == (KELURAHAN.id, "partner")


def test_a_more_specific_rule_wins():
    rules = [
        rule(1, 50, responsible="satreskrim"),
        rule(2, 51, category="pencurian", responsible="satreskrim"),
        rule(3, 52, category="pencurian", responsible="satreskrim", area_id=400, area_level=4),
        rule(4, 53, category="narkoba"),
    ]

    def target(category, responsible, chain=CHAIN):
        decision = route(
            category=category,
            responsible=responsible,
            area_chain=chain,
            rules=rules,
            covering=[POLRES, POLSEK],
        )
        assert decision is not None
        return decision.unit_id

    assert target("pencurian", "satreskrim") == 52
    assert target("kekerasan", "satreskrim") == 50
    assert target("narkoba", "satresnarkoba") == 53
    assert target("pencurian", "satreskrim", [100, 200, 300, 401]) == 51


def test_a_local_jurisdiction_beats_a_higher_one_at_equal_specificity():
    rules = [rule(1, 60, category="keamanan", depth=1), rule(2, 61, category="keamanan", depth=2)]
    decision = route(
        category="keamanan", responsible="samapta", area_chain=CHAIN, rules=rules, covering=[POLRES]
    )
    assert decision is not None and (decision.unit_id, decision.rule_id) == (61, 2)


def test_nothing_covers_the_area():
    assert (
        route(category="lainnya", responsible="spkt", area_chain=CHAIN, rules=[], covering=[])
        is None
    )


def test_default_rules_route_through_the_service(c2, submit):
    theft = submit("Motor saya dicuri di parkiran warung semalam, tolong ditindak.").aspiration
    assert theft.category == "pencurian" and theft.assigned_unit == c2.satreskrim
    assert theft.unit == c2.post_kayuringin  # the most local police unit of the area
    lamp = submit("Lampu jalan mati dan got mampet di RT 001, tolong diperbaiki.").aspiration
    assert lamp.category == "lingkungan" and lamp.assigned_unit == c2.kelurahan
    patrol = submit("Mohon patroli malam ditambah, banyak orang asing nongkrong.").aspiration
    assert patrol.assigned_unit == c2.post_kayuringin
    assert patrol.status == Status.RECEIVED


def test_an_admin_rule_for_one_village_overrides_the_default(c2, submit):
    RoutingRule.objects.create(
        jurisdiction=c2.polsek_selatan,
        category="keamanan",
        area=c2.kayuringin,
        target=c2.polsek_selatan,
    )
    case = submit("Mohon patroli malam ditambah, banyak orang asing nongkrong.").aspiration
    assert case.assigned_unit == c2.polsek_selatan
