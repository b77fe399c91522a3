"""The dashboard's figures added to the first slice, against a hand-built data set:
outreach topics, certificates by document, aid handed out against stock, overdue
follow-ups; and the drill-down by area (kecamatan → kelurahan → RW) with its child
areas, in a number of queries that does not grow with the data."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kamtibmas.aid.models import AidItem, AidLocation, StockEntry
from kamtibmas.aid.services import (
    aid_handout_record,
    aid_program_create,
    household_register,
    stock_receive,
)
from kamtibmas.aspirations.models import Status
from kamtibmas.certificates.models import Certificate, ReportSource
from kamtibmas.certificates.services import certificate_issue, loss_report_start
from kamtibmas.certificates.tests.conftest import SITI_NIK, desk, identity
from kamtibmas.core.timefmt import local_today
from kamtibmas.dashboards.tables import TABLE_NAMES, dashboard_tables
from kamtibmas.dashboards.tests.test_selectors import board, scene
from kamtibmas.engagements.models import FollowUp, FollowUpStatus, OutreachTopic, TopicDelivered
from kamtibmas.engagements.services import follow_up_create
from kamtibmas.safety.tests.conftest import area, english
from kamtibmas.safety.tests.factories import case, held_dialogue

pytestmark = pytest.mark.django_db

__all__ = ["area", "desk", "english", "scene"]  # the fixtures, imported for this module

KTP = {"type": "ktp", "details": {"nik": SITI_NIK}}
KK = {"type": "kk", "details": {"kk_number": "3275040101090011", "head": "Ahmad Yani"}}
SIM = {"type": "sim", "details": {"sim_number": "123456789012", "sim_class": "C"}}


def ago(days: float) -> datetime:
    return timezone.now() - timedelta(days=days)


def certificate(desk, unit, *, days_ago: float, items, lost_area=None, area=None) -> Certificate:
    report = loss_report_start(
        actor=desk.officer,
        source=ReportSource.DESK,
        unit=desk.polsek_selatan,
        identity=identity(),
        items=items,
        lost_on=date.today() - timedelta(days=60),
        lost_place="Pasar Baru Bekasi",
        lost_area=lost_area,
        area=area,
    )
    issued = certificate_issue(
        actor=desk.officer, report=report, identity_checked="KK", now=ago(days_ago)
    )
    if unit != desk.polsek_selatan:
        Certificate.objects.filter(pk=issued.pk).update(unit=unit)
    return issued


def follow_up(
    dialogue, owner, *, due_days_ago: int, created_days_ago: float = 0, **changes
) -> FollowUp:
    today = local_today() + timedelta(days=1)
    task = follow_up_create(
        dialogue=dialogue, title="Pasang lampu jalan", owner=owner, due_date=today
    )
    changes["due_date"] = task.due_date - timedelta(days=1) - timedelta(days=due_days_ago)
    if created_days_ago:
        changes["created_at"] = ago(created_days_ago)
    FollowUp.objects.filter(pk=task.pk).update(**changes)
    return task


@pytest.fixture
def more(scene, desk):
    """Topics, certificates, aid and follow-ups around the first slice's scene."""
    topics = {topic.code: topic for topic in OutreachTopic.objects.all()}
    for dialogue, codes in (
        (scene.d1, ["narkoba", "tawuran"]),
        (scene.d2, ["narkoba"]),
        (scene.d_before, ["tawuran"]),
        (scene.d_outside, ["narkoba"]),  # another unit
        (scene.cancelled, ["narkoba"]),  # not held
    ):
        for code in codes:
            TopicDelivered.objects.create(dialogue=dialogue, topic=topics[code])

    # Certificates: two this period (one by the post below the Polsek), one before,
    # one of Polsek Bekasi Timur.
    certificate(desk, desk.polsek_selatan, days_ago=3, items=[KTP, KK], lost_area=scene.rw024)
    certificate(desk, desk.post_kayuringin, days_ago=10, items=[KTP], area=scene.rw001)
    certificate(desk, desk.polsek_selatan, days_ago=40, items=[SIM], lost_area=scene.margahayu)
    certificate(desk, desk.polsek_timur, days_ago=2, items=[KTP])

    # Aid: 50 parcels and 30 snacks received 40 days ago, 10 parcels 3 days ago; one
    # family of RW 001 served 35 days ago, one of RW 024 (two children) 5 days ago.
    officer = scene.officer_selatan
    program = aid_program_create(
        actor=officer,
        unit=scene.polsek_selatan,
        name="Sembako",
        starts_on=scene.today - timedelta(days=60),
        ends_on=scene.today + timedelta(days=30),
        areas=[scene.kayuringin],
        items=[
            {"name": "Paket sembako"},
            {"name": "Snack anak", "measure": "bungkus", "per_child": True},
        ],
        locations=["Balai RW 024"],
    )
    sembako = AidItem.objects.get(program=program, name="Paket sembako")
    snacks = AidItem.objects.get(program=program, name="Snack anak")
    venue = AidLocation.objects.get(program=program)
    early = [
        stock_receive(actor=officer, item=sembako, location=venue, quantity=50).pk,
        stock_receive(actor=officer, item=snacks, location=venue, quantity=30).pk,
    ]
    StockEntry.objects.filter(pk__in=early).update(created_at=ago(40))
    late = stock_receive(actor=officer, item=sembako, location=venue, quantity=10)
    StockEntry.objects.filter(pk=late.pk).update(created_at=ago(3))
    households = [
        household_register(
            actor=officer, kk_number=kk, head_name="Ahmad", area=where, members=4, children=2
        )
        for kk, where in (("3275040101090011", scene.rw001), ("3275040101090012", scene.rw024))
    ]
    aid_handout_record(
        actor=officer,
        program=program,
        household=households[0],
        location=venue,
        recipient_name="Ahmad",
        at=ago(35),
    )
    aid_handout_record(
        actor=officer,
        program=program,
        household=households[1],
        location=venue,
        recipient_name="Ahmad",
        children_present=2,
        at=ago(5),
    )
    timur = aid_program_create(
        actor=scene.officer_timur,
        unit=scene.polsek_timur,
        name="Sembako Timur",
        starts_on=scene.today,
        ends_on=scene.today,
        areas=[scene.margahayu],
        items=[{"name": "Paket sembako"}],
        locations=["Pos"],
    )
    stock_receive(
        actor=scene.officer_timur,
        item=AidItem.objects.get(program=timur),
        location=AidLocation.objects.get(program=timur),
        quantity=99,
    )

    # Follow-ups (see test_follow_ups_overdue for the arithmetic).
    owner = scene.officer_selatan
    follow_up(scene.d1, owner, due_days_ago=3)
    follow_up(scene.d1, owner, due_days_ago=10)
    follow_up(scene.d1, owner, due_days_ago=-5)
    follow_up(
        scene.d1,
        owner,
        due_days_ago=40,
        created_days_ago=50,
        status=FollowUpStatus.DONE,
        done_at=ago(2),
    )
    follow_up(scene.d1, owner, due_days_ago=20, status=FollowUpStatus.CANCELLED)
    follow_up(scene.d_before, owner, due_days_ago=45, created_days_ago=50)
    follow_up(scene.d_outside, scene.officer_timur, due_days_ago=3)
    return SimpleNamespace(sembako=sembako, snacks=snacks, **vars(scene))


