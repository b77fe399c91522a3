"""Encrypted fields: nothing in clear in the database, blind-index lookups, rotation."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from kamtibmas.accounts.models import Role, User
from kamtibmas.accounts.services import user_create, user_find_by_phone, user_set_phone
from kamtibmas.privacy.fields import DecryptionError

PHONE = "0812-3456-7890"
E164 = "+6281234567890"


def raw_row(user: User) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_index FROM accounts_user WHERE id = %s", [user.pk])
        return cursor.fetchone()


@pytest.fixture
def officer(bekasi):
    return user_create(
        username="siti",
        role=Role.COMMUNITY_OFFICER,
        unit=bekasi.polsek_selatan,
        password=None,
        phone=PHONE,
    )


def test_raw_row_holds_no_plaintext(officer):
    stored_phone, stored_index = raw_row(officer)
    for clear in (E164, "81234567890", "1234567890", PHONE):
        assert clear not in stored_phone
        assert clear not in stored_index
    assert User.objects.get(pk=officer.pk).phone == E164


def test_two_encryptions_of_the_same_value_differ(bekasi, officer):
    other = user_create(
        username="budi",
        role=Role.COMMUNITY_OFFICER,
        unit=bekasi.polsek_selatan,
        password=None,
        phone=E164,
    )
    assert raw_row(officer)[0] != raw_row(other)[0]
    assert raw_row(officer)[1] == raw_row(other)[1]  # same blind index: same number


@pytest.mark.parametrize("written", [PHONE, E164, "6281234567890", "+62 812 3456 7890"])
def test_lookup_by_blind_index_finds_any_written_form(officer, written):
    assert list(user_find_by_phone(written)) == [officer]


def test_security_2_blind_index_depends_on_its_key(officer, settings):
    settings.BLIND_INDEX_KEY = "another-key"
    assert list(user_find_by_phone(PHONE)) == []


def test_security_3_rotation_reencrypts_and_the_new_key_alone_decrypts(
    bekasi, officer, settings, capsys
):
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    before = raw_row(officer)[0]

    with translation.override("en"):
        call_command("rotate_keys")
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    assert keys[1:] == old_keys and keys[0] not in old_keys  # old key kept until --retire
    assert "rotate_keys --retire" in capsys.readouterr().out
    assert raw_row(officer)[0] != before

    with translation.override("en"):
        call_command("rotate_keys", "--retire")
    assert list(settings.FIELD_ENCRYPTION_KEYS) == keys[:1]
    assert "rows re-encrypted" in capsys.readouterr().out
    assert User.objects.get(pk=officer.pk).phone == E164

    settings.FIELD_ENCRYPTION_KEYS = old_keys
    with pytest.raises(DecryptionError):
        User.objects.get(pk=officer.pk)


def test_retire_catches_rows_written_by_servers_not_yet_restarted(bekasi, settings):
    """Between the two steps an old server still encrypts with the old key."""
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    call_command("rotate_keys")
    new_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_ENCRYPTION_KEYS = old_keys  # what a server started before rotation uses
    late = user_create(
        username="late",
        role=Role.COMMUNITY_OFFICER,
        unit=bekasi.polsek_selatan,
        password=None,
        phone="081222222222",
    )
    settings.FIELD_ENCRYPTION_KEYS = new_keys  # the command's process, after the restart
    call_command("rotate_keys", "--retire")
    settings.FIELD_ENCRYPTION_KEYS = new_keys[:1]
    assert User.objects.get(pk=late.pk).phone == "+6281222222222"


def test_retire_needs_a_second_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]
    with pytest.raises(CommandError):
        call_command("rotate_keys", "--retire")


def test_rotation_refuses_keys_from_the_environment(monkeypatch):
    monkeypatch.setenv("KAMTIBMAS_FIELD_ENCRYPTION_KEYS", "x")
    with pytest.raises(CommandError, match="--reencrypt-only"):
        call_command("rotate_keys")


def test_clearing_the_phone_clears_the_index(officer):
    user_set_phone(user=officer, phone="")
    assert raw_row(officer) == (None, None)
