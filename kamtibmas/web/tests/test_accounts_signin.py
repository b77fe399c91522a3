"""Signing in (SECURITY.md 10): the staff second factor, recovery codes, throttled
guessing, idle and absolute session limits, disabled users."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kamtibmas.accounts import bruteforce
from kamtibmas.accounts.middleware import SEEN_KEY, SIGNED_IN_KEY
from kamtibmas.accounts.selectors import recovery_codes_left
from kamtibmas.accounts.services import recovery_codes_issue

PASSWORD = "correct horse battery"


def codes_on(response) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7-]+)</code></li>", response.content.decode())


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def english(**extra) -> Client:
    client = Client(**extra)
    client.cookies["kamtibmas_language"] = "en"
    return client


def sign_in(client: Client, username: str, password: str = PASSWORD, next_url: str = ""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


def code_of(device: TOTPDevice, ahead: int = 0) -> str:
    """The device's code now (``ahead``: of a later 30-second step, which the device
    also accepts once the current one was used)."""
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead)
    return f"{code:06d}"


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


# Enrolment ----------------------------------------------------------------------------


def test_a_new_officer_enrols_an_authenticator_and_gets_ten_recovery_codes(bekasi):
    client = english()
    response = sign_in(client, "bhabin.selatan", next_url="/staff/aspirations/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/authenticator/?next=%2Fstaff%2Faspirations%2F"
    # Nothing of the staff area before the second factor.
    assert client.get("/staff/")["Location"].startswith("/accounts/login/authenticator/")

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    qr = html.split('id="otp-qr">', 1)[1].split("</figure>", 1)[0]
    assert qr.startswith("<svg"), "the QR is inline SVG made by the server"
    assert "<script" not in html and "src=" not in qr
    device = TOTPDevice.objects.get(user=bekasi.officer_selatan)
    assert not device.confirmed
    found = re.search(r'id="otp-secret">([^<]+)<', html)
    assert found is not None
    secret = found.group(1).replace(" ", "")
    assert secret in device.config_url

    wrong = client.post(
        "/accounts/login/authenticator/",
        {"code": "000000" if code_of(device) != "000000" else "111111"},
    )
    assert wrong.status_code == 200
    assert "This code is not right" in wrong.content.decode()

    done = client.post(
        "/accounts/login/authenticator/", {"code": code_of(device), "next": "/staff/aspirations/"}
    )
    assert done.status_code == 200
    codes = codes_on(done)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(code.replace("-", "")) == 16 for code in codes)  # 80 bits each
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/staff/aspirations/").status_code == 200
    # The codes are stored as digests only.
    assert recovery_codes_left(bekasi.officer_selatan) == 10
    from django_otp.plugins.otp_static.models import StaticToken

    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert not stored & {c.replace("-", "") for c in codes}


def test_someone_with_the_password_cannot_enrol_a_second_authenticator(bekasi):
    enrolled(bekasi.officer_selatan)
    client = Client()
    sign_in(client, "bhabin.selatan")
    response = client.get("/accounts/login/authenticator/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/code/")
    assert client.post("/accounts/login/authenticator/", {"code": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=bekasi.officer_selatan).count() == 1


# Verification -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/staff/", "/staff/aspirations/", "/staff/loss/", "/admin/", "/"])
def test_every_page_waits_for_the_code_after_the_password(bekasi, path):
    enrolled(bekasi.commander_selatan)
    client = Client()
    assert sign_in(client, "kapolsek.selatan")["Location"].startswith("/accounts/login/code/")
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/code/?next=")


def test_security_10_the_code_from_the_app_opens_the_staff_area_and_a_code_is_good_once(bekasi):
    device = enrolled(bekasi.officer_selatan)
    client = english()
    response = sign_in(client, "bhabin.selatan", next_url="/staff/aspirations/")
    assert response["Location"] == "/accounts/login/code/?next=%2Fstaff%2Faspirations%2F"
    assert client.get(response["Location"]).status_code == 200
    code = code_of(device)
    ok = client.post("/accounts/login/code/", {"code": code, "next": "/staff/aspirations/"})
    assert ok.status_code == 302 and ok["Location"] == "/staff/aspirations/"
    assert client.get("/staff/").status_code == 200

    other = english()
    sign_in(other, "bhabin.selatan")
    replay = other.post("/accounts/login/code/", {"code": code})
    assert replay.status_code == 200, "a used code is not accepted again"
    assert other.get("/staff/").status_code == 302


def test_the_code_page_refuses_an_off_site_next(bekasi):
    device = enrolled(bekasi.officer_selatan)
    client = Client()
    sign_in(client, "bhabin.selatan")
    response = client.post(
        "/accounts/login/code/", {"code": code_of(device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/welcome"


def test_a_recovery_code_works_once_and_new_ones_replace_the_old(bekasi):
    enrolled(bekasi.officer_selatan)
    codes = recovery_codes_issue(user=bekasi.officer_selatan)

    client = english()
    sign_in(client, "bhabin.selatan")
    response = client.post("/accounts/login/code/", {"code": codes[0].upper().replace("-", " ")})
    assert response.status_code == 302
    assert "9 are left" in client.get("/staff/").content.decode()

    again = english()
    sign_in(again, "bhabin.selatan")
    assert again.post("/accounts/login/code/", {"code": codes[0]}).status_code == 200
    assert again.get("/staff/").status_code == 302

    page = client.get("/accounts/recovery-codes/")
    assert "9 unused recovery codes" in page.content.decode()
    fresh = codes_on(client.post("/accounts/recovery-codes/"))
    assert len(fresh) == 10
    third = english()
    sign_in(third, "bhabin.selatan")
    assert third.post("/accounts/login/code/", {"code": codes[1]}).status_code == 200
    assert third.post("/accounts/login/code/", {"code": fresh[0]}).status_code == 302


def test_residents_sign_in_with_the_password_alone(bekasi):
    client = Client()
    response = sign_in(client, "warga")
    assert response.status_code == 302 and response["Location"] == "/welcome"
    assert client.get("/").status_code == 200
    assert client.get("/staff/").status_code == 403
    assert not TOTPDevice.objects.exists()


def test_with_the_second_factor_turned_off_staff_sign_in_with_the_password(bekasi, settings):
    settings.KAMTIBMAS_STAFF_OTP = False
    client = Client()
    assert sign_in(client, "bhabin.selatan")["Location"] == "/welcome"
    assert client.get("/staff/").status_code == 200


def test_the_deploy_check_refuses_a_server_without_the_second_factor(settings):
    from kamtibmas.accounts.checks import staff_second_factor_on

    assert staff_second_factor_on() == []
    settings.KAMTIBMAS_STAFF_OTP = False
    assert [m.id for m in staff_second_factor_on()] == ["kamtibmas.E026"]


# Guessing -----------------------------------------------------------------------------


def test_security_10_ten_wrong_passwords_from_one_client_pause_it_but_not_others(bekasi):
    attacker = english(REMOTE_ADDR="203.0.113.7")
    for _ in range(10):
        assert sign_in(attacker, "warga", "wrong password").status_code == 200
    refused = sign_in(attacker, "warga")
    assert refused.status_code == 429
    assert "Too many failed attempts. Wait 15 minutes" in refused.content.decode()
    assert "_auth_user_id" not in attacker.session

    owner = Client(REMOTE_ADDR="198.51.100.20")
    assert sign_in(owner, "warga")["Location"] == "/welcome"


def test_the_pause_ends_by_itself(bekasi, monkeypatch):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(10):
        sign_in(client, "warga", "wrong password")
    assert sign_in(client, "warga").status_code == 429
    later = time.time() + 16 * 60 + 75
    monkeypatch.setattr(bruteforce, "_clock", lambda: later)
    assert sign_in(client, "warga").status_code == 302


def test_ten_wrong_codes_pause_the_code_page(bekasi):
    device = enrolled(bekasi.officer_selatan)
    client = english()
    sign_in(client, "bhabin.selatan")
    wrong = "000000" if code_of(device) != "000000" else "111111"
    for _ in range(10):
        assert client.post("/accounts/login/code/", {"code": wrong}).status_code == 200
    refused = client.post("/accounts/login/code/", {"code": code_of(device)})
    assert refused.status_code == 429
    assert "Too many failed attempts" in refused.content.decode()
    assert client.get("/staff/").status_code == 302


def test_no_password_reaches_the_logs(bekasi, caplog):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(11):
        sign_in(client, "warga", "hunter2-secret-guess")
    assert "sign-in throttled" in caplog.text
    assert "hunter2-secret-guess" not in caplog.text


# Sessions -----------------------------------------------------------------------------


def _age(client: Client, key: str, seconds: int) -> None:
    session = client.session
    session[key] = int(time.time()) - seconds
    session.save()


def test_security_10_thirty_minutes_without_a_request_end_the_session(bekasi):
    client = english()
    client.force_login(bekasi.officer_selatan)
    assert client.get("/staff/").status_code == 200
    _age(client, SEEN_KEY, 29 * 60)
    assert client.get("/staff/").status_code == 200
    _age(client, SEEN_KEY, 31 * 60)
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "Your session has ended" in client.get(response["Location"]).content.decode()


def test_twelve_hours_after_sign_in_the_session_ends_however_busy(bekasi):
    client = Client()
    client.force_login(bekasi.officer_selatan)
    _age(client, SIGNED_IN_KEY, 12 * 60 * 60 - 60)
    assert client.get("/staff/").status_code == 200
    _age(client, SIGNED_IN_KEY, 12 * 60 * 60 + 1)
    assert client.get("/staff/").status_code == 302


def test_the_last_request_is_written_at_most_once_a_minute(bekasi):
    client = Client()
    client.force_login(bekasi.officer_selatan)
    _age(client, SEEN_KEY, 30)
    before = client.session[SEEN_KEY]
    client.get("/staff/")
    assert client.session[SEEN_KEY] == before
    _age(client, SEEN_KEY, 90)
    client.get("/staff/")
    assert client.session[SEEN_KEY] >= int(time.time()) - 5


def test_a_disabled_user_is_signed_out_on_the_next_request(bekasi):
    client = Client()
    client.force_login(bekasi.officer_selatan)
    assert client.get("/staff/").status_code == 200
    key = client.session.session_key
    bekasi.officer_selatan.is_active = False
    bekasi.officer_selatan.save()
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Session.objects.filter(session_key=key).exists()


def test_the_admin_login_form_sends_to_the_throttled_sign_in(db):
    response = Client().post("/admin/login/?next=/admin/accounts/user/", {"username": "x"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    anonymous = Client().get("/admin/")
    assert anonymous["Location"].startswith("/admin/login/")
