"""Intake remembers reference data per process (``core.reference``), and a change to
it is seen by the very next report: routing rules, coverage, SLA settings, areas."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kamtibmas.api.tests.client import api_client
from kamtibmas.areas.models import Area, UnitKind
from kamtibmas.areas.selectors import area_remembered, unit_remembered
from kamtibmas.areas.services import area_rw_get_or_create, unit_create, unit_update
from kamtibmas.aspirations.models import Aspiration, RoutingRule, SlaSetting
from kamtibmas.aspirations.services import covering_units, sla_context
from kamtibmas.core.models import ReferenceVersion
from kamtibmas.core.reference import remembered

pytestmark = pytest.mark.django_db

PATROL = "Mohon patroli malam ditambah, banyak orang asing nongkrong."


def _name(**lookup: object) -> str:
    area = area_remembered(**lookup)  # type: ignore[arg-type]
    assert area is not None
    return area.name


def _stamp() -> str:
    return ReferenceVersion.objects.get(pk=1).stamp


def test_a_second_report_reads_no_reference_data(c2, submit, django_assert_num_queries):
    submit(PATROL)
    calls = []

    def compute():
        calls.append(1)
        return "answer"

    assert remembered(("test", 1), compute) == remembered(("test", 1), compute) == "answer"
    assert len(calls) == 1
    with django_assert_num_queries(1):  # the stamp
        covering_units(c2.rt001)


def test_a_new_routing_rule_routes_the_next_report(c2, submit):
    assert submit(PATROL).aspiration.assigned_unit == c2.post_kayuringin

    RoutingRule.objects.create(
        jurisdiction=c2.polsek_selatan, category="keamanan", area=c2.kayuringin,
        target=c2.polsek_selatan,
    )  # fmt: skip

    assert submit(PATROL).aspiration.assigned_unit == c2.polsek_selatan


def test_a_unit_that_takes_over_the_coverage_gets_the_next_report(c2, submit):
    assert submit(PATROL).aspiration.unit == c2.post_kayuringin

    post = unit_create(
        name="Pos Polisi RW 024", kind=UnitKind.POST, parent=c2.post_kayuringin,
        coverage=[c2.rw024], area=c2.rw024,
    )  # fmt: skip

    assert submit(PATROL).aspiration.unit == post
    assert post.pk in {unit.id for unit in covering_units(c2.rt001)}


def test_a_unit_renamed_is_named_anew(c2, submit):
    submit(PATROL)
    assert unit_remembered(c2.post_kayuringin.pk).name == "Pos Polisi Kayuringin"

    unit_update(unit=c2.post_kayuringin, data={"name": "Pos Polisi Kayuringin Jaya"})

    assert unit_remembered(c2.post_kayuringin.pk).name == "Pos Polisi Kayuringin Jaya"
    assert submit(PATROL).aspiration.unit.name == "Pos Polisi Kayuringin Jaya"


def test_a_new_sla_setting_sets_the_next_deadlines(c2, submit):
    before = submit(PATROL).aspiration
    policy, _calendar = sla_context(c2.post_kayuringin)
    assert policy.verify_days == 3

    SlaSetting.objects.create(unit=c2.polsek_selatan, policy={"verify_days": 6})

    assert sla_context(c2.post_kayuringin)[0].verify_days == 6
    assert submit(PATROL).aspiration.verify_by > before.verify_by


def test_an_area_renamed_is_named_anew(c2):
    assert _name(code=c2.kayuringin.code) == "Kayuringin Jaya"
    stamp = _stamp()

    Area.objects.filter(pk=c2.kayuringin.pk).update(name="Kayuringin")  # behind the signals
    assert _name(code=c2.kayuringin.code) == "Kayuringin Jaya"
    c2.kayuringin.name = "Kayuringin"
    c2.kayuringin.save()
    assert _stamp() != stamp
    assert _name(code=c2.kayuringin.code) == "Kayuringin"


def test_an_area_created_in_a_rolled_back_transaction_is_not_remembered(c2):
    """SQLite hands a rolled-back row's id to the next row: what was remembered of it
    inside that transaction must not outlive it."""
    with pytest.raises(RuntimeError), transaction.atomic():
        rw = area_rw_get_or_create(village=c2.kayuringin, number=7)
        assert _name(code=rw.code) == "RW 007"  # remembered inside the transaction
        covering_units(rw)
        raise RuntimeError("rolled back")

    assert area_remembered(code="32.75.04.1005.007") is None
    other = area_rw_get_or_create(village=c2.margahayu, number=9)
    assert {u.id for u in covering_units(other)} >= {c2.post_margahayu.pk}
    assert c2.post_kayuringin.pk not in {u.id for u in covering_units(other)}


def test_a_change_made_by_another_process_is_seen_at_once(c2):
    """Another process commits a change: it writes a new stamp, and this process's
    next lookup sees it (the stamp is read from the database every time)."""
    assert _name(pk=c2.kayuringin.pk) == "Kayuringin Jaya"
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE areas_area SET name = 'Kayuringin Baru' WHERE id = %s", [c2.kayuringin.pk]
        )
        cursor.execute("UPDATE core_referenceversion SET stamp = 'another-process' WHERE id = 1")

    assert _name(pk=c2.kayuringin.pk) == "Kayuringin Baru"


def test_a_rolled_back_change_leaves_what_was_remembered_true(c2, submit):
    stamp = _stamp()
    with pytest.raises(RuntimeError), transaction.atomic():
        RoutingRule.objects.create(
            jurisdiction=c2.polsek_selatan, category="keamanan", target=c2.polsek_selatan
        )
        assert _stamp() != stamp
        assert submit(PATROL).aspiration.assigned_unit == c2.polsek_selatan
        raise RuntimeError("rolled back")

    assert _stamp() == stamp
    assert submit(PATROL).aspiration.assigned_unit == c2.post_kayuringin


def test_what_is_remembered_is_a_copy_of_its_own(c2):
    first = unit_remembered(c2.post_kayuringin.pk)
    first.name = "changed by a caller"

    assert unit_remembered(c2.post_kayuringin.pk).name == "Pos Polisi Kayuringin"


INTAKE = {
    "text": "Mohon patroli malam ditambah, banyak orang asing nongkrong di pos ronda.",
    "area": "32.75.04.1005",
    "rw": 24,
    "rt": 1,
    "privacy": "anonymous",
}


def _api_submit(client):
    answer = client.post("/api/v1/aspirations", INTAKE, content_type="application/json")
    assert answer.status_code == 201, answer.content
    return Aspiration.objects.get(pk=answer.json()["id"])


def test_an_api_submit_reads_the_stamp_with_the_token_on_postgresql(c2):
    """On PostgreSQL the token's query brings the stamp along (one round trip fewer);
    on SQLite the stamp is read inside the write transaction, as the snapshot needs."""
    cache.clear()
    client = api_client(c2.officer_selatan)
    _api_submit(client)  # fills the memory
    with CaptureQueriesContext(connection) as queries:
        _api_submit(client)
    stamps = [q["sql"] for q in queries if "core_referenceversion" in q["sql"]]
    assert len(stamps) == 1
    assert ("accounts_apitoken" in stamps[0]) is (connection.vendor == "postgresql")


def test_a_stamp_brought_along_never_serves_later_work(c2, submit):
    """A stamp read with a request's token serves that request only: a routing rule
    made after it routes the next report, even one sent without a token."""
    cache.clear()
    client = api_client(c2.officer_selatan)
    assert _api_submit(client).assigned_unit == c2.post_kayuringin  # memory filled
    client.get("/api/v1/aspirations")  # brings a stamp along, takes no snapshot
    RoutingRule.objects.create(
        jurisdiction=c2.polsek_selatan, category="keamanan", area=c2.kayuringin,
        target=c2.polsek_selatan,
    )  # fmt: skip
    assert submit(PATROL).aspiration.assigned_unit == c2.polsek_selatan
    assert _api_submit(client).assigned_unit == c2.polsek_selatan