def test_outreach_topics_delivered_at_dialogues_held(more):
    dashboard = board(more)
    assert dashboard.current.topics == {"narkoba": 2, "tawuran": 1}
    assert dashboard.previous.topics == {"tawuran": 1}
    assert [t.code for t in dashboard.topics][:3] == [
        "pengawasan_anak",
        "jam_belajar_malam",
        "narkoba",
    ]
    summary = {row.key: row.cells for row in dashboard_tables(dashboard)["summary"].rows}
    assert summary["topics_delivered"] == (3, 1)


def test_certificates_issued_by_document(more):
    dashboard = board(more)
    now, before = dashboard.current, dashboard.previous
    assert now.certificates_issued == 2  # Bekasi Timur's is not counted
    assert {k: v for k, v in now.certificates_by_item.items() if v} == {"ktp": 2, "kk": 1}
    assert now.certificates_by_item["paspor"] == 0
    assert before.certificates_issued == 1
    assert {k: v for k, v in before.certificates_by_item.items() if v} == {"sim": 1}
    # Narrowed to an area: by the place of the loss, else the reporter's area.
    assert board(more, area=more.rw024).current.certificates_issued == 1
    assert board(more, area=more.rw001).current.certificates_by_item["ktp"] == 1
    assert board(more, area=more.kayuringin).previous.certificates_issued == 0  # lost elsewhere


