"""API keys decide who may post (403 otherwise); reading is public. Keys are stored
hashed, created by the command line, listed and deactivated in the admin; posting
is rate-limited per key."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import translation

from kamtibmas.aspirations.models import Aspiration
from kamtibmas.core.throttle import Limit
from kamtibmas.open311 import views
from kamtibmas.open311.keys import key_digest
from kamtibmas.open311.models import ApiKey
from kamtibmas.open311.services import api_key_authenticate, api_key_create, api_key_deactivate
from kamtibmas.open311.tests.conformance import conforms
from kamtibmas.open311.tests.conftest import MARGAHAYU, form

FORMATS = ["json", "xml"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("key", "words"),
    [
        (None, "api_key is required"),
        ("", "api_key is required"),
        ("o311_not-a-key-at-all-but-long-enough", "Invalid api_key"),
        ("kmt_a-staff-token-is-not-an-open311-key", "Invalid api_key"),
    ],
)
def test_posting_without_a_valid_key_is_403(o311, api, fmt, key, words):
    answer = api.post(f"requests.{fmt}", form(api_key=key))

    assert answer.status_code == 403
    (error,) = conforms(answer, "errors", fmt)
    assert error["code"] == "403" and words in error["description"]
    assert not Aspiration.objects.exists()


def test_a_deactivated_key_is_403(o311, api):
    api_key_deactivate(key=o311.key)

    answer = api.post("requests.json", form(api_key=o311.raw_key))

    assert answer.status_code == 403
    assert not Aspiration.objects.exists()


def test_the_key_may_come_in_the_query_string(o311, api):
    answer = api.post("requests.json", form(), query=f"api_key={o311.raw_key}")

    assert answer.status_code == 200, answer.content


def test_reading_needs_no_key(o311, api):
    assert api.get("requests.json").status_code == 200
    # FixMyStreet sends its key on reads too; it is accepted and not needed.
    assert api.get("servicerequestupdates.json", {"api_key": "anything"}).status_code == 200


def test_keys_are_stored_hashed_with_a_prefix(o311):
    assert o311.key.digest == key_digest(o311.raw_key) != o311.raw_key
    assert o311.raw_key.startswith(o311.key.prefix) and len(o311.key.prefix) == 12
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM open311_apikey")
        dump = repr(cursor.fetchall())
    assert o311.raw_key not in dump and o311.raw_key[12:] not in dump
    assert api_key_authenticate(o311.raw_key) == o311.key
    # One character changed (never to itself: 1 key in 64 ends in "A").
    other = "B" if o311.raw_key.endswith("A") else "A"
    assert api_key_authenticate(o311.raw_key[:-1] + other) is None


def test_a_key_bound_to_a_unit_posts_only_into_its_areas(o311, api):
    _key, raw = api_key_create(name="Aplikasi Polsek Bekasi Timur", unit=o311.polsek_timur)

    outside = api.post("requests.json", form(api_key=raw))
    inside = api.post("requests.json", form(api_key=raw, address_id=MARGAHAYU))

    assert outside.status_code == 403
    assert "Polsek Bekasi Timur" in outside.json()[0]["description"]
    assert inside.status_code == 200, inside.content
    assert Aspiration.objects.get().area.code == MARGAHAYU


def test_the_command_prints_a_working_key_once(o311, api):
    out = StringIO()
    call_command("open311_key", "create", "Mitra Dinsos", "--unit", str(o311.polres.pk), stdout=out)

    raw = out.getvalue().strip()
    key = ApiKey.objects.get(name="Mitra Dinsos")
    assert key.unit == o311.polres and key.digest == key_digest(raw)
    assert api.post("requests.json", form(api_key=raw)).status_code == 200

    listed = StringIO()
    call_command("open311_key", "list", stdout=listed)
    assert key.prefix in listed.getvalue() and raw not in listed.getvalue()

    call_command("open311_key", "deactivate", key.prefix, stdout=StringIO())
    assert api.post("requests.json", form(api_key=raw)).status_code == 403


def test_the_command_refuses_an_unknown_unit_or_prefix(db):
    # In the operator's language: Indonesian by default, English when asked for.
    with pytest.raises(CommandError, match="Tidak ada satuan dengan id 999999"):
        call_command("open311_key", "create", "X", "--unit", "999999", stdout=StringIO())
    with translation.override("en"):
        with pytest.raises(CommandError, match="no unit"):
            call_command("open311_key", "create", "X", "--unit", "999999", stdout=StringIO())
        with pytest.raises(CommandError, match="prefix"):
            call_command("open311_key", "deactivate", "o311_nothing", stdout=StringIO())
    assert not ApiKey.objects.exists()


def test_the_admin_lists_and_deactivates_keys_but_never_creates_them(o311, client):
    client.force_login(o311.admin)

    changelist = client.get(reverse("admin:open311_apikey_changelist"))
    add = client.get(reverse("admin:open311_apikey_add"))
    action = client.post(
        reverse("admin:open311_apikey_changelist"),
        {"action": "deactivate_keys", "_selected_action": [o311.key.pk]},
    )

    assert changelist.status_code == 200 and o311.key.prefix in changelist.content.decode()
    assert o311.raw_key.encode() not in changelist.content
    assert add.status_code == 403
    assert action.status_code == 302
    o311.key.refresh_from_db()
    assert not o311.key.is_active


def test_keyless_intake_when_the_operator_enables_it(o311, api, settings):
    settings.KAMTIBMAS_OPEN311_KEYLESS_INTAKE = True

    keyless = api.post("requests.json", form())
    wrong = api.post("requests.json", form(api_key="o311_not-a-key-at-all-but-long-enough"))

    assert keyless.status_code == 200, keyless.content
    assert wrong.status_code == 403
    assert Aspiration.objects.get().open311_submission.api_key is None


def test_posting_is_rate_limited_per_key(o311, api, monkeypatch):
    monkeypatch.setattr(views, "POST_PER_KEY", Limit(attempts=2, seconds=60))
    _other, other_raw = api_key_create(name="Aplikasi lain")

    answers = [api.post("requests.json", form(api_key=o311.raw_key)) for _ in range(3)]
    other = api.post("requests.json", form(api_key=other_raw))

    assert [a.status_code for a in answers] == [200, 200, 429]
    conforms(answers[2], "errors", "json")
    assert other.status_code == 200
    assert Aspiration.objects.count() == 3


def test_keyless_posting_is_rate_limited_per_client(o311, api, settings, monkeypatch):
    settings.KAMTIBMAS_OPEN311_KEYLESS_INTAKE = True
    monkeypatch.setattr(views, "KEYLESS_PER_CLIENT", Limit(attempts=1, seconds=3600))

    first = api.post("requests.json", form())
    second = api.post("requests.xml", form())

    assert (first.status_code, second.status_code) == (200, 429)
    conforms(second, "errors", "xml")
