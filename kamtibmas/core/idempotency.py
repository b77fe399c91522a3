"""``Idempotency-Key``: a retried request never does its work twice (SECURITY.md 19).

The semantics are those of the IETF Idempotency-Key draft and Stripe:

* a first request with a key *claims* it (an ``in_flight`` row) and runs;
* the same key with the same request (method, path, query and canonical body) gets
  the first answer again, byte for byte, and nothing new is done;
* the same key with a different request is refused (``KeyReused``, 422);
* the same key while the first request still runs is refused (``InFlight``, 409).

Keys are scoped per client: the user behind the API token (``"user:<id>"``).
Requests without a token (the public tracking page's messages) are keyed by the key
alone, ``client=""``: their clients should send random keys (UUIDs), as the draft
asks. A key is kept at least ``KEEP`` (an officer's phone may stay offline a week),
then ``idempotency_purge`` removes it.

How it stays correct under concurrency and crashes:

* The claim is an ``INSERT`` committed in its own short transaction, so a second
  request sees it at once; the unique constraint on ``(client, key)`` makes the
  database pick exactly one winner when two first requests race.
* The answer is recorded by ``idempotency_complete`` *inside the transaction of the
  work itself*. The record and its key's answer commit together or not at all: no
  record without its answer, no answer without its record.
* A request that fails (any exception) releases its claim, so the client may fix the
  request and send it again with the same key: a refused request changed nothing.
* A claim whose request died without releasing it (the process was killed) is taken
  over by a retry after ``IN_FLIGHT_TIMEOUT``. Each claim carries a random token and
  completion requires it, so if the first request was only slow, not dead, its late
  completion fails (``ClaimLost``) and its transaction rolls back: still one answer.

Anonymous reports keep no precise time anywhere (SECURITY.md 14), so the ledger
stores the UTC day a key was created and ``locked_at`` only while the request runs.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from kamtibmas.core.models import IdempotencyKey, IdempotencyState

KEEP = timedelta(days=7)
IN_FLIGHT_TIMEOUT = timedelta(minutes=5)
KEY_MAX_LENGTH = 255
_CLAIM_ATTEMPTS = 3


class IdempotencyError(Exception):
    """Base of the refusals below."""


class KeyReused(IdempotencyError):
    """The key was first used for a different request."""


class InFlight(IdempotencyError):
    """The first request with this key has not finished yet."""


class ClaimLost(IdempotencyError):
    """The claim was taken over after ``IN_FLIGHT_TIMEOUT``; this request's work must
    roll back."""


@dataclass(frozen=True)
class Claim:
    """This request holds the key and does the work."""

    pk: int
    token: str


@dataclass(frozen=True)
class Replay:
    """The first answer to the key, to be sent again."""

    status: int
    body: str
    location: str


def key_valid(key: str) -> bool:
    """1 to ``KEY_MAX_LENGTH`` printable ASCII characters (a UUID is typical)."""
    return 0 < len(key) <= KEY_MAX_LENGTH and all(" " <= ch <= "~" for ch in key)


def _canonical_json(raw: bytes) -> bytes:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return raw
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _canonical_form(request: HttpRequest) -> bytes:
    """Form fields sorted, files by content: a retry's multipart boundary and the
    file's name on the phone do not matter."""
    digest = hashlib.sha256()
    for name, values in sorted(request.POST.lists()):
        digest.update(json.dumps([name, values], ensure_ascii=False).encode())
    for name, files in sorted(request.FILES.lists()):
        for upload in files:
            content = hashlib.sha256()
            for chunk in upload.chunks():
                content.update(chunk)
            upload.seek(0)
            digest.update(json.dumps([name, upload.size, content.hexdigest()]).encode())
    return digest.hexdigest().encode()


