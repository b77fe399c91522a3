"""Every state change of a dialogue, through the services, with the bad inputs the
issue lists: each refused with a clear message and nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kamtibmas.engagements.models import (
    Attendee,
    Dialogue,
    DialogueStatus,
    DialogueType,
    FindingResult,
    FollowUp,
    FollowUpStatus,
    InspectionItem,
    OutreachTopic,
)
from kamtibmas.engagements.services import (
    FindingInput,
    attendee_sign_in,
    checkin_code_issue,
    checkin_code_resolve,
    checkin_submit,
    dialogue_answer_add,
    dialogue_cancel,
    dialogue_mark_held,
    dialogue_official_add,
    dialogue_plan,
    dialogue_record_past,
    dialogue_set_attendance,
    dialogue_set_minutes,
    dialogue_topic_set,
    dialogue_topics_replace,
    dialogue_update,
    follow_up_cancel,
    follow_up_complete,
    follow_up_create,
    inspection_record,
)


def in_days(days: float) -> datetime:
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0)


def plan(bekasi, **overrides):
    values = {
        "actor": bekasi.officer_selatan,
        "type": DialogueType.objects.get(code="jumat_curhat"),
        "title": "Jumat Curhat Kayuringin",
        "area": bekasi.kayuringin,
        "unit": bekasi.polsek_selatan,
        "venue_name": "Balai RW 024",
        "planned_start": in_days(3),
        "planned_end": in_days(3) + timedelta(hours=2),
    }
    values.update(overrides)
    return dialogue_plan(**values)


def refused(code: str, call, *args, **kwargs) -> ValidationError:
    before = Dialogue.objects.count()
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value
    assert Dialogue.objects.count() == before
    return caught.value


def test_plan_a_dialogue(bekasi):
    dialogue = plan(bekasi)
    assert dialogue.status == DialogueStatus.PLANNED
    assert dialogue.host == bekasi.officer_selatan
    assert dialogue.is_public is True


def test_home_visits_are_not_announced_by_default(bekasi):
    dialogue = plan(bekasi, type=DialogueType.objects.get(code="sambang"))
    assert dialogue.is_public is False


def test_planned_dialogue_in_the_past_is_refused_in_indonesian(bekasi):
    error = refused(
        "planned_in_past",
        plan,
        bekasi,
        planned_start=in_days(-1),
        planned_end=in_days(-1) + timedelta(hours=1),
    )
    assert error.messages == ["Dialog yang direncanakan harus dimulai di masa depan."]


def test_end_before_start_is_refused_in_english(bekasi):
    with translation.override("en"):
        error = refused("planned_end", plan, bekasi, planned_end=in_days(2))
    assert error.messages == ["The end must come after the start."]


def test_area_outside_the_officers_unit_is_refused(bekasi):
    refused("area_scope", plan, bekasi, area=bekasi.margahayu)


def test_unit_outside_the_officers_scope_is_refused(bekasi):
    refused("unit_scope", plan, bekasi, unit=bekasi.polsek_timur)


def test_a_kecamatan_is_too_coarse_for_a_place(bekasi):
    refused("area_level", plan, bekasi, area=bekasi.selatan)


def test_host_from_another_branch_is_refused(bekasi):
    # Polsek Timur's officer neither covers Kayuringin Jaya nor works in Polsek Selatan's chain.
    refused("host_area", plan, bekasi, host=bekasi.officer_timur)


def test_host_outside_the_organising_chain_is_refused(bekasi):
    from kamtibmas.accounts.models import Role
    from kamtibmas.accounts.services import user_create
    from kamtibmas.areas.models import UnitKind
    from kamtibmas.areas.services import unit_create

    satreskrim = unit_create(
        name="Satreskrim", kind=UnitKind.SATUAN, parent=bekasi.polres, coverage=[bekasi.kota]
    )
    detective = user_create(username="reskrim", role=Role.HANDLER, unit=satreskrim, password=None)
    # Sees Kayuringin Jaya, but Satreskrim is a sibling of Polsek Selatan, not in its chain.
    refused("host_unit", plan, bekasi, host=detective)


def test_a_home_visit_is_never_announced(bekasi):
    refused(
        "private_type", plan, bekasi, type=DialogueType.objects.get(code="sambang"), is_public=True
    )


def test_dates_no_dialogue_can_have_are_refused(bekasi):
    far = datetime(1, 1, 1, 0, 10, tzinfo=UTC)
    refused(
        "planned_out_of_range",
        plan,
        bekasi,
        planned_start=far,
        planned_end=far + timedelta(hours=1),
    )


def test_reinspection_closes_follow_ups_of_fixed_problems(bekasi, ngopi):
    items = {item.code: item for item in InspectionItem.objects.all()}
    inspection_record(
        actor=bekasi.officer_selatan,
        dialogue=ngopi,
        inspected_at=ngopi.actual_end,
        findings=[
            FindingInput(items["penerangan_jalan"], FindingResult.PROBLEM, "Gelap"),
            FindingInput(items["cctv"], FindingResult.PROBLEM, "Tidak ada"),
        ],
    )
    inspection_record(
        actor=bekasi.officer_selatan,
        dialogue=ngopi,
        inspected_at=ngopi.actual_end,
        findings=[FindingInput(items["penerangan_jalan"], FindingResult.OK)],
    )
    assert set(FollowUp.objects.values_list("status", flat=True)) == {FollowUpStatus.CANCELLED}


def test_polres_commander_may_plan_anywhere_in_the_city(bekasi):
    dialogue = plan(
        bekasi, actor=bekasi.commander_polres, area=bekasi.margahayu, unit=bekasi.polres
    )
    assert dialogue.host == bekasi.commander_polres


def test_record_a_past_dialogue_as_held(ngopi):
    assert ngopi.status == DialogueStatus.HELD
    assert ngopi.actual_start == datetime(2025, 7, 31, 3, 10, tzinfo=UTC)


def test_a_held_dialogue_cannot_lie_in_the_future(bekasi):
    refused(
        "held_in_future",
        dialogue_record_past,
        actor=bekasi.officer_selatan,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="x",
        area=bekasi.kayuringin,
        unit=bekasi.polsek_selatan,
        venue_name="x",
        start=in_days(1),
        end=in_days(1) + timedelta(hours=1),
    )


def test_update_and_cancel(bekasi):
    dialogue = plan(bekasi)
    dialogue = dialogue_update(
        actor=bekasi.officer_selatan, dialogue=dialogue, venue_name="Musala Al-Ikhlas"
    )
    assert dialogue.venue_name == "Musala Al-Ikhlas"
    with pytest.raises(ValidationError):
        dialogue_update(actor=bekasi.officer_selatan, dialogue=dialogue, area=bekasi.margahayu)
    assert Dialogue.objects.get(pk=dialogue.pk).area == bekasi.kayuringin
    with pytest.raises(ValidationError):
        dialogue_cancel(dialogue=dialogue, reason="  ")
    dialogue = dialogue_cancel(dialogue=dialogue, reason="Hujan deras dan banjir")
    assert dialogue.status == DialogueStatus.CANCELLED
    with pytest.raises(ValidationError):
        dialogue_update(actor=bekasi.officer_selatan, dialogue=dialogue, title="again")
    with pytest.raises(ValidationError):
        dialogue_mark_held(dialogue=dialogue, actual_start=timezone.now())


def test_mark_held_then_record_what_happened(bekasi):
    dialogue = plan(bekasi, planned_start=in_days(0.01), planned_end=in_days(0.1))
    with pytest.raises(ValidationError) as caught:
        dialogue_set_attendance(dialogue=dialogue, residents=1, leaders=0, children=0)
    assert caught.value.code == "not_held"
    dialogue = dialogue_mark_held(dialogue=dialogue, actual_start=timezone.now())
    dialogue = dialogue_set_attendance(dialogue=dialogue, residents=22, leaders=8, children=12)
    assert dialogue.attendance_total == 42
    with pytest.raises(ValidationError):
        dialogue_set_attendance(dialogue=dialogue, residents=-1, leaders=0, children=0)
    dialogue_topic_set(
        dialogue=dialogue,
        topic=OutreachTopic.objects.get(code="narkoba"),
        notes="Bahaya penyalahgunaan narkoba",
    )
    dialogue_topic_set(
        dialogue=dialogue, topic=OutreachTopic.objects.get(code="narkoba"), notes="diperbarui"
    )
    assert [t.notes for t in dialogue.topics.all()] == ["diperbarui"]
    official = dialogue_official_add(dialogue=dialogue, position="Ketua RW 024")
    assert str(official) == "Ketua RW 024"
    answer = dialogue_answer_add(
        dialogue=dialogue,
        question="Bagaimana mengurus KTP hilang?",
        answer="Lapor ke pos polisi terdekat, gratis.",
    )
    assert answer.answer.endswith("gratis.")
    dialogue = dialogue_set_minutes(dialogue=dialogue, minutes="Warga menyampaikan aspirasi.")
    assert dialogue.minutes


def test_sign_in_list_needs_consent_and_counts_a_phone_once(ngopi):
    with pytest.raises(ValidationError) as caught:
        attendee_sign_in(dialogue=ngopi, name="Siti", consent=False)
    assert caught.value.code == "consent_required"
    attendee_sign_in(dialogue=ngopi, name="Siti", phone="0812-1111-2222", consent=True)
    with pytest.raises(ValidationError) as caught:
        attendee_sign_in(dialogue=ngopi, name="Siti A.", phone="+6281211112222", consent=True)
    assert caught.value.code == "duplicate_phone"
    assert Attendee.objects.filter(dialogue=ngopi).count() == 1


def test_qr_check_in_counts_a_device_once_and_codes_expire(bekasi, ngopi):
    issued = checkin_code_issue(actor=bekasi.officer_selatan, dialogue=ngopi)
    assert len(issued.raw) >= 22  # 128 bits, base64url
    assert issued.code.digest != issued.raw
    first, new = checkin_submit(
        raw_code=issued.raw, device_key="phone-1", name="Budi", group="resident", consent=True
    )
    again, new_again = checkin_submit(
        raw_code=issued.raw, device_key="phone-1", name="Budi S", group="resident", consent=True
    )
    assert new and not new_again and first == again
    checkin_submit(
        raw_code=issued.raw, device_key="phone-2", name="Ani", group="child", consent=True
    )
    assert ngopi.attendees.count() == 2

    issued.code.expires_at = timezone.now() - timedelta(seconds=1)
    issued.code.save()
    with pytest.raises(ValidationError) as caught:
        checkin_code_resolve(issued.raw)
    assert caught.value.code == "expired_code"
    with pytest.raises(ValidationError) as caught:
        checkin_submit(
            raw_code="not-a-code", device_key="x", name="x", group="resident", consent=True
        )
    assert caught.value.code == "unknown_code"
    assert ngopi.attendees.count() == 2


def test_inspection_problems_become_follow_ups(bekasi, ngopi):
    items = {item.code: item for item in InspectionItem.objects.all()}
    with pytest.raises(ValidationError) as caught:
        inspection_record(
            actor=bekasi.officer_selatan,
            dialogue=ngopi,
            inspected_at=ngopi.actual_end,
            findings=[FindingInput(items["cctv"], FindingResult.PROBLEM)],
        )
    assert caught.value.code == "problem_note"
    inspection = inspection_record(
        actor=bekasi.officer_selatan,
        dialogue=ngopi,
        inspected_at=ngopi.actual_end,
        findings=[
            FindingInput(items["penerangan_jalan"], FindingResult.PROBLEM, "Gang 3 gelap"),
            FindingInput(items["pos_siskamling"], FindingResult.OK),
            FindingInput(items["cctv"], FindingResult.NOT_APPLICABLE),
        ],
    )
    assert inspection.findings.count() == 3
    follow_up = FollowUp.objects.get(dialogue=ngopi)
    assert follow_up.title == "Penerangan jalan: Gang 3 gelap"
    assert follow_up.owner == ngopi.host
    # Recording again replaces findings and does not duplicate the follow-up.
    inspection_record(
        actor=bekasi.officer_selatan,
        dialogue=ngopi,
        inspected_at=ngopi.actual_end,
        findings=[FindingInput(items["penerangan_jalan"], FindingResult.PROBLEM, "Gang 3 gelap")],
    )
    assert inspection.findings.count() == 1
    assert FollowUp.objects.filter(dialogue=ngopi).count() == 1


def test_follow_up_lifecycle(bekasi, ngopi):
    today = timezone.now().astimezone(ZoneInfo("Asia/Jakarta")).date()
    with pytest.raises(ValidationError):
        follow_up_create(
            dialogue=ngopi,
            title="Pasang lampu",
            owner=bekasi.officer_selatan,
            due_date=today - timedelta(days=1),
        )
    with pytest.raises(ValidationError) as caught:
        follow_up_create(
            dialogue=ngopi, title="Pasang lampu", owner=bekasi.officer_timur, due_date=today
        )
    assert caught.value.code == "owner_scope"
    follow_up = follow_up_create(
        dialogue=ngopi, title="Pasang lampu", owner=bekasi.officer_selatan, due_date=today
    )
    follow_up = follow_up_complete(follow_up=follow_up, outcome="Lampu terpasang")
    assert follow_up.status == FollowUpStatus.DONE and follow_up.done_at is not None
    with pytest.raises(ValidationError):
        follow_up_cancel(follow_up=follow_up, outcome="tidak jadi")


def test_dialogue_admin_list_is_scoped(client, bekasi, ngopi, planned):
    client.force_login(bekasi.commander_selatan)
    response = client.get("/admin/engagements/dialogue/")
    assert [d.pk for d in response.context["cl"].result_list] == [ngopi.pk]
    assert client.get(f"/admin/engagements/dialogue/{planned.pk}/change/").status_code == 404
    client.force_login(bekasi.commander_polres)
    response = client.get("/admin/engagements/dialogue/")
    assert {d.pk for d in response.context["cl"].result_list} == {ngopi.pk, planned.pk}


def test_a_cancelled_dialogue_takes_no_officials_or_answers(bekasi):
    dialogue = dialogue_cancel(dialogue=plan(bekasi), reason="Banjir")
    for call, kwargs in (
        (dialogue_official_add, {"position": "Ketua RW 024"}),
        (dialogue_answer_add, {"question": "Kapan patroli?"}),
    ):
        with pytest.raises(ValidationError) as caught:
            call(dialogue=dialogue, **kwargs)
        assert caught.value.code == "cancelled"
    assert not dialogue.officials.exists() and not dialogue.answers.exists()


def test_topics_change_what_the_calendar_publishes(ngopi):
    before = Dialogue.objects.get(pk=ngopi.pk).updated_at
    dialogue_topic_set(dialogue=ngopi, topic=OutreachTopic.objects.get(code="tawuran"))
    assert Dialogue.objects.get(pk=ngopi.pk).updated_at > before


def test_follow_up_due_dates_follow_the_areas_calendar_day(bekasi, ngopi, monkeypatch):
    # 20.00 UTC is already the next day in WIB (03.00): "today" there is the 1st.
    fixed = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: fixed)
    with pytest.raises(ValidationError) as caught:
        follow_up_create(
            dialogue=ngopi,
            title="x",
            owner=bekasi.officer_selatan,
            due_date=datetime(2026, 11, 30).date(),
        )
    assert caught.value.code == "due_in_past"
    follow_up_create(
        dialogue=ngopi,
        title="x",
        owner=bekasi.officer_selatan,
        due_date=datetime(2026, 12, 1).date(),
    )


def test_inspection_follow_ups_go_only_to_someone_who_can_see_the_dialogue(bekasi, ngopi):
    item = InspectionItem.objects.get(code="cctv")
    with pytest.raises(ValidationError) as caught:
        inspection_record(
            actor=bekasi.officer_selatan,
            dialogue=ngopi,
            inspected_at=ngopi.actual_end,
            findings=[FindingInput(item, FindingResult.PROBLEM, "Tidak ada CCTV")],
            follow_up_owner=bekasi.officer_timur,
        )
    assert caught.value.code == "owner_scope"
    assert not FollowUp.objects.exists()


def test_topics_are_replaced_in_one_call(ngopi):
    drugs, brawls, fraud = (
        OutreachTopic.objects.get(code=c) for c in ("narkoba", "tawuran", "penipuan_daring")
    )
    dialogue_topics_replace(dialogue=ngopi, chosen={drugs: "a", brawls: "b"})
    rows = dialogue_topics_replace(dialogue=ngopi, chosen={brawls: "b2", fraud: ""})
    assert {(row.topic.code, row.notes) for row in rows} == {
        ("tawuran", "b2"),
        ("penipuan_daring", ""),
    }


def test_showing_minutes_and_answers_to_staff_is_audited(client, bekasi, ngopi):
    from kamtibmas.privacy.models import AuditEntry

    dialogue_set_minutes(dialogue=ngopi, minutes="Bu Siti dari RT 001 melapor.")
    dialogue_answer_add(dialogue=ngopi, question="Pak Budi bertanya soal KTP hilang")
    client.force_login(bekasi.commander_selatan)
    assert client.get(f"/staff/dialogues/{ngopi.pk}/").status_code == 200
    entry = AuditEntry.objects.get(subject_id=str(ngopi.pk))
    assert entry.actor == bekasi.commander_selatan
    assert entry.fields == ["answers", "minutes"]
