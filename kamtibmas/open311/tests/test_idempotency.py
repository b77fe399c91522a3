"""``Idempotency-Key`` on Open311 POST (SECURITY.md 19): the same key and body replay
the first answer and create nothing; another body is 422; a retry while the first
runs is 409; keys are scoped per API key; a refused request releases its key."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

import pytest
from django.test import RequestFactory

from kamtibmas.aspirations.models import Aspiration
from kamtibmas.core.idempotency import (
    Claim,
    idempotency_claim,
    idempotency_release,
    request_fingerprint,
)
from kamtibmas.core.models import IdempotencyKey, IdempotencyState
from kamtibmas.open311.services import api_key_create
from kamtibmas.open311.tests.conformance import conforms
from kamtibmas.open311.tests.conftest import BASE, form

FORMATS = ["json", "xml"]


def _post(api, fmt: str, data: dict, key: str | None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post(f"requests.{fmt}", data, **headers)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_retry_replays_the_first_answer_and_creates_nothing(o311, api, fmt):
    key = str(uuid.uuid4())
    data = form(api_key=o311.raw_key, **{"attribute[privacy]": "anonymous"})

    first = _post(api, fmt, data, key)
    again = _post(api, fmt, data, key)

    assert first.status_code == again.status_code == 200
    assert again.content == first.content  # the receipt code too: shown only in this answer
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert again["Content-Type"] == first["Content-Type"]
    conforms(again, "post_response", fmt)
    assert Aspiration.objects.count() == 1
    row = IdempotencyKey.objects.get(key=key)
    assert row.client == f"open311:{o311.key.pk}" and row.state == IdempotencyState.DONE
    assert row.created_at.time() == row.created_at.time().min  # the day only (anonymous)


def test_field_order_does_not_make_another_request(o311, api):
    key = "offline-0001"
    data = form(api_key=o311.raw_key)

    first = _post(api, "json", data, key)
    again = api.post(
        "requests.json", urlencode(dict(reversed(list(data.items())))), HTTP_IDEMPOTENCY_KEY=key
    )

    assert again.status_code == 200 and again.content == first.content
    assert Aspiration.objects.count() == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_key_with_another_body_is_422(o311, api, fmt):
    key = str(uuid.uuid4())
    _post(api, fmt, form(api_key=o311.raw_key), key)

    other = _post(api, fmt, form(api_key=o311.raw_key, description="Sampah menumpuk di kali."), key)

    assert other.status_code == 422
    (error,) = conforms(other, "errors", fmt)
    assert "different request" in error["description"]
    assert Aspiration.objects.count() == 1


def test_the_same_key_in_the_other_format_is_another_request(o311, api):
    key = str(uuid.uuid4())
    data = form(api_key=o311.raw_key)

    assert _post(api, "json", data, key).status_code == 200
    assert _post(api, "xml", data, key).status_code == 422


def test_a_retry_while_the_first_is_in_flight_is_409(o311, api):
    key = str(uuid.uuid4())
    data = form(api_key=o311.raw_key)
    request = RequestFactory().post(
        f"{BASE}/requests.json", urlencode(data), content_type="application/x-www-form-urlencoded"
    )
    claim = idempotency_claim(
        client=f"open311:{o311.key.pk}", key=key, fingerprint=request_fingerprint(request)
    )

    during = _post(api, "json", data, key)

    assert during.status_code == 409
    assert "still being processed" in during.json()[0]["description"]
    assert not Aspiration.objects.exists()
    assert isinstance(claim, Claim)
    idempotency_release(claim)
    assert _post(api, "json", data, key).status_code == 200


def test_keys_are_scoped_per_api_key(o311, api):
    _other, other_raw = api_key_create(name="Aplikasi lain")
    key = "shared-key-1"

    first = _post(api, "json", form(api_key=o311.raw_key), key)
    second = _post(api, "json", form(api_key=other_raw), key)

    assert first.status_code == second.status_code == 200
    assert "Idempotent-Replayed" not in second
    assert Aspiration.objects.count() == 2


def test_a_refused_request_releases_its_key(o311, api):
    key = str(uuid.uuid4())

    refused = _post(api, "json", form(api_key=o311.raw_key, description="<b>x</b>"), key)
    fixed = _post(api, "json", form(api_key=o311.raw_key), key)

    assert refused.status_code == 400
    assert fixed.status_code == 200 and Aspiration.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "kunci rahasia ✓"])
def test_a_malformed_idempotency_key_is_400(o311, api, key):
    answer = _post(api, "json", form(api_key=o311.raw_key), key)

    assert answer.status_code == 400
    assert "Idempotency-Key" in answer.json()[0]["description"]
    assert not Aspiration.objects.exists()
