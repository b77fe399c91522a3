"""``kamtibmas rotate_keys --blind-index`` (SECURITY.md 2, issue 11 point 9): every
blind-index column recomputed with a new key, the lookups still find their rows, the
old key gone; an environment key refused; an interrupted run converges when repeated.
Always on a temporary keyring: never the real data directory's."""

from __future__ import annotations

import json
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from kamtibmas.accounts.models import Role, User
from kamtibmas.accounts.services import user_find_by_phone, user_set_phone
from kamtibmas.aid.models import Household
from kamtibmas.aid.services import (
    household_by_card,
    household_by_kk,
    household_card_issue,
    household_register,
)
from kamtibmas.certificates.models import LossReport, ReportSource
from kamtibmas.certificates.selectors import loss_reports_by_identifier
from kamtibmas.certificates.services import loss_report_start
from kamtibmas.config.keyring import SECRETS_FILE, read_keyring
from kamtibmas.conftest import make_user
from kamtibmas.engagements.models import Attendee, Dialogue, DialogueType
from kamtibmas.privacy import keys
from kamtibmas.privacy.blind_index import blind_index
from kamtibmas.privacy.inventory_report import blind_index_mismatches
from kamtibmas.privacy.keys import (
    BLIND_INDEX_KEY_NEXT,
    BlindIndexKeyFromEnvironment,
    blind_index_columns,
    blind_index_key_rotate,
)
from kamtibmas.privacy.retention import HOUSEHOLD_INDEX_PREFIX, household_anonymise

NIK = "3275046505900002"  # Siti Aminah, born 25 May 1990 (certificates' tests)
PHONE = "0812-3456-7890"
KKS = ["3275 0412 3456 0001", "3275 0412 3456 0002", "3275 0412 3456 0003"]
ATTENDEE_PHONE = "+6285712345678"


@pytest.fixture
def keyring(settings, tmp_path):
    """A keyring of its own in a temporary data directory; the settings come back."""
    settings.DATA_DIR = tmp_path
    settings.BLIND_INDEX_KEY = settings.BLIND_INDEX_KEY  # restored after the test
    (tmp_path / SECRETS_FILE).write_text(
        json.dumps({"blind_index_key": settings.BLIND_INDEX_KEY, "secret_key": "x"})
    )
    return tmp_path


@pytest.fixture
def people(bekasi, keyring) -> SimpleNamespace:
    officer = bekasi.officer_selatan
    user_set_phone(user=officer, phone=PHONE)
    households = [
        household_register(
            actor=officer, kk_number=kk, head_name="Ahmad Yani", area=bekasi.kayuringin, members=3
        )
        for kk in KKS
    ]
    cards = [household_card_issue(actor=officer, household=h) for h in households[:2]]
    household_anonymise([households[2].pk])
    desk = make_user("spkt.selatan", Role.DESK_OFFICER, bekasi.polsek_selatan)
    report = loss_report_start(
        actor=desk,
        source=ReportSource.DESK,
        unit=bekasi.polsek_selatan,
        identity={
            "name": "Siti Aminah",
            "nik": NIK,
            "birth_place": "Bekasi",
            "birth_date": date(1990, 5, 25),
            "sex": "P",
            "religion": "islam",
            "citizenship": "WNI",
            "occupation": "Pedagang",
            "address": "Jl. Cut Meutia RT 003/RW 024",
            "phone": PHONE,
        },
        items=[{"type": "ktp", "details": {"nik": NIK}}],
        lost_on=date(2025, 7, 31),
        lost_place="Pasar Baru Bekasi",
    )
    kind = DialogueType.objects.create(code="ngopi", name_id="Ngopi", name_en="Coffee")
    start = timezone.now() - timedelta(days=1)
    dialogue = Dialogue.objects.create(
        type=kind,
        title="Jumat Curhat",
        area=bekasi.rw024,
        unit=bekasi.polsek_selatan,
        venue_name="Balai RW",
        planned_start=start,
        planned_end=start + timedelta(hours=2),
    )
    attendee = Attendee.objects.create(
        dialogue=dialogue,
        name="Rina",
        phone=ATTENDEE_PHONE,
        phone_index=blind_index("phone", ATTENDEE_PHONE),
    )
    Attendee.objects.create(dialogue=dialogue, name="Joko")  # no phone: no index
    return SimpleNamespace(
        officer=officer,
        households=households,
        cards=cards,
        report=report,
        attendee=attendee,
        desk=desk,
    )


