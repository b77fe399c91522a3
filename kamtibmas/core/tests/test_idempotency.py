"""The ``Idempotency-Key`` ledger (``core.idempotency``, SECURITY.md 19): claims,
replays, refusals, take-over of dead claims, the answer committed with the work,
the purge, and two first requests at the same moment."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import RequestFactory

from kamtibmas.core.idempotency import (
    IN_FLIGHT_TIMEOUT,
    KEEP,
    Claim,
    ClaimLost,
    InFlight,
    KeyReused,
    Replay,
    idempotency_claim,
    idempotency_client,
    idempotency_complete,
    idempotency_purge,
    idempotency_release,
    key_valid,
    request_fingerprint,
)
from kamtibmas.core.models import IdempotencyKey, IdempotencyState

NOW = datetime(2025, 7, 31, 3, 10, 42, tzinfo=UTC)
FP = "a" * 64


def _claim(key: str = "k", fingerprint: str = FP, client: str = "user:1", now=NOW):
    return idempotency_claim(client=client, key=key, fingerprint=fingerprint, now=now)


def _complete(claim, status: int = 201, body: str = '{"id": 7}', location: str = "") -> None:
    with transaction.atomic():
        idempotency_complete(claim, status=status, body=body, location=location)


# Claims and answers -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_first_request_claims_the_key_and_its_answer_is_replayed():
    claim = _claim()
    assert isinstance(claim, Claim)
    _complete(claim, location="/api/v1/aspirations/7")

    replay = _claim(now=NOW + timedelta(days=6))

    assert replay == Replay(status=201, body='{"id": 7}', location="/api/v1/aspirations/7")


@pytest.mark.django_db
def test_the_same_key_for_another_request_is_refused_in_flight_or_done():
    claim = _claim()
    with pytest.raises(KeyReused):
        _claim(fingerprint="b" * 64)
    _complete(claim)
    with pytest.raises(KeyReused):
        _claim(fingerprint="b" * 64)


@pytest.mark.django_db
def test_a_retry_while_in_flight_is_refused_until_the_claim_is_old():
    first = _claim()

    with pytest.raises(InFlight):
        _claim(now=NOW + IN_FLIGHT_TIMEOUT - timedelta(seconds=1))
    taken = _claim(now=NOW + IN_FLIGHT_TIMEOUT + timedelta(seconds=1))

    assert isinstance(taken, Claim) and taken.pk == first.pk and taken.token != first.token
    # The slow first request can no longer complete: its work must roll back.
    with pytest.raises(ClaimLost), transaction.atomic():
        idempotency_complete(first, status=201, body="{}")
    _complete(taken)
    assert IdempotencyKey.objects.get().state == IdempotencyState.DONE


@pytest.mark.django_db
def test_keys_are_scoped_per_client():
    mine, theirs, nobodys = _claim(client="user:1"), _claim(client="user:2"), _claim(client="")

    assert len({c.pk for c in (mine, theirs, nobodys)}) == 3


@pytest.mark.django_db
def test_a_released_key_may_be_used_again():
    claim = _claim()
    idempotency_release(claim)

    assert isinstance(_claim(fingerprint="b" * 64), Claim)


@pytest.mark.django_db
def test_the_answer_commits_with_the_work_or_not_at_all():
    from kamtibmas.areas.models import Area, AreaKind, AreaLevel
    from kamtibmas.areas.services import area_create

    claim = _claim()

    with pytest.raises(RuntimeError, match="dies"), transaction.atomic():
        area_create(
            code="99", name="Uji", level=AreaLevel.PROVINCE, kind=AreaKind.PROVINSI, parent=None
        )
        idempotency_complete(claim, status=201, body="{}")
        raise RuntimeError("the process dies before the commit")

    # Neither the record nor the answer: the key is still in flight, the record absent.
    assert not Area.objects.filter(code="99").exists()
    assert IdempotencyKey.objects.get().state == IdempotencyState.IN_FLIGHT


@pytest.mark.django_db(transaction=True)
def test_the_answer_is_recorded_only_inside_the_works_transaction():
    claim = _claim()

    with pytest.raises(RuntimeError, match="inside the work"):
        idempotency_complete(claim, status=201, body="{}")
    assert IdempotencyKey.objects.get().state == IdempotencyState.IN_FLIGHT


@pytest.mark.django_db
def test_the_ledger_keeps_the_day_not_the_time_and_no_lock_once_done():
    claim = _claim()
    row = IdempotencyKey.objects.get()
    assert row.created_at == datetime(2025, 7, 31, tzinfo=UTC)
    assert row.locked_at == NOW

    _complete(claim)

    assert IdempotencyKey.objects.get().locked_at is None


@pytest.mark.django_db
def test_purge_keeps_every_key_at_least_seven_days():
    _complete(_claim(key="eight-days", now=NOW - KEEP - timedelta(days=1)))
    _complete(_claim(key="seven-days-three-hours", now=datetime(2025, 7, 23, 23, 59, tzinfo=UTC)))
    _complete(_claim(key="almost-seven-days", now=NOW - KEEP + timedelta(minutes=1)))
    _complete(_claim(key="fresh", now=NOW))

    removed = idempotency_purge(now=NOW)

    assert removed == 2
    assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == [
        "almost-seven-days",
        "fresh",
    ]
    # A day later the one from 24 July is eight days old and goes.
    assert idempotency_purge(now=NOW + timedelta(days=1)) == 1


# Inputs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "valid"),
    [
        ("3f0c1c2e-8d7a-4c5b-9a51-2f5e1b7d9c10", True),
        ("a", True),
        ("x" * 255, True),
        ("", False),
        ("x" * 256, False),
        ("kunci\u00e9", False),
        ("tab\there", False),
    ],
)
def test_keys_are_printable_ascii_up_to_255(key, valid):
    assert key_valid(key) is valid


def test_fingerprints_compare_json_as_data_and_see_every_part():
    factory = RequestFactory()

    def fingerprint(path="/x", body='{"a": 1, "b": [1, 2]}', method="post", query=""):
        request = getattr(factory, method)(path + query, body, content_type="application/json")
        return request_fingerprint(request)

    assert fingerprint() == fingerprint(body='{ "b":[1,2],\n"a":1 }')
    assert fingerprint() != fingerprint(body='{"a": 1, "b": [2, 1]}')
    assert fingerprint() != fingerprint(path="/y")
    assert fingerprint() != fingerprint(method="put")
    assert fingerprint() != fingerprint(query="?v=2")
    assert fingerprint(query="?a=1&b=2") == fingerprint(query="?b=2&a=1")
    # Not JSON at all: the raw bytes decide.
    assert fingerprint(body="{oops") != fingerprint(body="{oops ")


def test_uploads_are_fingerprinted_by_content_not_name():
    factory = RequestFactory()

    def fingerprint(name: str, content: bytes) -> str:
        upload = SimpleUploadedFile(name, content, "image/jpeg")
        request = factory.post("/p", {"photo": upload, "caption": "lampu"})
        found = request_fingerprint(request)
        stored = request.FILES.get("photo")
        assert stored is not None and stored.read() == content  # still readable by the view
        return found

    assert fingerprint("a.jpg", b"\xff\xd8one") == fingerprint("b.jpg", b"\xff\xd8one")
    assert fingerprint("a.jpg", b"\xff\xd8one") != fingerprint("a.jpg", b"\xff\xd8two")


@pytest.mark.django_db
def test_the_client_is_the_user_or_nobody(bekasi):
    from django.contrib.auth.models import AnonymousUser

    assert idempotency_client(bekasi.officer_selatan) == f"user:{bekasi.officer_selatan.pk}"
    assert idempotency_client(AnonymousUser()) == ""
    assert idempotency_client(None) == ""


def test_the_stored_answer_is_encrypted(db):
    _complete(_claim(), body=json.dumps({"receipt_code": "7F3Q-9X2M-K4TD-HW8R"}))

    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM core_idempotencykey")
        (raw,) = cursor.fetchone()

    assert "7F3Q" not in raw
    assert "7F3Q-9X2M-K4TD-HW8R" in IdempotencyKey.objects.get().body


# Concurrency --------------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer at a time (the claims simply queue), and its in-memory "
    "test database answers 'table is locked' to concurrent writers instead of waiting. "
    "Run with DATABASE_URL=postgres://… to test two claims at the same moment.",
)
@pytest.mark.django_db(transaction=True)
def test_two_first_claims_at_the_same_moment_give_one_winner():
    def claim(key: str, barrier: threading.Barrier, outcomes: list[object]) -> None:
        try:
            barrier.wait(10)
            outcomes.append(_claim(key=key, now=datetime.now(UTC)))
        except InFlight as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    for attempt in range(10):
        barrier = threading.Barrier(2)
        outcomes: list[object] = []
        threads = [
            threading.Thread(target=claim, args=(f"race-{attempt}", barrier, outcomes))
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)

        assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Claim", "InFlight"]
    assert IdempotencyKey.objects.count() == 10
