"""The demo data (§8) on a real registry: the 31 July 2025 dialogue as the article
reports it, a few months of other dialogues across Kota Bekasi, and a second run of
every demo step that creates nothing new."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from kamtibmas.accounts.models import User
from kamtibmas.areas.models import Area, Unit
from kamtibmas.core.tests.demo import run_demo_steps
from kamtibmas.core.timefmt import format_local, local_today
from kamtibmas.engagements.demo import REFERENCE_TITLE, SELATAN, other_specs
from kamtibmas.engagements.models import (
    Dialogue,
    DialogueOfficial,
    DialogueStatus,
    FindingResult,
    FollowUp,
    FollowUpStatus,
    Inspection,
    InspectionFinding,
    SpotAnswer,
    TopicDelivered,
)
from kamtibmas.engagements.selectors import dialogue_public_list, follow_ups_overdue

pytestmark = pytest.mark.slow

COUNTED = [Area, Unit, User, Dialogue, DialogueOfficial, TopicDelivered, SpotAnswer]
COUNTED += [Inspection, InspectionFinding, FollowUp]


def snapshot() -> dict[str, object]:
    return {
        "counts": {model.__name__: model._default_manager.count() for model in COUNTED},
        "dialogues": sorted(Dialogue.objects.values_list("title", "planned_start", "status")),
        "follow_ups": sorted(FollowUp.objects.values_list("title", "status", "due_date")),
    }


@pytest.fixture
def reference() -> Dialogue:
    return Dialogue.objects.select_related("type", "area", "unit", "host").get(
        title=REFERENCE_TITLE
    )


def test_the_reference_dialogue_is_held_where_and_when_the_article_says(reference):
    assert reference.type.code == "ngopi_kamtibmas"
    assert reference.status == DialogueStatus.HELD
    assert reference.area.code == "32.75.04.1005.024.001"
    assert [a.name for a in reference.area.ancestors()][1:] == [
        "Kota Bekasi",
        "Bekasi Selatan",
        "Kayuringin Jaya",
        "RW 024",
    ]
    assert format_local(reference.start, zone=reference.area, language="id") == (
        "Kamis, 31 Juli 2025 pukul 10.10 WIB"
    )
    assert reference.venue_name == "Slum Area samping lokasi setempat"
    assert reference.unit.name == "Polres Metro Bekasi Kota"
    assert reference.host.username == "kapolres"
    assert reference.is_public


def test_about_30_residents_and_leaders_came_with_their_children(reference):
    assert reference.residents_count + reference.leaders_count == 30
    assert reference.leaders_count > 0
    assert reference.children_count > 0


def test_the_officials_are_named_by_role_only(reference):
    officials = list(reference.officials.values_list("position", "institution", "name"))

    assert officials == [
        ("Kapolres Metro Bekasi Kota", "Polres Metro Bekasi Kota", ""),
        ("Ketua RW 024", "Kelurahan Kayuringin Jaya", ""),
        ("Sekretaris Kecamatan (Sekcam) Bekasi Selatan", "Kecamatan Bekasi Selatan", ""),
    ]


def test_the_three_outreach_topics_are_recorded_in_the_articles_words(reference):
    notes = dict(reference.topics.values_list("topic__code", "notes"))

    assert set(notes) == {"pengawasan_anak", "jam_belajar_malam", "narkoba"}
    assert "mengawasi anak-anak" in notes["pengawasan_anak"]
    assert "jam belajar malam" in notes["jam_belajar_malam"]
    assert "penyalahgunaan narkoba" in notes["narkoba"]


def test_the_lost_document_question_was_answered_free_of_charge(reference):
    [answer] = reference.answers.all()

    assert "dokumen yang hilang" in answer.question
    assert "tidak dipungut biaya" in answer.answer
    assert "pos polisi terdekat" in answer.answer
    assert "bertukar nomor" in answer.answer
    assert answer.answered_by == "Kapolres Metro Bekasi Kota"


def test_the_minutes_summarise_what_each_speaker_said(reference):
    minutes = reference.minutes

    assert "Ketua RW 024" in minutes and "rawan" in minutes
    assert "Sekcam Bekasi Selatan" in minutes and "ekonomi hingga keamanan" in minutes
    assert "tidak dipungut biaya" in minutes
    assert "sembako" in minutes and "camilan kepada anak-anak" in minutes
    assert "meninjau" in minutes


def test_the_inspection_found_problems_that_became_follow_ups(reference):
    inspection = reference.inspection
    results = dict(inspection.findings.values_list("item__code", "result"))
    follow_ups = {
        f.finding.item.code: f for f in reference.follow_ups.select_related("finding__item")
    }
    bhabin = User.objects.get(username="bhabin")

    assert inspection.inspected_at > reference.end
    assert results == {
        "penerangan_jalan": FindingResult.PROBLEM,
        "pos_siskamling": FindingResult.OK,
        "cctv": FindingResult.PROBLEM,
        "instalasi_listrik": FindingResult.PROBLEM,
        "akses_darurat": FindingResult.PROBLEM,
    }
    assert set(follow_ups) == {k for k, v in results.items() if v == FindingResult.PROBLEM}
    assert {f.owner for f in follow_ups.values()} == {bhabin}
    assert follow_ups["penerangan_jalan"].due_date == date(2025, 8, 14)
    assert follow_ups["akses_darurat"].due_date == date(2025, 9, 30)
    assert follow_ups["penerangan_jalan"].status == FollowUpStatus.DONE
    assert follow_ups["penerangan_jalan"].outcome
    assert follow_ups["instalasi_listrik"].status == FollowUpStatus.OPEN
    assert follow_ups["instalasi_listrik"] in follow_ups_overdue(user=bhabin)


def test_other_dialogues_cover_kota_bekasi_over_the_past_months():
    held = Dialogue.objects.filter(status=DialogueStatus.HELD).exclude(title=REFERENCE_TITLE)
    now = timezone.now()

    assert 25 <= held.count() <= 40
    assert held.filter(planned_start__lt=now - timedelta(days=90)).exists()
    assert held.filter(planned_start__gt=now - timedelta(days=14)).exists()
    kecamatan = {area.code[:8] for area in Area.objects.filter(dialogues__in=held)}
    assert len(kecamatan) >= 4
    assert {d.type.code for d in held} >= {
        "jumat_curhat",
        "minggu_kasih",
        "ngopi_kamtibmas",
        "kunjungan_sekolah",
        "sambang",
    }
    assert not held.filter(type__code="sambang", is_public=True).exists()
    assert not held.filter(topics__isnull=True).exists()
    assert all(d.attendance_total > 0 for d in held)
    assert held.filter(answers__isnull=False).exists()
    assert held.filter(inspection__isnull=False).exists()


def test_each_dialogue_is_organised_by_the_unit_covering_its_place():
    others = Dialogue.objects.exclude(title=REFERENCE_TITLE).select_related("area", "unit", "host")
    for dialogue in others:
        in_selatan = dialogue.area.code.startswith(SELATAN)
        expected = "Polsek Bekasi Selatan" if in_selatan else "Polres Metro Bekasi Kota"
        assert dialogue.unit.name == expected, dialogue.title
        assert dialogue.host is not None
        assert dialogue.host.username == ("bhabin" if in_selatan else "kapolres")


def test_upcoming_public_dialogues_and_cancellations_are_announced():
    upcoming, recent = dialogue_public_list()
    planned = [d for d in upcoming if d.status == DialogueStatus.PLANNED]
    cancelled = Dialogue.objects.filter(status=DialogueStatus.CANCELLED)

    assert len(planned) >= 4
    assert all(d.planned_start <= timezone.now() + timedelta(days=21) for d in planned)
    assert len(recent) >= 10
    assert cancelled.count() >= 2
    assert all(d.cancel_reason for d in cancelled)


def test_follow_ups_are_open_overdue_and_done():
    statuses = set(FollowUp.objects.values_list("status", flat=True))
    due_later = FollowUp.objects.filter(
        status=FollowUpStatus.OPEN, due_date__gte=local_today(), finding__isnull=True
    )

    assert statuses == {FollowUpStatus.OPEN, FollowUpStatus.DONE}
    assert follow_ups_overdue(user=User.objects.get(username="kapolres")).count() >= 3
    assert due_later.exists()  # promises made at recent dialogues


def test_the_generated_dialogues_are_the_same_every_time_and_unique():
    specs = other_specs()

    assert specs == other_specs()
    assert len({(s.title, s.day, s.start) for s in specs}) == len(specs)


def test_running_the_demo_again_creates_nothing():
    before = snapshot()

    run_demo_steps()

    assert snapshot() == before


def test_running_the_demo_weeks_later_keeps_the_first_dates(monkeypatch):
    before = snapshot()
    later = timezone.now() + timedelta(days=23)
    monkeypatch.setattr(timezone, "now", lambda: later)

    run_demo_steps()

    assert snapshot() == before


def test_reference_dialogue_is_rendered_with_its_facts(client, reference):
    """The public page and the staff page of the 31 July 2025 dialogue tell what the
    article tells."""
    public = client.get(f"/events/{reference.pk}/").content.decode()
    for fact in (
        "Ngopi Kamtibmas",
        "Kamis, 31 Juli 2025 pukul 10.10 WIB",
        "Slum Area samping lokasi setempat",
        "RT 001/RW 024",
        "Kayuringin Jaya",
        "Bekasi Selatan",
        "Polres Metro Bekasi Kota",
        "Jam belajar malam",
        "Ketua RW 024",
    ):
        assert fact in public, fact
    client.force_login(User.objects.get(username="kapolres"))
    staff = client.get(f"/staff/dialogues/{reference.pk}/").content.decode()
    for fact in (
        "Kamis, 31 Juli 2025 pukul 10.10 WIB",
        "Sekretaris Kecamatan",
        "Bahaya penyalahgunaan narkoba",
        "tidak dipungut biaya",
        "Penerangan jalan",
        "rawan",
    ):
        assert fact in staff, fact
