"""One entry of an offline queue, recorded once under its Idempotency-Key
(SECURITY.md 19): the server side shared by the offline hand-out (``aid_offline``)
and the field app of a dialogue (``field``).

A phone queues an entry with a key made before the first attempt and sends it, in
order, when the connection returns. ``entry_record_once`` parses the entry, claims
the key in the ledger (``core.idempotency``), runs the one service call and stores
its answer in the same transaction: a resent entry whose answer was lost replays the
first answer and records nothing new; the same key with another body is refused.

Every answer is JSON ``{"state", "message", ...}`` the page shows as it is:
``sent`` (201), ``rejected`` (400 unreadable, 422 refused, with the reason; nothing
was stored and the officer may correct the entry and send it under a new key), or
``waiting`` (409: the first attempt is still running; try again later).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kamtibmas.api.idempotency import HEADER
from kamtibmas.core.idempotency import (
    InFlight,
    KeyReused,
    Replay,
    idempotency_claim,
    idempotency_client,
    idempotency_complete,
    idempotency_release,
    key_valid,
    request_fingerprint,
)

INVALID = 400
REJECTED = 422


def no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def entry_answer(state: str, message: str, status: int, **extra: Any) -> JsonResponse:
    response = JsonResponse({"state": state, "message": message, **extra}, status=status)
    no_store(response)
    return response


def entry_json(request: HttpRequest, *, max_bytes: int) -> dict[str, Any]:
    """The entry's JSON object; ``ValueError`` with the reason when it is not one."""
    if len(request.body) > max_bytes:
        raise ValueError(_("This entry is too large to send."))
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(_("The entry is not readable JSON.")) from exc
    if not isinstance(data, dict):
        raise ValueError(_("The entry is not readable JSON."))
    try:  # a lone surrogate (``"\\ud800"``) is valid JSON but no text to store
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError as exc:
        raise ValueError(_("The entry is not readable JSON.")) from exc
    return data


def error_text(error: ValidationError | PermissionDenied) -> str:
    messages = getattr(error, "messages", None) or [str(error)]
    return " ".join(messages)


def entry_record_once(
    request: HttpRequest,
    *,
    scope: str,
    parse: Callable[[HttpRequest], Any],
    record: Callable[[Any], dict[str, Any]],
) -> HttpResponse:
    """Record the entry of ``request`` once under its Idempotency-Key.

    ``parse(request)`` checks the entry's shape and raises ``ValueError`` with the
    reason (400, nothing claimed); ``record(entry)`` makes the
    one service call and returns the answer, ``{"state": "sent", "message": ...}``
    plus anything the page needs; it raises ``ValidationError`` or
    ``PermissionDenied`` to refuse (422, nothing stored, the key given back).
    ``scope`` keeps the keys of one kind of entry apart from every other use of the
    ledger by the same user.
    """
    user = request.user
    key = request.headers.get(HEADER, "")
    if not key_valid(key):
        return entry_answer("rejected", _("The entry has no Idempotency-Key."), INVALID)
    try:
        entry = parse(request)
    except ValueError as exc:
        return entry_answer("rejected", str(exc), INVALID)
    try:
        claim = idempotency_claim(
            client=idempotency_client(user),
            key=f"{scope}:{key}",
            fingerprint=request_fingerprint(request),
        )
    except InFlight:
        return entry_answer("waiting", _("This entry is being recorded; try again shortly."), 409)
    except KeyReused:
        return entry_answer("rejected", _("This key was used for another entry."), REJECTED)
    if isinstance(claim, Replay):
        response = HttpResponse(claim.body, status=claim.status, content_type="application/json")
        return no_store(response)
    try:
        with transaction.atomic():
            answer = record(entry)
            idempotency_complete(claim, status=201, body=json.dumps(answer))
    except (ValidationError, PermissionDenied) as error:
        idempotency_release(claim)
        return entry_answer("rejected", error_text(error), REJECTED)
    except BaseException:
        idempotency_release(claim)
        raise
    response = JsonResponse(answer, status=201)
    return no_store(response)


def service_worker(
    request: HttpRequest, *, cache_prefix: str, cache_version: int, shell_pattern: str
) -> HttpResponse:
    """The service worker that serves the offline pages whose paths match
    ``shell_pattern`` (a JavaScript regular expression, slashes escaped) and the
    site's static files from the cache ``<cache_prefix><cache_version>`` when the
    network is gone; older versions of that cache are dropped when it takes over.
    Public: it holds no data."""
    response = render(
        request,
        "web/staff/offline-sw.js",
        {
            "cache_prefix": cache_prefix,
            "cache_version": f"v{cache_version}",
            "shell_pattern": shell_pattern,
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response
