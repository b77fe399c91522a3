"""The demo aspirations (§8): the aspirations raised at the Ngopi Kamtibmas of
31 July 2025 with the answers given on the spot, about 300 other cases across Kota
Bekasi in every state, and a second run that creates nothing."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from kamtibmas.accounts.models import User
from kamtibmas.areas.models import Area, AreaLevel, Unit
from kamtibmas.areas.services import area_rt_get_or_create
from kamtibmas.aspirations.demo import (
    DEMO_RECEIPT_CODE,
    KAYURINGIN,
    STAFF_EMAILS,
    case_specs,
)
from kamtibmas.aspirations.models import (
    Aspiration,
    AspirationUpdate,
    Privacy,
    ResponseTemplate,
    RoutingRule,
    Source,
    Status,
    Survey,
    TriageCorrection,
    UpdateKind,
)
from kamtibmas.aspirations.selectors import (
    InboxFilters,
    aspiration_by_receipt,
    aspiration_list,
    response_templates_for,
)
from kamtibmas.aspirations.services import (
    aspiration_route_for,
    aspirations_sla_sweep,
    case_deadlines,
    survey_open_for,
)
from kamtibmas.core.tests.demo import run_demo_steps
from kamtibmas.core.timefmt import format_local
from kamtibmas.engagements.demo import REFERENCE_TITLE
from kamtibmas.engagements.models import Dialogue
from kamtibmas.notifications.models import OutboxMessage, OutboxStatus

WIB = ZoneInfo("Asia/Jakarta")


def snapshot() -> dict[str, object]:
    counted = [Aspiration, AspirationUpdate, Survey, TriageCorrection, OutboxMessage]
    counted += [RoutingRule, ResponseTemplate, Unit, Area, User]
    return {
        "counts": {model.__name__: model._default_manager.count() for model in counted},
        "statuses": Counter(Aspiration.objects.values_list("status", flat=True)),
        "received": sorted(Aspiration.objects.values_list("received_at", flat=True)),
    }


@pytest.fixture
def reference() -> dict[str, Aspiration]:
    """The reference dialogue's aspirations by what they are about."""
    cases = Aspiration.objects.filter(dialogue__title=REFERENCE_TITLE).select_related(
        "assigned_unit", "area"
    )
    keys = {
        "rawan": "tergolong rawan",
        "ekonomi": "persoalan ekonomi",
        "dokumen": "dokumen yang hilang",
        "jam_belajar": "jam belajar malam",
        "narkoba": "obat-obatan",
    }
    return {key: next(c for c in cases if words in c.text) for key, words in keys.items()}


def test_running_the_demo_again_creates_nothing():
    before = snapshot()

    run_demo_steps()

    assert snapshot() == before


def test_running_the_demo_weeks_later_creates_nothing(monkeypatch):
    before = snapshot()
    later = timezone.now() + timedelta(days=23)
    monkeypatch.setattr(timezone, "now", lambda: later)

    run_demo_steps()

    assert snapshot() == before


def test_the_generated_cases_are_the_same_every_time():
    villages = sorted(
        Area.objects.filter(level=AreaLevel.VILLAGE, code__startswith="32.75.").values_list(
            "code", flat=True
        )
    )

    assert case_specs(villages) == case_specs(villages)


def test_about_300_cases_in_every_state_most_of_them_resolved():
    statuses = Counter(Aspiration.objects.values_list("status", flat=True))
    total = sum(statuses.values())

    assert 280 <= total <= 330
    assert set(statuses) == set(Status.values)
    assert statuses.most_common(1)[0][0] == Status.RESOLVED
    assert statuses[Status.RESOLVED] > total / 3
    open_cases = sum(
        statuses[s]
        for s in (
            Status.RECEIVED,
            Status.VERIFIED,
            Status.REFERRED,
            Status.IN_PROGRESS,
            Status.REOPENED,
        )
    )
    assert total / 10 < open_cases < total / 2


def test_privacy_modes_are_mixed_and_anonymous_cases_keep_no_identity():
    privacy = Counter(Aspiration.objects.values_list("privacy", flat=True))
    total = sum(privacy.values())
    anonymous = Aspiration.objects.filter(privacy=Privacy.ANONYMOUS)

    assert privacy[Privacy.PUBLIC] > total / 2
    assert 0.1 * total < privacy[Privacy.CONFIDENTIAL] < 0.3 * total
    assert 0.04 * total < privacy[Privacy.ANONYMOUS] < 0.2 * total
    assert not anonymous.filter(reporter__isnull=False).exists()
    for case in anonymous.prefetch_related("updates"):
        assert (case.reporter_name, case.reporter_phone, case.reporter_email) == (None, None, None)
        moments = [case.received_at, case.updated_at, *(u.created_at for u in case.updates.all())]
        assert {m.astimezone(WIB).time() for m in moments} == {time(0, 0)}, case.number


