import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kamtibmas.accounts.models import Role, User
from kamtibmas.accounts.services import user_create


def test_staff_need_a_unit(bekasi):
    with pytest.raises(ValidationError):
        user_create(username="x", role=Role.HANDLER, unit=None, password=None)


def test_database_refuses_staff_without_unit(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="y", role=Role.DESK_OFFICER, unit=None)


@pytest.mark.parametrize("password", ["password", "12345678", "kamtibmas", "short"])
def test_weak_passwords_are_refused(bekasi, password):
    with pytest.raises(ValidationError):
        user_create(
            username="kamtibmas", role=Role.HANDLER, unit=bekasi.polsek_selatan, password=password
        )


def test_long_passphrases_are_accepted(bekasi):
    phrase = "kopi pagi di RW 024 bersama warga " * 2  # 68 characters
    user = user_create(username="z", role=Role.HANDLER, unit=bekasi.polsek_selatan, password=phrase)
    assert user.check_password(phrase)


def test_commanders_and_admins_may_open_the_admin(bekasi):
    commander = user_create(
        username="kapolsek2", role=Role.COMMANDER, unit=bekasi.polsek_selatan, password=None
    )
    officer = user_create(
        username="bhabin2", role=Role.COMMUNITY_OFFICER, unit=bekasi.polsek_selatan, password=None
    )
    assert commander.is_staff and not officer.is_staff
    assert commander.has_perm("areas.view_unit") and not commander.has_perm("areas.change_unit")
    assert bekasi.admin.has_perm("areas.change_unit")
    assert not bekasi.resident.has_perm("areas.view_unit")


def test_disabled_users_lose_every_permission(bekasi):
    bekasi.admin.is_active = False
    assert not bekasi.admin.has_perm("areas.view_unit")