def stored_indexes() -> dict[str, object]:
    return {
        f"{model._meta.label}.{row['pk']}.{column}": row[column]
        for model, columns in blind_index_columns()
        for row in model._default_manager.values("pk", *(c for c, _s, _k in columns))
        for column, _source, _kind in columns
    }


def assert_found(people) -> None:
    assert list(user_find_by_phone(PHONE)) == [people.officer]
    for kk, household in zip(KKS[:2], people.households, strict=False):
        assert household_by_kk(kk) == household
    for card, household in zip(people.cards, people.households, strict=False):
        assert household_by_card(card) == household
    reports = LossReport.objects.all()
    assert list(loss_reports_by_identifier(reports, nik=NIK)) == [people.report]
    assert list(loss_reports_by_identifier(reports, phone=PHONE)) == [people.report]
    assert Attendee.objects.get(phone_index=blind_index("phone", ATTENDEE_PHONE)) == (
        people.attendee
    )


def assert_all_indexed() -> None:
    for model, _columns in blind_index_columns():
        assert blind_index_mismatches(model) == [], model


def test_the_inventory_names_the_columns_to_recompute():
    found = {
        f"{model._meta.label}.{column}": (source, kind)
        for model, columns in blind_index_columns()
        for column, source, kind in columns
    }
    assert found["aid.Household.card_index"] == ("card_code", "card")
    assert found["aid.Household.kk_index"] == ("kk_number", "kk")
    assert found["certificates.LossReport.nik_index"] == ("nik", "nik")
    assert found["accounts.User.phone_index"] == ("phone", "phone")
    assert found["engagements.Attendee.phone_index"] == ("phone", "phone")


def test_security_3_blind_index_rotation_reindexes_every_row_with_the_new_key(
    people, keyring, settings, capsys
):
    old_key = settings.BLIND_INDEX_KEY
    before = stored_indexes()
    assert_all_indexed()

    with translation.override("en"):
        call_command("rotate_keys", "--blind-index")

    new_key = settings.BLIND_INDEX_KEY
    assert new_key != old_key and len(new_key) == 64
    assert read_keyring(keyring) == {"blind_index_key": new_key, "secret_key": "x"}
    assert old_key not in (keyring / SECRETS_FILE).read_text()
    out = capsys.readouterr().out
    assert "accounts.User: " in out and "rows re-indexed" in out
    assert "restart the application servers and workers" in out

    assert_all_indexed()
    after = stored_indexes()
    for name, value in before.items():
        if value is None or str(value).startswith(HOUSEHOLD_INDEX_PREFIX):
            assert after[name] == value, name  # no source: unchanged
        else:
            assert after[name] != value, name
    household = Household.objects.get(pk=people.households[0].pk)
    assert household.kk_index == blind_index("kk", household.kk_number)
    assert household.card_index == blind_index("card", household.card_code)
    assert_found(people)

    settings.BLIND_INDEX_KEY = old_key  # a server not restarted finds nothing
    assert household_by_kk(KKS[0]) is None


def test_the_anonymised_household_keeps_its_marker(people, keyring):
    anonymised = people.households[2]
    blind_index_key_rotate()
    assert Household.objects.get(pk=anonymised.pk).kk_index == (
        f"{HOUSEHOLD_INDEX_PREFIX}{anonymised.pk}"
    )
    assert Household.objects.get(pk=anonymised.pk).card_index is None


