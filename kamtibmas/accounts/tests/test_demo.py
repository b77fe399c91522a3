"""The demo stays usable with the staff second factor: a published key and a command
printing its current code (docs/decisions/026)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from kamtibmas.accounts.demo import DEMO_TOTP_SECRET, demo_device_give, demo_otp_instructions


def test_a_demo_officer_signs_in_with_the_code_demo_code_prints(bekasi, capsys):
    cache.clear()
    demo_device_give(bekasi.officer_selatan)
    demo_device_give(bekasi.officer_selatan)  # running the demo again adds nothing
    assert TOTPDevice.objects.filter(user=bekasi.officer_selatan).count() == 1
    client = Client()
    client.post(
        "/accounts/login/", {"username": "bhabin.selatan", "password": "correct horse battery"}
    )
    call_command("demo_code")
    code = capsys.readouterr().out.strip()
    assert len(code) == 6 and code.isdigit()
    assert client.post("/accounts/login/code/", {"code": code})["Location"] == "/welcome"
    assert client.get("/staff/").status_code == 200
    assert any(DEMO_TOTP_SECRET in line for line in demo_otp_instructions())


def test_demo_code_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("demo_code")
