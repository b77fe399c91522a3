"""``Idempotency-Key`` on the aspirations API (SECURITY.md 19, §7): a retry replays
the first answer and creates nothing; a different body is 422; a retry while the
first still runs is 409; keys are scoped per client."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory
from django.utils import timezone

from kamtibmas.api.tests.client import api_client
from kamtibmas.aspirations import services
from kamtibmas.aspirations.models import Aspiration, AspirationUpdate, UpdateKind
from kamtibmas.core.idempotency import (
    Claim,
    idempotency_claim,
    idempotency_release,
    request_fingerprint,
)
from kamtibmas.core.models import IdempotencyKey, IdempotencyState
from kamtibmas.notifications.models import OutboxMessage

URL = "/api/v1/aspirations"
BODY = {
    "text": "Lampu jalan di gang RT 001 mati sudah seminggu, gelap sekali.",
    "area": "32.75.04.1005",
    "rw": 24,
    "rt": 1,
    "privacy": "anonymous",
}


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def _post(client: Client, path: str, body, key: str | None, **extra):
    headers = {"Idempotency-Key": key} if key is not None else {}
    content = body if isinstance(body, str) else json.dumps(body)
    return client.post(path, content, content_type="application/json", headers=headers, **extra)


def test_a_retried_submission_replays_the_first_answer_and_creates_nothing(c2):
    client = api_client(c2.officer_selatan)
    key = str(uuid.uuid4())

    first = _post(client, URL, BODY, key)
    again = _post(client, URL, BODY, key)

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert again["Location"] == first["Location"]
    # The receipt code is answered again: a phone that lost the first answer still
    # gets the reporter's only key to an anonymous report.
    assert json.loads(again.content)["receipt_code"] == json.loads(first.content)["receipt_code"]
    assert Aspiration.objects.count() == 1
    assert AspirationUpdate.objects.count() == 1


def test_key_order_and_spacing_do_not_make_another_request(c2):
    client = api_client(c2.officer_selatan)
    key = "offline-capture-0001"
    reordered = json.dumps(dict(reversed(list(BODY.items()))), indent=2)

    first = _post(client, URL, BODY, key)
    again = _post(client, URL, reordered, key)

    assert again.status_code == 201 and again.content == first.content
    assert Aspiration.objects.count() == 1


def test_the_same_key_with_another_body_is_422_and_creates_nothing(c2):
    client = api_client(c2.officer_selatan, language="en")
    key = str(uuid.uuid4())
    _post(client, URL, BODY, key)

    other = _post(client, URL, {**BODY, "text": "Ada sabu di gang sebelah."}, key)
    elsewhere = _post(client, f"{URL}/{Aspiration.objects.get().pk}/notes", {"text": "x"}, key)

    for answer in (other, elsewhere):
        assert answer.status_code == 422
        assert answer.json()["code"] == "idempotency_key_reused"
        assert "already used for a different request" in answer.json()["detail"]
    assert Aspiration.objects.count() == 1
    assert not AspirationUpdate.objects.filter(kind=UpdateKind.NOTE).exists()


def test_keys_are_scoped_per_client(c2):
    key = "the-same-key"

    one = _post(api_client(c2.officer_selatan), URL, BODY, key)
    two = _post(api_client(c2.commander_selatan), URL, BODY, key)

    assert one.status_code == two.status_code == 201
    assert "Idempotent-Replayed" not in two
    assert json.loads(one.content)["number"] != json.loads(two.content)["number"]
    assert Aspiration.objects.count() == 2


def test_a_refused_request_releases_its_key(c2):
    client = api_client(c2.officer_selatan)
    key = str(uuid.uuid4())
    named = {**BODY, "privacy": "public", "reporter_name": "Budi"}

    refused = _post(client, URL, {**named, "notify_by": "email"}, key)
    fixed = _post(client, URL, named, key)

    assert refused.status_code == 422
    assert fixed.status_code == 201
    assert "Idempotent-Replayed" not in fixed
    assert Aspiration.objects.count() == 1


def test_a_request_without_a_key_is_not_recorded(c2):
    _post(api_client(c2.officer_selatan), URL, BODY, None)
    _post(api_client(c2.officer_selatan), URL, BODY, None)

    assert Aspiration.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "kunci\u00e9"])
def test_a_malformed_key_is_400(c2, key):
    headers = {"HTTP_IDEMPOTENCY_KEY": key}
    answer = api_client(c2.officer_selatan, language="en").post(
        URL, json.dumps(BODY), content_type="application/json", **headers
    )

    assert answer.status_code == 400
    assert answer.json()["code"] == "idempotency_key_invalid"
    assert not Aspiration.objects.exists()


def _fingerprint(path: str, body: dict) -> str:
    request = RequestFactory().post(path, json.dumps(body), content_type="application/json")
    return request_fingerprint(request)


def test_a_retry_while_the_first_is_in_flight_is_409(c2):
    key = str(uuid.uuid4())
    claim = idempotency_claim(
        client=f"user:{c2.officer_selatan.pk}", key=key, fingerprint=_fingerprint(URL, BODY)
    )
    client = api_client(c2.officer_selatan, language="en")

    answer = _post(client, URL, BODY, key)

    assert answer.status_code == 409
    assert answer.json()["code"] == "idempotency_in_flight"
    assert not Aspiration.objects.exists()
    # Once the first request gives up, a retry runs.
    assert isinstance(claim, Claim)
    idempotency_release(claim)
    assert _post(client, URL, BODY, key).status_code == 201


def test_a_key_whose_request_died_is_taken_over(c2):
    key = str(uuid.uuid4())
    idempotency_claim(
        client=f"user:{c2.officer_selatan.pk}", key=key, fingerprint=_fingerprint(URL, BODY)
    )
    # The request holding it died six minutes ago.
    IdempotencyKey.objects.update(locked_at=timezone.now() - timedelta(minutes=6))

    answer = _post(api_client(c2.officer_selatan), URL, BODY, key)

    assert answer.status_code == 201
    assert Aspiration.objects.count() == 1
    assert IdempotencyKey.objects.get().state == IdempotencyState.DONE


def test_the_answer_is_kept_encrypted_with_the_day_only(c2):
    answer = _post(api_client(c2.officer_selatan), URL, BODY, "k1")
    code = json.loads(answer.content)["receipt_code"]

    with connection.cursor() as cursor:
        cursor.execute("SELECT body, locked_at FROM core_idempotencykey")
        body, locked_at = cursor.fetchone()

    assert code not in body and "receipt_code" not in body
    row = IdempotencyKey.objects.get()
    assert row.body == answer.content.decode()
    assert (row.created_at.hour, row.created_at.minute, row.created_at.second) == (0, 0, 0)
    assert locked_at is None


def test_a_residents_anonymous_report_is_not_tied_to_the_account_in_the_ledger(c2):
    _post(api_client(c2.resident), URL, BODY, "resident-key")
    _post(api_client(c2.resident), URL, {**BODY, "privacy": "public"}, "resident-key-2")

    assert sorted(IdempotencyKey.objects.values_list("client", flat=True)) == [
        "",
        f"user:{c2.resident.pk}",
    ]


@pytest.fixture
def case(c2, submit):
    return submit("Mohon patroli malam ditingkatkan di RW 024, banyak orang asing.").aspiration


def test_notes_and_actions_replay(c2, case):
    client = api_client(c2.officer_selatan)
    note_url = f"{URL}/{case.pk}/notes"
    action_url = f"{URL}/{case.pk}/actions"

    note = [_post(client, note_url, {"text": "Cek lokasi.", "is_public": True}, "n1") for _ in "ab"]
    act = [_post(client, action_url, {"action": "verify", "text": "Dicek."}, "a1") for _ in "ab"]

    assert note[0].status_code == 201 and note[1].content == note[0].content
    assert act[0].status_code == 200 and act[1].content == act[0].content
    assert act[1]["Idempotent-Replayed"] == "true"
    assert AspirationUpdate.objects.filter(aspiration=case, kind=UpdateKind.NOTE).count() == 1
    assert AspirationUpdate.objects.filter(aspiration=case, to_status="verified").count() == 1
    # A repeated notice is not sent twice either.
    bodies = [message.body for message in OutboxMessage.objects.all()]
    assert sum("Cek lokasi." in body for body in bodies) == 1


def test_a_retry_of_an_action_that_is_no_longer_possible_still_replays(c2, case):
    client = api_client(c2.officer_selatan)
    body = {"action": "verify"}

    first = _post(client, f"{URL}/{case.pk}/actions", body, "v1")
    # Without the key the same action is refused now: the case is verified.
    plain = _post(client, f"{URL}/{case.pk}/actions", body, None)
    again = _post(client, f"{URL}/{case.pk}/actions", body, "v1")

    assert (first.status_code, plain.status_code, again.status_code) == (200, 422, 200)
    assert again.content == first.content


def test_track_messages_are_keyed_by_the_key_alone(c2, submit):
    submitted = submit()
    path = f"/api/v1/track/{submitted.receipt_code}/messages"
    body = {"text": "Malam ini lagi."}

    first = _post(Client(REMOTE_ADDR="203.0.113.1"), path, body, "msg-1")
    again = _post(Client(REMOTE_ADDR="203.0.113.2"), path, body, "msg-1")
    other = _post(Client(REMOTE_ADDR="203.0.113.3"), path, {"text": "Lain."}, "msg-1")

    assert first.status_code == again.status_code == 201
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert AspirationUpdate.objects.filter(kind=UpdateKind.MESSAGE).count() == 1
    assert IdempotencyKey.objects.get().client == ""


def test_photo_uploads_replay_by_content(c2, case):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, "PNG")

    def upload(name: str):
        photo = SimpleUploadedFile(name, buffer.getvalue(), "image/png")
        return api_client(c2.officer_selatan).post(
            f"{URL}/{case.pk}/photos", {"photo": photo}, headers={"Idempotency-Key": "p1"}
        )

    first, again = upload("a.png"), upload("renamed-on-the-phone.png")

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert case.photos.count() == 1


# Concurrency --------------------------------------------------------------------------

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer at a time: a second request waits for the first to "
    "commit and then gets its replay, so 'in flight' cannot be observed, and the "
    "in-memory test database answers 'table is locked' instead of waiting. Run with "
    "DATABASE_URL=postgres://… to test concurrent requests.",
)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_retry_during_the_first_request_is_409_and_then_replays(c2, case, monkeypatch):
    started, finish = threading.Event(), threading.Event()
    real = services.aspiration_note_add

    def slow(**kwargs):
        started.set()
        finish.wait(20)
        return real(**kwargs)

    monkeypatch.setattr(services, "aspiration_note_add", slow)
    path = f"{URL}/{case.pk}/notes"
    body = {"text": "Patroli ditambah."}
    first: list = []

    def run_first() -> None:
        try:
            first.append(_post(api_client(c2.officer_selatan), path, body, "slow-1"))
        finally:
            connection.close()

    thread = threading.Thread(target=run_first)
    thread.start()
    assert started.wait(20)
    during = _post(api_client(c2.officer_selatan), path, body, "slow-1")
    finish.set()
    thread.join(30)
    after = _post(api_client(c2.officer_selatan), path, body, "slow-1")

    assert during.status_code == 409 and during.json()["code"] == "idempotency_in_flight"
    assert first[0].status_code == 201
    assert after.status_code == 201 and after.content == first[0].content
    assert AspirationUpdate.objects.filter(kind=UpdateKind.NOTE).count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_requests_at_once_create_one_case(c2):
    barrier = threading.Barrier(2)
    answers: list = []
    errors: list = []
    clients = [api_client(c2.officer_selatan), api_client(c2.officer_selatan)]

    def submit(client: Client) -> None:
        try:
            barrier.wait(10)
            answers.append(_post(client, URL, BODY, "race-1"))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    statuses = sorted(answer.status_code for answer in answers)
    # One ran; the other found it running (409) or, if it came late, replayed it.
    assert statuses in ([201, 201], [201, 409])
    if statuses == [201, 201]:
        assert answers[0].content == answers[1].content
    assert Aspiration.objects.count() == 1
