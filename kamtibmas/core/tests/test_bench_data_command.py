"""``kamtibmas bench_data``: synthetic aspirations in bulk, seeded, with histories."""

from __future__ import annotations

import io
import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from kamtibmas.aspirations.models import Aspiration, AspirationUpdate, Privacy, Status
from kamtibmas.aspirations.synthetic import aspirations_synthetic_create
from kamtibmas.aspirations.synthetic_bulk import aspirations_synthetic_bulk_create
from kamtibmas.core.baselines import W0_TABLE
from kamtibmas.engagements.models import Dialogue, TopicDelivered
from kamtibmas.surveys.models import SurveyResponse


def test_fills_the_covered_kelurahan_with_cases_and_their_histories(bekasi):
    output = io.StringIO()
    call_command("bench_data", aspirations=60, without_demo=True, verbosity=0, stdout=output)
    assert "60 created" in output.getvalue()

    cases = list(Aspiration.objects.select_related("area"))
    assert len(cases) == 60
    villages = {bekasi.kayuringin.pk, bekasi.margahayu.pk}
    assert {case.area.village_id for case in cases} == villages  # RW areas in both
    assert {case.unit_id for case in cases} <= {bekasi.post_kayuringin.pk, bekasi.post_margahayu.pk}
    assert len({case.privacy for case in cases}) > 1
    for case in cases:
        history = list(case.updates.filter(kind="status").order_by("created_at", "id"))
        assert history[0].to_status == Status.RECEIVED and history[0].is_public
        assert history[-1].to_status == case.status
        assert all(a.created_at <= b.created_at for a, b in itertools.pairwise(history))
        assert case.received_at <= case.updated_at
        if case.privacy == Privacy.ANONYMOUS:
            assert (case.reporter_name, case.reporter_phone, case.latitude) == (None, None, None)
    assert AspirationUpdate.objects.filter(is_public=False).exists()  # handlers' own notes

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {W0_TABLE}")  # noqa: S608
        assert cursor.fetchone() == (0,)


def test_the_same_seed_draws_the_same_cases_and_a_second_run_adds_none(bekasi):
    first = aspirations_synthetic_create(count=30, seed=7)
    numbers = set(Aspiration.objects.values_list("number", flat=True))
    again = aspirations_synthetic_create(count=40, seed=7)
    assert (first.created, again.created, again.existing) == (30, 10, 30)
    assert numbers < set(Aspiration.objects.values_list("number", flat=True))


@override_settings(PRODUCTION=True)
def test_refuses_to_run_in_production():
    with pytest.raises(CommandError):
        call_command("bench_data", aspirations=1, without_demo=True)


def test_needs_a_covered_kelurahan_of_kota_bekasi(db):
    with pytest.raises(CommandError, match="Kota Bekasi"):
        call_command("bench_data", aspirations=1, without_demo=True, verbosity=0)


def test_the_bulk_path_writes_readable_cases_histories_and_dialogues(bekasi):
    output = io.StringIO()
    call_command(
        "bench_data", aspirations=80, bulk=True, without_demo=True, verbosity=0, stdout=output
    )
    assert "80 created" in output.getvalue()
    cases = list(Aspiration.objects.select_related("area"))
    assert len(cases) == 80
    assert {case.area.village_id for case in cases} <= {bekasi.kayuringin.pk, bekasi.margahayu.pk}
    named = [case for case in cases if case.reporter_name]
    assert named and all(case.reporter_name.count(" ") >= 1 for case in named)  # decrypted
    for case in cases:
        history = list(case.updates.filter(kind="status").order_by("created_at", "id"))
        assert history[0].to_status == Status.RECEIVED
        assert history[-1].to_status == case.status
        if case.privacy == Privacy.ANONYMOUS:
            assert (case.reporter_name, case.reporter_phone, case.latitude) == (None, None, None)
        if case.status == Status.RESOLVED:
            assert case.resolved_at is not None and case.closed_at == case.resolved_at
    assert Dialogue.objects.filter(status="held").exists()
    assert SurveyResponse.objects.exists() and TopicDelivered.objects.exists()

    again = aspirations_synthetic_bulk_create(count=100, seed=20251128)
    assert (again.created, again.existing) == (20, 80)
    drawn = set(Aspiration.objects.values_list("number", flat=True))
    assert len(drawn) == 100


def test_the_bulk_path_draws_the_same_cases_as_the_seed_says(bekasi):
    aspirations_synthetic_bulk_create(count=25, seed=3)
    first = sorted(Aspiration.objects.values_list("number", "category", "status", "area__code"))
    Aspiration.objects.all().delete()
    aspirations_synthetic_bulk_create(count=25, seed=3)
    assert (
        sorted(Aspiration.objects.values_list("number", "category", "status", "area__code"))
        == first
    )