def test_aid_handed_out_against_stock(more):
    dashboard = board(more)
    now, before = dashboard.current, dashboard.previous
    sembako, snacks = more.sembako.pk, more.snacks.pk
    assert set(now.aid) == {sembako, snacks}  # Bekasi Timur's program is not counted
    assert (now.aid[sembako].handed_out, now.aid[sembako].stock) == (1, 58)
    assert (now.aid[snacks].handed_out, now.aid[snacks].stock) == (2, 28)
    assert (before.aid[sembako].handed_out, before.aid[sembako].stock) == (1, 49)
    assert (before.aid[snacks].handed_out, before.aid[snacks].stock) == (0, 30)
    assert now.aid[sembako].label == "Paket sembako (paket), Sembako"
    table = dashboard_tables(dashboard)["aid"]
    assert [row.cells for row in table.rows] == [(1, 1, 58, 49), (2, 0, 28, 30)]
    # An area: what its households received, and no stock.
    rw024 = board(more, area=more.rw024)
    assert {pk: (line.handed_out, line.stock) for pk, line in rw024.current.aid.items()} == {
        sembako: (1, None),
        snacks: (2, None),
    }
    assert rw024.previous.aid == {}
    rw001 = board(more, area=more.rw001)
    assert rw001.current.aid == {} and rw001.previous.aid[sembako].handed_out == 1
    rows = dashboard_tables(rw024)["aid"].rows
    assert [row.cells for row in rows] == [(1, 0, None, None), (2, 0, None, None)]


def test_follow_ups_overdue(more):
    dashboard = board(more)
    now, before = dashboard.current, dashboard.previous
    # Now: open the ones due 3 and 10 days ago, the one due in 5 days and the one of
    # the earlier dialogue due 45 days ago; done and cancelled ones are not open.
    assert (now.follow_ups_open, now.follow_ups_overdue) == (4, 3)
    assert now.follow_ups_overdue_by_days == {"1_7": 1, "8_30": 1, "31_plus": 1}
    # At the end of the previous period (the day after it: 29 days ago): the two
    # created 50 days ago were open (one done only 2 days ago), 11 and 16 days late.
    assert (before.follow_ups_open, before.follow_ups_overdue) == (2, 2)
    assert before.follow_ups_overdue_by_days == {"1_7": 0, "8_30": 2, "31_plus": 0}
    rows = {row.key: row.cells for row in dashboard_tables(dashboard)["followups"].rows}
    assert rows == {
        "open": (4, 2),
        "overdue": (3, 2),
        "overdue_1_7": (1, 0),
        "overdue_8_30": (1, 2),
        "overdue_31_plus": (1, 0),
    }
    assert board(more, area=more.rw024).current.follow_ups_overdue == 1


def test_the_unit_level_lists_the_kecamatan_of_its_coverage(more):
    dashboard = board(more)
    assert dashboard.children == [more.selatan]
    assert dashboard.current.by_child[more.selatan.pk].received == 5
    polres = board(more, more.commander_polres, unit=more.polres)
    assert polres.children == [more.timur, more.selatan]  # by code
    assert polres.current.by_child[more.timur.pk].received == 1
    assert polres.current.by_child[more.timur.pk].dialogues_held == 1
    assert polres.current.by_child[more.selatan.pk].dialogues_held == 2


