"""``user_set_role``: the unit and admin-access rules of a role, in one place."""

import pytest
from django.core.exceptions import ValidationError

from kamtibmas.accounts.models import Role, User
from kamtibmas.accounts.services import user_create, user_set_role


def test_a_demoted_commander_loses_admin_access(bekasi):
    user_set_role(
        user=bekasi.commander_selatan, role=Role.COMMUNITY_OFFICER, unit=bekasi.polsek_selatan
    )

    stored = User.objects.get(pk=bekasi.commander_selatan.pk)
    assert stored.role == Role.COMMUNITY_OFFICER and not stored.is_staff


def test_a_promoted_officer_gains_admin_access_and_a_new_unit(bekasi):
    user_set_role(user=bekasi.officer_selatan, role=Role.COMMANDER, unit=bekasi.polres)

    stored = User.objects.get(pk=bekasi.officer_selatan.pk)
    assert stored.role == Role.COMMANDER and stored.unit == bekasi.polres and stored.is_staff


def test_staff_roles_but_administrator_need_a_unit(bekasi):
    with pytest.raises(ValidationError) as exc:
        user_set_role(user=bekasi.commander_selatan, role=Role.HANDLER, unit=None)

    assert exc.value.code == "unit_required"
    assert User.objects.get(pk=bekasi.commander_selatan.pk).role == Role.COMMANDER
    administrator = user_set_role(user=bekasi.commander_selatan, role=Role.ADMIN, unit=None)
    assert administrator.is_staff and User.objects.get(pk=administrator.pk).unit is None


def test_user_create_follows_the_same_rules(bekasi):
    officer = user_create(
        username="bhabin3", role=Role.HANDLER, unit=bekasi.polsek_selatan, password=None
    )
    commander = user_create(
        username="kapolsek3", role=Role.COMMANDER, unit=bekasi.polsek_timur, password=None
    )

    assert not officer.is_staff and commander.is_staff
    with pytest.raises(ValidationError):
        user_create(username="bhabin4", role=Role.PARTNER, unit=None, password=None)