def test_cases_spread_over_kota_bekasi_and_the_months_before_the_load():
    generated = Aspiration.objects.exclude(dialogue__title=REFERENCE_TITLE)
    villages = Counter(generated.values_list("area__village__code", flat=True))
    now = timezone.now()

    assert len(villages) >= 30
    assert villages.most_common(1)[0][0] == KAYURINGIN  # the dense kelurahan of §1
    assert generated.filter(received_at__lt=now - timedelta(days=120)).exists()
    assert generated.filter(received_at__gt=now - timedelta(days=3)).exists()
    assert not generated.filter(received_at__gt=now).exists()
    categories = Counter(generated.values_list("category", flat=True))
    top = {category for category, _count in categories.most_common(3)}
    assert top <= {"pencurian", "ketertiban", "lingkungan"} | {"remaja"}
    assert generated.filter(urgency="darurat").exists()
    assert {Source.WEB, Source.DESK, Source.DIALOGUE, Source.OPEN311} <= set(
        generated.values_list("source", flat=True)
    )


def test_histories_are_in_order_and_in_the_past():
    now = timezone.now()
    for case in Aspiration.objects.prefetch_related("updates"):
        moments = [u.created_at for u in case.updates.all()]
        assert moments == sorted(moments), case.number
        assert moments[0] == case.received_at
        assert moments[-1] <= now
    assert not OutboxMessage.objects.filter(created_at__gt=now).exists()


def test_deadlines_are_those_the_services_count_from_the_back_dated_times():
    cases = Aspiration.objects.select_related("area", "unit", "assigned_unit")
    for case in cases.prefetch_related("updates"):
        received = case_deadlines(case, start=case.received_at)
        assert (case.verify_by, case.first_notice_by) == (
            received.verify_by,
            received.first_notice_by,
        ), case.number
        reopenings = [u.created_at for u in case.updates.all() if u.to_status == Status.REOPENED]
        start = reopenings[-1] if reopenings else case.received_at
        assert case.resolve_by == case_deadlines(case, start=start).resolve_by, case.number
        if case.partner_answer_by is not None:
            assert case.referred_at is not None
            assert not case.assigned_unit.is_police
            assert case.partner_answer_by > case.referred_at


def test_the_reference_aspirations_are_linked_with_the_answers_given_on_the_spot(reference):
    dialogue = Dialogue.objects.get(title=REFERENCE_TITLE)
    bhabin = User.objects.get(username="bhabin")

    assert {c.pk for c in reference.values()} == set(
        dialogue.aspirations.values_list("pk", flat=True)
    )
    for case in reference.values():
        assert case.source == Source.DIALOGUE
        assert case.area == dialogue.area
        assert case.spot_answer
        first, spot = case.updates.order_by("created_at", "id")[:2]
        assert first.author == bhabin
        assert (spot.kind, spot.text, spot.is_public) == (UpdateKind.NOTE, case.spot_answer, True)
    assert "tidak dipungut biaya" in reference["dokumen"].spot_answer
    assert "Satresnarkoba" in reference["narkoba"].spot_answer


def test_the_reference_aspirations_are_in_their_real_states(reference):
    rawan, ekonomi, dokumen = reference["rawan"], reference["ekonomi"], reference["dokumen"]
    jam, narkoba = reference["jam_belajar"], reference["narkoba"]

    assert (rawan.status, rawan.category) == (Status.IN_PROGRESS, "keamanan")
    assert rawan.updates.filter(is_public=True, text__contains="Patroli malam").exists()
    assert (ekonomi.status, ekonomi.category) == (Status.REFERRED, "sosial")
    assert ekonomi.assigned_unit.name == "Kelurahan Kayuringin Jaya"
    assert ekonomi.partner_answer_by is not None
    assert (dokumen.status, dokumen.category) == (Status.RESOLVED, "layanan")
    assert "tanpa biaya" in dokumen.updates.get(to_status=Status.RESOLVED).text
    [survey] = dokumen.surveys.all()
    assert survey.fixed is True
    assert (jam.status, jam.category) == (Status.VERIFIED, "remaja")
    assert (narkoba.status, narkoba.category) == (Status.REFERRED, "narkoba")
    assert narkoba.privacy == Privacy.CONFIDENTIAL
    assert narkoba.assigned_unit.name == "Satresnarkoba Polres Metro Bekasi Kota"
    assert not narkoba.updates.filter(to_status=Status.REFERRED, is_public=True).exists()
    # The officer confirmed (or corrected) triage: kept with the text as training data.
    correction = TriageCorrection.objects.get(aspiration=narkoba)
    assert correction.category == "narkoba" and correction.text == narkoba.text


def test_the_reference_aspirations_happened_on_31_july_2025_from_10_10_wib(reference):
    start = datetime(2025, 7, 31, 10, 10, tzinfo=WIB)
    end = datetime(2025, 7, 31, 12, 0, tzinfo=WIB)

    for case in reference.values():
        assert start <= case.received_at <= end
        on_the_day = case.updates.exclude(kind=UpdateKind.SURVEY)
        assert all(start <= u.created_at <= end for u in on_the_day), case.text
    assert format_local(reference["rawan"].received_at, zone="WIB", language="id") == (
        "Kamis, 31 Juli 2025 pukul 10.25 WIB"
    )
    assert reference["dokumen"].resolved_at.astimezone(WIB).date() == date(2025, 7, 31)
    # Deadlines count from the event, in working days: 3 after Thursday is Tuesday.
    assert reference["rawan"].verify_by.astimezone(WIB).date() == date(2025, 8, 5)