def test_a_key_from_the_environment_is_refused(people, keyring, settings, monkeypatch):
    monkeypatch.setenv("KAMTIBMAS_BLIND_INDEX_KEY", settings.BLIND_INDEX_KEY)
    before = stored_indexes()
    with pytest.raises(CommandError, match="KAMTIBMAS_BLIND_INDEX_KEY"):
        call_command("rotate_keys", "--blind-index")
    with pytest.raises(BlindIndexKeyFromEnvironment):
        blind_index_key_rotate()
    assert stored_indexes() == before
    assert BLIND_INDEX_KEY_NEXT not in read_keyring(keyring)


def test_blind_index_is_exclusive_with_the_other_options(keyring):
    with pytest.raises(CommandError):
        call_command("rotate_keys", "--blind-index", "--retire")


def test_an_interrupted_rotation_converges_when_repeated(people, keyring, settings, monkeypatch):
    old_key = settings.BLIND_INDEX_KEY
    monkeypatch.setattr(keys, "BATCH", 1)
    done: list[str] = []

    def stop_after_the_first_batch(label: str, count: int) -> None:
        done.append(label)
        if len(done) == 2:
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        blind_index_key_rotate(progress=stop_after_the_first_batch)

    # The old key is still current (in the keyring and this process); the new one is
    # pending, and one batch of rows already holds digests made with it.
    assert old_key == settings.BLIND_INDEX_KEY
    stored = read_keyring(keyring)
    pending = stored[BLIND_INDEX_KEY_NEXT]
    assert stored["blind_index_key"] == old_key and pending != old_key
    settings.BLIND_INDEX_KEY = pending
    assert blind_index_mismatches(Household)  # half done
    settings.BLIND_INDEX_KEY = old_key

    # A server started meanwhile writes a row with the old key: the re-run fixes it.
    late = User.objects.get(pk=people.desk.pk)
    user_set_phone(user=late, phone="081222222222")

    counts = blind_index_key_rotate()
    assert pending == settings.BLIND_INDEX_KEY  # the pending key, not a third one
    assert read_keyring(keyring) == {"blind_index_key": pending, "secret_key": "x"}
    assert counts["aid.Household"] == 3
    assert_all_indexed()
    assert_found(people)
    assert list(user_find_by_phone("081222222222")) == [late]

    # Repeated once more after success: a fresh rotation, still consistent.
    blind_index_key_rotate()
    assert settings.BLIND_INDEX_KEY not in (old_key, pending)
    assert_all_indexed()
    assert_found(people)


def test_duplicates_written_meanwhile_are_refused_before_any_write(
    people, keyring, settings, monkeypatch
):
    """A server left running during an interrupted rotation cannot find a re-indexed
    household by its KK and registers it again with the old key: the repeated run
    would break the unique index half-way, so it refuses before writing anything."""
    old_key = settings.BLIND_INDEX_KEY
    monkeypatch.setattr(keys, "BATCH", 1)

    def stop_in_the_households(label: str, count: int) -> None:
        if label == "aid.Household":
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        blind_index_key_rotate(progress=stop_in_the_households)
    assert household_by_kk(KKS[0]) is None  # re-indexed with the pending key
    again = household_register(
        actor=people.officer,
        kk_number=KKS[0],
        head_name="Ahmad Yani",
        area=people.households[0].area,
        members=3,
    )
    before = stored_indexes()

    with pytest.raises(CommandError) as refused:
        call_command("rotate_keys", "--blind-index")
    message = str(refused.value)
    assert f"aid.Household.{people.households[0].pk}" in message
    assert f"aid.Household.{again.pk}" in message
    assert stored_indexes() == before
    assert old_key == settings.BLIND_INDEX_KEY
    assert read_keyring(keyring)["blind_index_key"] == old_key

    again.delete()
    blind_index_key_rotate()
    assert_all_indexed()
    assert_found(people)
