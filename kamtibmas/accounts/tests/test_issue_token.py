"""``kamtibmas issue_token``: refusals are one-line command errors, not tracebacks."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.translation import gettext

from kamtibmas.accounts.models import ApiToken


def test_an_inactive_user_gets_a_command_error(bekasi):
    bekasi.officer_selatan.is_active = False
    bekasi.officer_selatan.save(update_fields=["is_active"])

    with pytest.raises(CommandError) as exc:
        call_command("issue_token", "bhabin.selatan")

    assert str(exc.value) == gettext("Inactive users cannot receive API tokens.")
    assert not ApiToken.objects.exists()