def test_drilling_down_groups_by_the_child_areas(more):
    kecamatan = board(more, area=more.selatan)
    assert kecamatan.children == [more.kayuringin] and kecamatan.ancestors == []
    assert kecamatan.current.received == 5
    kelurahan = board(more, area=more.kayuringin)
    assert kelurahan.ancestors == [more.selatan]
    assert [child.pk for child in kelurahan.children] == [more.rw001.pk, more.rw024.pk]
    now = kelurahan.current.by_child
    # RW 024: case 1, the case of its RT 001 (both resolved) and a rejected one.
    assert (now[more.rw024.pk].received, now[more.rw024.pk].share_resolved) == (3, 100.0)
    assert now[more.rw024.pk].dialogues_held == 1
    assert (now[more.rw001.pk].received, now[more.rw001.pk].dialogues_held) == (1, 1)
    # The case placed at the kelurahan itself lies in no RW.
    assert (now[None].received, now[None].share_resolved) == (1, 0.0)
    before = kelurahan.previous.by_child
    assert (before[more.rw024.pk].received, before[more.rw024.pk].dialogues_held) == (2, 1)
    table = dashboard_tables(kelurahan)["areas"]
    assert [(row.key, row.cells) for row in table.rows] == [
        (str(more.rw001.pk), (1, 0, 100.0, None, 1, 0)),
        (str(more.rw024.pk), (3, 2, 100.0, 100.0, 1, 1)),
        ("none", (1, 0, 0.0, None, 0, 0)),
    ]
    rw = board(more, area=more.rw024)
    assert rw.children == [] and rw.ancestors == [more.selatan, more.kayuringin]
    assert (rw.current.received, rw.current.resolved, rw.current.dialogues_held) == (3, 2, 1)
    assert rw.current.attendance == 10
    assert dashboard_tables(rw)["areas"].rows == ()


def test_an_area_outside_the_unit_or_of_another_level_is_refused(more):
    for outside in (more.margahayu, more.timur, more.rw003_margahayu, more.kota, more.rt001):
        with pytest.raises(PermissionDenied):
            board(more, area=outside)
    # Polsek Bekasi Timur's commander cannot open Selatan's areas through their unit.
    with pytest.raises(PermissionDenied):
        board(more, more.commander_timur, unit=more.polsek_timur, area=more.kayuringin)


def test_another_units_data_is_never_counted(more):
    timur = board(more, more.commander_timur, unit=more.polsek_timur, area=more.margahayu)
    now = timur.current
    assert (now.received, now.dialogues_held, now.attendance) == (1, 1, 99)
    assert now.topics == {"narkoba": 1}
    assert now.certificates_issued == 0  # Polsek Timur's certificate has no place
    assert now.follow_ups_overdue == 1
    assert now.aid == {}  # its stock is not in an area
    assert (
        board(more, more.commander_timur, unit=more.polsek_timur).current.certificates_issued == 1
    )


def test_every_table_has_cells_for_each_column(more):
    for where in (None, more.kayuringin):
        tables = dashboard_tables(board(more, area=where))
        assert tuple(tables) == TABLE_NAMES
        for table in tables.values():
            assert all(len(row.cells) == len(table.columns) - 1 for row in table.rows)


def test_a_fixed_number_of_queries_with_an_area_whatever_the_data_size(more):
    def queries(area) -> int:
        with CaptureQueriesContext(connection) as captured:
            board(more, area=area)
        return len(captured.captured_queries)

    board(more)  # the actor's scope is computed once per user object
    small = {area.pk: queries(area) for area in (more.selatan, more.kayuringin, more.rw024)}
    for days in range(1, 8):
        for where in (more.rw001, more.rw024, more.rt001, more.kayuringin):
            case(where, days_ago=days, status=Status.RESOLVED)
        dialogue = held_dialogue(
            more.officer_selatan, more.polsek_selatan, more.rw001, days_ago=days
        )
        follow_up(dialogue, more.officer_selatan, due_days_ago=days)
        TopicDelivered.objects.create(dialogue=dialogue, topic=OutreachTopic.objects.all()[0])
    assert board(more, area=more.kayuringin).current.received == 5 + 28
    assert {area.pk: queries(area) for area in (more.selatan, more.kayuringin, more.rw024)} == small
    # The unit's 15 and the area's ancestors; an RW has no children to look up.
    assert small == {more.selatan.pk: 16, more.kayuringin.pk: 16, more.rw024.pk: 15}
