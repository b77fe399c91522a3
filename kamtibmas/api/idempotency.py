"""``Idempotency-Key`` on API writes (§6, §7, SECURITY.md 19): the HTTP side of
``core.idempotency``.

Decorate an operation's function with ``@idempotent`` (below the router's decorator)
and declare it with ``**IDEMPOTENT`` in ``openapi_extra`` to document the header. The
function must return ``Status(code, schema_instance)`` of its documented response
schema. With the header:

* the function runs inside one transaction, and its answer is rendered and recorded
  in that same transaction (the record and its key commit together);
* a retry with the same key and request gets that answer again, byte for byte, with
  ``Idempotent-Replayed: true``, and the function does not run;
* the same key with another request answers 422 ``idempotency_key_reused``, and a
  retry while the first still runs 409 ``idempotency_in_flight``;
* a request that fails (4xx) releases its key: nothing was changed.

Without the header the function simply runs.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from ninja import Status
from ninja.responses import NinjaJSONEncoder

from kamtibmas.api.errors import ApiError
from kamtibmas.core.idempotency import (
    KEY_MAX_LENGTH,
    Claim,
    ClaimLost,
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

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
CONTENT_TYPE = "application/json; charset=utf-8"

#: ``openapi_extra`` of an idempotent operation: documents the header.
IDEMPOTENT: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": HEADER,
            "required": False,
            "schema": {"type": "string", "maxLength": KEY_MAX_LENGTH},
            "description": (
                "A unique key per intended change (a UUID). A retry with the same key and "
                "body gets the first answer again (header `Idempotent-Replayed: true`) and "
                "changes nothing; the same key with another body is 422, a retry while the "
                "first is still running 409. Keys are kept at least 7 days, per API token "
                "user (calls without a token: per key)."
            ),
        }
    ]
}

Scope = Callable[[HttpRequest, dict[str, Any]], str]


def default_scope(request: HttpRequest, values: dict[str, Any]) -> str:
    """The key belongs to the user behind the API token, or to nobody without one."""
    return idempotency_client(getattr(request, "auth", None))


def _in_flight() -> ApiError:
    return ApiError(
        409,
        code="idempotency_in_flight",
        detail=_(
            "A request with this Idempotency-Key is still being processed. "
            "Wait a moment and send it again."
        ),
    )


def _render(result: Any) -> tuple[int, str]:
    if not isinstance(result, Status):
        raise TypeError("An idempotent operation returns Status(code, schema instance).")
    body = "" if result.value is None else json.dumps(result.value, cls=NinjaJSONEncoder)
    return result.status_code, body


def _location(values: dict[str, Any]) -> str:
    """The ``Location`` the function set on Ninja's temporal response, if any."""
    for value in values.values():
        if isinstance(value, HttpResponse) and "Location" in value.headers:
            return str(value.headers["Location"])
    return ""


def _response(status: int, body: str, location: str) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPE)
    if location:
        response.headers["Location"] = location
    return response


def _replay(found: Replay) -> HttpResponse:
    response = _response(found.status, found.body, found.location)
    response.headers[REPLAYED_HEADER] = "true"
    return response


def _run(
    claim: Claim, view: Callable[..., Any], request: HttpRequest, values: dict[str, Any]
) -> HttpResponse:
    """Run the function and record its answer in one transaction; release on failure."""
    try:
        with transaction.atomic():
            status, body = _render(view(request, **values))
            location = _location(values)
            if not 200 <= status < 300:
                raise ValueError(f"An idempotent operation answered {status} without raising.")
            idempotency_complete(claim, status=status, body=body, location=location)
    except ClaimLost:
        raise _in_flight() from None
    except BaseException:
        idempotency_release(claim)
        raise
    return _response(status, body, location)


def idempotent(view: Callable[..., Any] | None = None, *, scope: Scope = default_scope) -> Any:
    """Honour ``Idempotency-Key`` on this operation (see the module's docstring).

    ``scope(request, values)`` names the client a key belongs to; ``values`` are the
    operation's parsed arguments (e.g. ``values["payload"]``).
    """

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(function)
        def wrapper(request: HttpRequest, **values: Any) -> Any:
            key = request.headers.get(HEADER)
            if key is None:
                return function(request, **values)
            if not key_valid(key):
                raise ApiError(
                    400,
                    code="idempotency_key_invalid",
                    detail=_(
                        "The Idempotency-Key header must be 1 to %(max)d printable ASCII "
                        "characters, e.g. a UUID."
                    )
                    % {"max": KEY_MAX_LENGTH},
                )
            try:
                found = idempotency_claim(
                    client=scope(request, values),
                    key=key,
                    fingerprint=request_fingerprint(request),
                )
            except KeyReused:
                raise ApiError(
                    422,
                    code="idempotency_key_reused",
                    detail=_(
                        "This Idempotency-Key was already used for a different request. "
                        "Use a new key for a new request."
                    ),
                ) from None
            except InFlight:
                raise _in_flight() from None
            if isinstance(found, Replay):
                return _replay(found)
            response: HttpResponseBase = _run(found, function, request, values)
            return response

        # Ninja reads the signature through ``__wrapped__`` but resolves string
        # annotations in the wrapper's module, which does not know the schemas.
        wrapper.__signature__ = inspect.signature(function, eval_str=True)  # type: ignore[attr-defined]
        return wrapper

    if view is not None:
        return decorate(view)
    return decorate