def request_fingerprint(request: HttpRequest) -> str:
    """SHA-256 of what makes two requests "the same": method, path, query and body.
    JSON bodies are compared as data (key order and spacing do not matter)."""
    content_type = request.content_type or ""
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        body = _canonical_form(request)
    elif content_type == "application/json" or content_type.endswith("+json"):
        body = _canonical_json(request.body)
    else:
        body = request.body
    query = urlencode(sorted((k, v) for k, values in request.GET.lists() for v in values))
    digest = hashlib.sha256()
    for part in (request.method or "", request.path, query):
        digest.update(part.encode())
        digest.update(b"\n")
    digest.update(body)
    return digest.hexdigest()


def _day(moment: datetime) -> datetime:
    return datetime.combine(moment.astimezone(UTC).date(), time.min, tzinfo=UTC)


def idempotency_claim(
    *, client: str, key: str, fingerprint: str, now: datetime | None = None
) -> Claim | Replay:
    """Claim ``key`` for this request, or get the first answer to replay.

    Call outside any transaction, so that the claim is visible to other requests as
    soon as it is made. Raises ``KeyReused`` or ``InFlight``.
    """
    now = now or timezone.now()
    for _attempt in range(_CLAIM_ATTEMPTS):
        token = secrets.token_hex(16)
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    client=client,
                    key=key,
                    fingerprint=fingerprint,
                    claim=token,
                    locked_at=now,
                    created_at=_day(now),
                )
            return Claim(pk=row.pk, token=token)
        except IntegrityError:
            pass
        existing = IdempotencyKey.objects.filter(client=client, key=key).first()
        if existing is None:  # released or purged in between: try again
            continue
        if existing.fingerprint != fingerprint:
            raise KeyReused
        if existing.state == IdempotencyState.DONE:
            assert existing.status_code is not None
            return Replay(
                status=existing.status_code, body=existing.body or "", location=existing.location
            )
        if existing.locked_at is not None and existing.locked_at > now - IN_FLIGHT_TIMEOUT:
            raise InFlight
        # The request holding it died: take over, unless someone else just did.
        taken = IdempotencyKey.objects.filter(
            pk=existing.pk, state=IdempotencyState.IN_FLIGHT, claim=existing.claim
        ).update(claim=token, locked_at=now)
        if taken:
            return Claim(pk=existing.pk, token=token)
    raise InFlight


def idempotency_complete(claim: Claim, *, status: int, body: str, location: str = "") -> None:
    """Record the answer of the request holding ``claim``.

    Call inside the transaction of the request's writes (``transaction.atomic``), as
    its last statement: the answer commits with the work or not at all. Raises
    ``ClaimLost`` (and the caller's transaction must roll back) if another request
    took the claim over.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("idempotency_complete must run inside the work's transaction.")
    done = IdempotencyKey.objects.filter(
        pk=claim.pk, claim=claim.token, state=IdempotencyState.IN_FLIGHT
    ).update(
        state=IdempotencyState.DONE,
        status_code=status,
        body=body,  # encrypted by the field on the way to the database
        location=location,
        locked_at=None,
    )
    if done != 1:
        raise ClaimLost


def idempotency_release(claim: Claim) -> None:
    """Give the key back after a failed request (which changed nothing)."""
    with transaction.atomic():
        IdempotencyKey.objects.filter(
            pk=claim.pk, claim=claim.token, state=IdempotencyState.IN_FLIGHT
        ).delete()


def idempotency_purge(*, now: datetime | None = None) -> int:
    """Delete keys older than ``KEEP``; for the worker's scheduler. Returns how many.

    Rows know only their UTC day, so a row is deleted once its day began more than
    ``KEEP`` plus one day ago: every key is kept at least ``KEEP``.
    """
    now = now or timezone.now()
    cutoff = now - KEEP - timedelta(days=1)
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def idempotency_client(user: Any) -> str:
    """The client a key belongs to: the authenticated user, else nobody (``""``)."""
    if user is not None and getattr(user, "is_authenticated", False) and user.pk is not None:
        return f"user:{user.pk}"
    return ""
