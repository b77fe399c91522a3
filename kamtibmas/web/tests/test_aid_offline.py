"""The offline hand-out's server side: the shell page, the offline list and the sync
of queued entries (issue 8 point 4; SECURITY.md 19)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from kamtibmas.aid import offline
from kamtibmas.aid.models import AidProgram, Handout, HandoutConfirmation
from kamtibmas.aid.services import aid_handout_record, household_register
from kamtibmas.aid.tests.conftest import KK, aid
from kamtibmas.areas.services import area_rt_get_or_create
from kamtibmas.core.timefmt import format_local_date, local_today, resolve_zone
from kamtibmas.privacy.models import AuditEntry
from kamtibmas.web import aid_offline
from kamtibmas.web.tests.test_aid_staff import running, signed_in

__all__ = ["aid", "running"]  # the fixtures, imported for this module


def base(aid) -> str:
    return f"/staff/aid/{aid.program.pk}/locations/{aid.venue.pk}/offline/"


def entry(aid, **changes) -> dict:
    data = {
        "household": aid.household.pk,
        "recipient_name": "Ahmad Yani",
        "children_present": 2,
        "handed_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "confirmation": None,
    }
    data.update(changes)
    return data


def send(client, aid, data, key=None):
    return client.post(
        base(aid) + "sync",
        json.dumps(data),
        content_type="application/json",
        headers={"Idempotency-Key": key or str(uuid.uuid4())},
    )


def png_signature() -> str:
    image = Image.new("RGBA", (1200, 400), (0, 0, 0, 0))
    for x in range(100, 1100):
        image.putpixel((x, 200), (0, 0, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_the_shell_holds_no_personal_data_and_is_not_stored(client, running):
    signed_in(client, running.officer)
    response = client.get(base(running))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ahmad Yani" not in body and KK not in body
    assert "aid-offline.js" in body and 'id="offline-texts"' in body
    # The shared queue, and the cache the page fills for its service worker.
    assert body.index("offline-queue.js") < body.index("aid-offline.js")
    assert f'data-cache="{aid_offline.CACHE}"' in body
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("who,expected", [("resident", 403), ("officer_timur", 404)])
def test_others_are_refused_or_do_not_find_the_offline_pages(client, running, who, expected):
    signed_in(client, getattr(running, who))
    for url in (base(running), base(running) + "list.json", base(running) + "sync"):
        assert client.get(url).status_code == expected, url
    assert send(client, running, entry(running)).status_code == expected


def test_the_list_holds_digests_not_numbers_and_is_audited(client, running):
    signed_in(client, running.officer)
    before = AuditEntry.objects.filter(reason="aid hand-out: offline list").count()
    response = client.get(base(running) + "list.json")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert KK not in response.content.decode()
    data = response.json()
    (household,) = data["households"]
    assert household["name"] == "Ahmad Yani" and household["kk_end"] == "0011"
    assert household["kk"] == hashlib.sha256(f"{data['salt']}:{KK}".encode()).hexdigest()
    assert household["refused"] == "" and household["place"] == "RW 024"
    assert {item["name"]: item["balance"] for item in data["items"]} == {
        "Paket sembako": 50,
        "Snack anak": 30,
    }
    after = AuditEntry.objects.filter(reason="aid hand-out: offline list")
    assert after.count() == before + 1
    assert after.latest("pk").subject_id == str(running.household.pk)
    # A new salt every time: two lists cannot be compared.
    assert client.get(base(running) + "list.json").json()["salt"] != data["salt"]


def test_the_list_says_who_already_received_and_can_be_narrowed(client, running):
    aid_handout_record(
        actor=running.officer,
        program=running.program,
        household=running.household,
        location=running.venue,
        recipient_name="Ahmad Yani",
    )
    rt003 = area_rt_get_or_create(rw=running.rw024, number=3)
    other = household_register(
        actor=running.officer,
        kk_number="3275040101090022",
        head_name="Budi Santoso",
        area=rt003,
        members=2,
    )
    signed_in(client, running.officer)
    data = client.get(base(running) + "list.json").json()
    refused = {h["id"]: h["refused"] for h in data["households"]}
    assert "Balai RW 024" in refused[running.household.pk]
    assert refused[other.pk] == ""
    narrowed = client.get(base(running) + f"list.json?area={rt003.pk}").json()
    assert [h["id"] for h in narrowed["households"]] == [other.pk]
    assert client.get(base(running) + "list.json?area=999999").status_code == 400


@pytest.mark.parametrize("ends_in,kept_days", [(30, offline.OFFLINE_LIST_DAYS), (1, 1), (0, 0)])
def test_a_list_is_kept_to_the_program_s_last_day_and_a_few_days_at_most(
    client, running, ends_in, kept_days
):
    """The phone deletes the list at its ``keep_until``: midnight (in the program's
    zone) after the program's last day, or after the ``OFFLINE_LIST_DAYS``-th day
    after the download if that comes first."""
    area = running.program.unit.area
    today = local_today(area)
    AidProgram.objects.filter(pk=running.program.pk).update(ends_on=today + timedelta(ends_in))
    signed_in(client, running.officer)
    data = client.get(base(running) + "list.json").json()
    last_day = today + timedelta(days=kept_days)
    midnight = datetime.combine(
        last_day + timedelta(days=1), time.min, tzinfo=ZoneInfo(resolve_zone(area).value)
    )
    assert data["version"] == offline.OFFLINE_LIST_VERSION == 2
    assert datetime.fromisoformat(data["keep_until"]) == midnight
    assert data["keep_until_label"] == format_local_date(last_day)
    assert 1 <= offline.OFFLINE_LIST_DAYS < 7  # within the week an entry may wait


def test_a_program_that_has_ended_gives_no_list(client, running):
    yesterday = local_today(running.program.unit.area) - timedelta(days=1)
    AidProgram.objects.filter(pk=running.program.pk).update(ends_on=yesterday)
    audited = AuditEntry.objects.filter(reason="aid hand-out: offline list")
    before = audited.count()
    signed_in(client, running.officer)
    response = client.get(base(running) + "list.json")
    assert response.status_code == 422
    assert format_local_date(yesterday) in response.json()["message"]
    assert "Ahmad Yani" not in response.content.decode()
    assert audited.count() == before


def test_a_list_beyond_the_cap_asks_for_an_rw(client, running, monkeypatch):
    monkeypatch.setattr(offline, "OFFLINE_LIST_CAP", 0)
    signed_in(client, running.officer)
    response = client.get(base(running) + "list.json")
    assert response.status_code == 422 and "RW" in response.json()["message"]


def test_an_entry_is_recorded_once_however_often_it_is_sent(client, running):
    signed_in(client, running.officer)
    data = entry(running)
    key = str(uuid.uuid4())
    first = send(client, running, data, key)
    assert first.status_code == 201, first.content
    answer = first.json()
    assert answer["state"] == "sent" and "0011" in answer["message"]
    handout = Handout.objects.get()
    assert handout.pk == answer["handout"]
    assert abs(handout.handed_at - timezone.now() + timedelta(hours=1)) < timedelta(minutes=1)
    assert handout.children_present == 2 and handout.officer == running.officer
    # The answer was lost; the phone sends the same entry again.
    again = send(client, running, data, key)
    assert again.status_code == 201 and again.json() == answer
    assert Handout.objects.count() == 1
    # The same key with another body is another entry: refused, nothing recorded.
    other = send(client, running, {**data, "children_present": 1}, key)
    assert other.status_code == 422 and other.json()["state"] == "rejected"
    # A new key for the same household: the server refuses a second package.
    second = send(client, running, data)
    assert second.status_code == 422
    assert "Balai RW 024" in second.json()["message"]
    assert Handout.objects.count() == 1


def test_a_signature_is_kept_as_a_small_jpeg_encrypted(client, running):
    signed_in(client, running.officer)
    data = entry(running, confirmation={"kind": "signature", "data": png_signature()})
    response = send(client, running, data)
    assert response.status_code == 201, response.content
    confirmation = HandoutConfirmation.objects.get()
    assert confirmation.kind == "signature" and confirmation.width == 800
    picture = Image.open(io.BytesIO(base64.b64decode(confirmation.image)))
    assert picture.format == "JPEG" and not picture.getexif()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT image FROM aid_handoutconfirmation")
        (stored,) = cursor.fetchone()
    assert confirmation.image[:40] not in str(stored)


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"handed_at": (timezone.now() + timedelta(hours=2)).isoformat()}, "masa depan"),
        ({"handed_at": (timezone.now() - timedelta(days=9)).isoformat()}, "7"),
        ({"recipient_name": "   "}, ""),
        ({"confirmation": {"kind": "signature", "data": "bm90IGFuIGltYWdl"}}, ""),
        ({"confirmation": {"kind": "painting", "data": png_signature()}}, ""),
    ],
)
def test_bad_entries_are_refused_with_a_reason_and_record_nothing(client, running, changes, field):
    signed_in(client, running.officer)
    response = send(client, running, entry(running, **changes))
    assert response.status_code == 422, response.content
    assert response.json()["state"] == "rejected" and response.json()["message"]
    assert field in response.json()["message"]
    assert Handout.objects.count() == 0 and HandoutConfirmation.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        json.dumps({"household": "1", "recipient_name": "A", "handed_at": "x"}).encode(),
        json.dumps(
            {"household": 1, "recipient_name": "A", "handed_at": "2026-01-01T10:00"}
        ).encode(),
        json.dumps(
            {
                "household": 1,
                "recipient_name": "A",
                "handed_at": "2026-01-01T10:00Z",
                "children_present": True,
            }
        ).encode(),
    ],
)
def test_malformed_entries_are_400(client, running, body):
    signed_in(client, running.officer)
    response = client.post(
        base(running) + "sync",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 400 and response.json()["state"] == "rejected"
    assert Handout.objects.count() == 0


def test_an_entry_without_a_key_is_refused(client, running):
    signed_in(client, running.officer)
    response = client.post(
        base(running) + "sync", json.dumps(entry(running)), content_type="application/json"
    )
    assert response.status_code == 400 and Handout.objects.count() == 0


def test_the_sync_needs_the_csrf_token_it_hands_out(running):
    client = Client(enforce_csrf_checks=True)
    client.force_login(running.officer)
    refused = send(client, running, entry(running))
    assert refused.status_code == 403 and Handout.objects.count() == 0
    token = client.get(base(running) + "sync").json()["csrf"]
    response = client.post(
        base(running) + "sync",
        json.dumps(entry(running)),
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4()), "X-CSRFToken": token},
    )
    assert response.status_code == 201


def test_the_service_worker_is_javascript_scoped_to_the_aid_pages(client):
    response = client.get("/staff/aid/offline-sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert 'method !== "GET"' in body and "/static/" in body
    assert f'var CACHE = "{aid_offline.CACHE}";' in body and aid_offline.CACHE.endswith("-v2")
