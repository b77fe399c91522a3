"""The "was it really fixed?" questionnaire, the SLA sweep and the reporter's side."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kamtibmas.aspirations.lifecycle import Action
from kamtibmas.aspirations.models import Aspiration, Privacy, Status, Survey, TriageCorrection
from kamtibmas.aspirations.services import (
    aspiration_act,
    aspiration_message_from_reporter,
    aspiration_note_add,
    aspiration_triage_confirm,
    aspirations_sla_sweep,
    survey_answer,
    survey_open_for,
    surveys_send_due,
)
from kamtibmas.notifications.models import OutboxMessage


def resolve(case, officer):
    aspiration_act(actor=officer, aspiration=case, action=Action.VERIFY)
    return aspiration_act(
        actor=officer, aspiration=case, action=Action.RESOLVE, text="Patroli malam ditambah."
    )


def make_due(case):
    Survey.objects.filter(aspiration=case).update(due_at=timezone.now() - timedelta(minutes=1))


def test_the_questionnaire_comes_28_days_after_resolution(c2, submit):
    case = resolve(submit().aspiration, c2.commander_selatan)
    survey = Survey.objects.get(aspiration=case)
    assert timedelta(days=27, hours=23) < survey.due_at - timezone.now() <= timedelta(days=28)
    assert survey_open_for(case) is None
    assert surveys_send_due() == 0
    make_due(case)
    assert surveys_send_due() == 1
    assert surveys_send_due() == 0  # once
    asked = OutboxMessage.objects.filter(
        topic=f"aspiration:{case.pk}", dedupe_key__contains="survey"
    )
    assert asked.count() == 1


def test_not_fixed_reopens_and_tells_the_handler(c2, submit):
    theft = "Motor saya dicuri di parkiran warung semalam."
    case = resolve(submit(theft, category="pencurian").aspiration, c2.commander_selatan)
    assert case.assigned_unit == c2.satreskrim  # whose handler has an email address
    make_due(case)
    before = OutboxMessage.objects.count()
    survey_answer(aspiration=case, fixed=False, satisfaction=2, safety=2, comment="Masih gelap")
    case.refresh_from_db()
    assert case.status == Status.REOPENED and case.reopened_count == 1
    assert case.resolve_by > timezone.now()
    assert OutboxMessage.objects.count() > before
    with pytest.raises(ValidationError):  # the case is no longer resolved
        survey_answer(aspiration=case, fixed=True, satisfaction=5, safety=5)


def test_a_second_answer_is_refused_and_changes_nothing(c2, submit):
    case = resolve(submit().aspiration, c2.commander_selatan)
    make_due(case)
    survey_answer(aspiration=case, fixed=True, satisfaction=5, safety=4)
    with pytest.raises(ValidationError) as raised:
        survey_answer(aspiration=case, fixed=False, satisfaction=1, safety=1)
    assert "already answered" in " ".join(raised.value.messages)
    survey = Survey.objects.get(aspiration=case)
    assert (survey.fixed, survey.satisfaction, survey.safety) == (True, 5, 4)
    assert Aspiration.objects.get(pk=case.pk).status == Status.RESOLVED


@pytest.mark.parametrize("value", [0, 6, -1])
def test_scores_are_one_to_five(c2, submit, value):
    case = resolve(submit().aspiration, c2.commander_selatan)
    make_due(case)
    with pytest.raises(ValidationError):
        survey_answer(aspiration=case, fixed=True, satisfaction=value, safety=3)
    assert Survey.objects.get(aspiration=case).answered_at is None


def test_the_sweep_escalates_overdue_cases_once(c2, submit):
    case = submit().aspiration
    later = timezone.now() + timedelta(days=10)
    assert aspirations_sla_sweep(now=later) == 1
    assert aspirations_sla_sweep(now=later) == 0
    escalation = case.updates.get(kind="escalation")
    assert "not verified in time" in escalation.text
    assert Aspiration.objects.get(pk=case.pk).escalated_at is not None


def test_a_case_within_its_deadlines_is_left_alone(c2, submit):
    case = submit().aspiration
    aspiration_note_add(
        actor=c2.commander_selatan, aspiration=case, text="Sedang dicek.", is_public=True
    )
    assert aspirations_sla_sweep(now=timezone.now() + timedelta(hours=1)) == 0


def test_a_rolled_back_change_sends_nothing(c2, submit):
    case = submit().aspiration
    before = OutboxMessage.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        aspiration_act(actor=c2.commander_selatan, aspiration=case, action=Action.VERIFY)
        raise RuntimeError("the request failed after the change")
    assert OutboxMessage.objects.count() == before
    assert Aspiration.objects.get(pk=case.pk).status == Status.RECEIVED


def test_corrections_are_kept_with_the_text_for_training(c2, submit):
    case = submit("Ada anak-anak balap liar tiap malam minggu di jalan raya.").aspiration
    aspiration_triage_confirm(
        actor=c2.commander_selatan, aspiration=case, category="remaja", urgency="sedang"
    )
    correction = TriageCorrection.objects.get(aspiration=case)
    assert correction.text == case.text
    assert (correction.category, correction.urgency) == ("remaja", "sedang")


def test_anonymous_reporters_write_through_their_code_only(c2, submit):
    case = submit(
        "Ada yang jual sabu di rumah kontrakan ujung gang.",
        privacy=Privacy.ANONYMOUS,
        reporter_name="",
        reporter_phone="",
        notify_by="",
    ).aspiration
    update = aspiration_message_from_reporter(aspiration=case, text="Malam ini ramai lagi.")
    assert update.author is None and not update.is_public
    assert (update.created_at.hour, update.created_at.minute) == (17, 0)


def test_referral_to_a_partner_sets_its_answer_deadline_and_hides_it_from_others(c2, submit):
    case = submit("Mohon patroli malam ditambah, banyak orang asing nongkrong.").aspiration
    aspiration_act(actor=c2.commander_selatan, aspiration=case, action=Action.VERIFY)
    case = aspiration_act(
        actor=c2.commander_selatan, aspiration=case, action=Action.REFER, unit=c2.kelurahan
    )
    assert case.partner_answer_by is not None
    from kamtibmas.aspirations.selectors import aspiration_list

    assert list(aspiration_list(user=c2.partner_kelurahan)) == [case]
    other = submit("Motor saya dicuri di depan warung tadi malam.").aspiration
    assert other not in aspiration_list(user=c2.partner_kelurahan)
    with pytest.raises(ValidationError):
        aspiration_act(
            actor=c2.commander_selatan,
            aspiration=other,
            action=Action.REFER,
            unit=c2.post_margahayu,
        )


def test_reporters_of_a_merged_case_hear_of_the_original(c2, submit):
    original = submit("Lampu jalan di RT 03 mati sudah seminggu.").aspiration
    repeat = submit(
        "PJU RT03 padam udh 1 minggu", reporter_name="Siti", reporter_phone="0813-1111-2222"
    ).aspiration
    officer = c2.commander_selatan
    aspiration_act(
        actor=officer, aspiration=repeat, action=Action.MARK_DUPLICATE, duplicate_of=original
    )
    merged = OutboxMessage.objects.filter(
        topic=f"aspiration:{repeat.pk}", dedupe_key__contains="merged"
    )
    assert merged.count() == 1 and original.number in merged.get().body
    aspiration_note_add(
        actor=officer, aspiration=original, text="Lampu diganti besok pagi.", is_public=True
    )
    told = [m.body for m in OutboxMessage.objects.filter(topic=f"aspiration:{repeat.pk}")]
    assert any("Lampu diganti besok pagi." in body and original.number in body for body in told)
    assert Aspiration.objects.get(pk=repeat.pk).reporter_name == "Siti"


def test_the_worker_scheduler_runs_the_sweeps(c2, submit, settings):
    from django.utils.module_loading import import_string

    jobs = {name: path for name, _every, path in settings.KAMTIBMAS_PERIODIC_JOBS}
    sweep = import_string(jobs["aspirations.sla_sweep"])
    surveys = import_string(jobs["aspirations.surveys"])
    assert sweep is aspirations_sla_sweep and surveys is surveys_send_due
    submit()
    assert sweep() == 0 and surveys() == 0  # callable without arguments, nothing due yet


def test_a_community_officer_hands_a_drug_tip_to_the_polres_unit(c2, submit):
    from kamtibmas.areas.models import UnitKind
    from kamtibmas.areas.services import unit_create

    narkoba = unit_create(
        name="Satresnarkoba", kind=UnitKind.SATUAN, parent=c2.polres, coverage=[c2.kota]
    )
    case = submit("Mohon patroli malam ditambah, banyak orang asing nongkrong.").aspiration
    referred = aspiration_act(
        actor=c2.officer_selatan, aspiration=case, action=Action.REFER, unit=narkoba
    )
    assert referred.assigned_unit == narkoba


def test_a_new_urgency_after_reopening_counts_from_the_reopening(c2, submit):
    case = resolve(submit().aspiration, c2.commander_selatan)
    make_due(case)
    survey_answer(aspiration=case, fixed=False, satisfaction=1, safety=1)
    case = aspiration_triage_confirm(
        actor=c2.commander_selatan,
        aspiration=Aspiration.objects.get(pk=case.pk),
        category="keamanan",
        urgency="tinggi",
    )
    assert case.resolve_by is not None
    assert case.resolve_by > timezone.now() + timedelta(days=7)


def test_the_sweep_command_escalates_and_is_idempotent(c2, submit):
    from io import StringIO

    from django.core.management import call_command

    case = submit().aspiration
    Aspiration.objects.filter(pk=case.pk).update(verify_by=timezone.now() - timedelta(hours=1))
    out = StringIO()
    call_command("aspirations_sweep", stdout=out)
    call_command("aspirations_sweep", stdout=out)
    assert out.getvalue().splitlines() == [
        "escalated=1 questionnaires=0",
        "escalated=0 questionnaires=0",
    ]