def test_the_demo_receipt_code_follows_the_lost_document_case(reference):
    case = aspiration_by_receipt(DEMO_RECEIPT_CODE)

    assert case == reference["dokumen"]
    assert case.privacy == Privacy.PUBLIC


def test_some_open_cases_are_overdue_for_the_inbox_and_the_sweep():
    kapolres = User.objects.get(username="kapolres")

    overdue = aspiration_list(user=kapolres, filters=InboxFilters(overdue=True))

    assert overdue.count() >= 10
    assert aspirations_sla_sweep() == overdue.count()
    assert not Aspiration.objects.filter(
        status__in=[Status.RESOLVED, Status.CLOSED_UNRESOLVED], escalated_at__isnull=False
    ).exists()


def test_follow_up_questionnaires_are_answered_reopened_and_due():
    answered = Survey.objects.filter(answered_at__isnull=False)
    not_fixed = answered.filter(fixed=False)
    due = [
        s
        for s in Survey.objects.filter(answered_at__isnull=True, due_at__lte=timezone.now())
        if survey_open_for(s.aspiration) == s
    ]

    assert answered.filter(fixed=True).count() >= 20
    assert not_fixed.count() >= 5
    for survey in not_fixed:
        assert survey.aspiration.reopened_count >= 1
        assert survey.answered_at is not None
        assert survey.answered_at >= survey.due_at - timedelta(days=1)
    assert Aspiration.objects.filter(status=Status.REOPENED, reopened_count__gt=0).exists()
    assert len(due) >= 10


def test_triage_corrections_are_kept_as_training_data():
    corrections = list(TriageCorrection.objects.all())

    assert sum(c.changed for c in corrections) >= 20
    assert any(not c.changed for c in corrections)  # confirmations count too
    assert any(c.suggested_urgency == "darurat" and c.urgency != "darurat" for c in corrections)


def test_the_routing_sends_each_body_to_its_unit():
    selatan = Area.objects.get(code=KAYURINGIN)
    jatiasih = Area.objects.get(code="32.75.09.1002")

    def routed(area: Area, category: str, body: str) -> str:
        decision = aspiration_route_for(area=area, category=category, responsible=body)
        assert decision is not None
        return Unit.objects.get(pk=decision.unit_id).name

    assert routed(jatiasih, "narkoba", "satresnarkoba") == "Satresnarkoba Polres Metro Bekasi Kota"
    assert routed(jatiasih, "kekerasan", "unit_ppa") == (
        "Unit PPA Satreskrim Polres Metro Bekasi Kota"
    )
    assert routed(jatiasih, "layanan", "propam") == "Sipropam Polres Metro Bekasi Kota"
    assert routed(jatiasih, "keamanan", "samapta") == "Satsamapta Polres Metro Bekasi Kota"
    assert routed(selatan, "keamanan", "samapta") == "Polsek Bekasi Selatan"
    assert routed(selatan, "remaja", "satbinmas") == "Polsek Bekasi Selatan"
    assert routed(selatan, "sosial", "kelurahan") == "Kelurahan Kayuringin Jaya"
    assert routed(jatiasih, "layanan", "spkt") == "Polres Metro Bekasi Kota"
    spkt = User.objects.get(username="spkt")
    titles = {t.title for t in response_templates_for(user=spkt)}
    assert {"Diteruskan ke kelurahan atau dinas", "Di luar kewenangan kepolisian"} <= titles


def test_emergencies_alerted_the_duty_desk_by_email():
    alerts = OutboxMessage.objects.filter(dedupe_key__contains=":emergency:")
    desk = {m.recipient for m in alerts}

    assert STAFF_EMAILS["kapolres"] in desk
    assert (
        STAFF_EMAILS["spkt"] in desk
        or not Aspiration.objects.filter(
            urgency="darurat", area__code__startswith="32.75.04"
        ).exists()
    )
    assert {m.status for m in OutboxMessage.objects.all()} == {OutboxStatus.SENT}


def test_a_case_submitted_after_the_demo_gets_a_fresh_number(reference):
    """The demo leaves the services usable: a resident's new report is routed and
    numbered like any other."""
    from kamtibmas.aspirations.services import aspiration_submit

    area = area_rt_get_or_create(rw=reference["rawan"].area.parent, number=2)
    submitted = aspiration_submit(
        text="Tiap malam ada yang balap liar di Jl. Kayuringin Raya.",
        area=area,
        privacy=Privacy.PUBLIC,
        source=Source.WEB,
    )

    assert submitted.aspiration.assigned_unit.name == "Polsek Bekasi Selatan"
    assert aspiration_by_receipt(submitted.receipt_code) == submitted.aspiration
