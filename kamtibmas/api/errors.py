"""One JSON shape for every error of the API, in the client's language.

``{"detail": "…", "code": "…", "errors": [{"field", "location", "message", "code"}]}``

* 400 ``malformed_json`` / ``bad_request`` / ``nul_character`` / ``unstorable`` /
  ``too_large``: the body is not JSON (or not readable multipart), holds text no
  column can store (a NUL, half a surrogate pair), or is too large;
* 401 ``unauthenticated``: no valid API token;
* 403 ``forbidden``: the token belongs to someone who may not use the staff API;
* 404 ``not_found``: no such record, or one outside the caller's units (never 403,
  SECURITY.md 8), or an unknown catalogue code;
* 405 ``method_not_allowed``;
* 409 ``conflict``: a concurrent change won a race (retry);
* 422 ``invalid`` for input that does not fit the schema (one entry per field), or the
  service's own ``code`` when it refused the request (``planned_in_past``, …).

Services raise Django's ``ValidationError`` with a translated message and a stable
code; it is passed on as it is. Nothing here ever answers 5xx for bad input.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as InputValidationError

from kamtibmas.api.parsing import NotJson, UnpairedSurrogate, UnstorableText


class ErrorItem(Schema):
    field: str | None = None
    location: str | None = None
    message: str
    code: str


class ErrorOut(Schema):
    detail: str
    code: str
    errors: list[ErrorItem] = []


ERROR_STATUSES = (400, 401, 403, 404, 409, 422)
#: ``response={200: Out, **ERROR_RESPONSES}`` documents the error shape on an operation.
ERROR_RESPONSES: dict[int, type[Schema]] = dict.fromkeys(ERROR_STATUSES, ErrorOut)


class ApiError(HttpError):
    """An error the API itself reports, with a stable ``code``."""

    def __init__(self, status_code: int, *, code: str, detail: str, field: str | None = None):
        super().__init__(status_code, detail)
        self.code = code
        self.field = field


def error_body(
    *, detail: str, code: str, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {"detail": detail, "code": code, "errors": errors or []}


def error_response(status: int, *, detail: str, code: str, **extra: Any) -> HttpResponse:
    """An error answer outside a Ninja operation (unknown path, wrong method)."""
    return HttpResponse(
        json.dumps(error_body(detail=detail, code=code, **extra)),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def not_found_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any path under ``/api/v1/`` that names no endpoint."""
    return error_response(404, detail=str(_not_found.message), code=_not_found.code)


def method_not_allowed(response: HttpResponseBase) -> HttpResponseBase:
    """Ninja answers a wrong method with plain text; answer in the API's shape instead."""
    if not isinstance(response, HttpResponseNotAllowed):
        return response
    allowed = response.headers.get("Allow", "")
    replacement = error_response(
        405,
        detail=_("This address does not accept that method. Allowed: %(allowed)s.")
        % {"allowed": allowed},
        code="method_not_allowed",
    )
    replacement.headers["Allow"] = allowed
    return replacement


# Messages for the pydantic error types a client can cause, in the client's language.
# Anything else keeps pydantic's own (English) message.
def _input_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field: this request does not accept it.")
    if kind == "identifier_in_url":
        return _(
            "Identifiers never go in a web address, where logs and browser history keep "
            "them: send this in the body of the search operation (POST …/search)."
        )
    if kind == "string_too_long":
        return _("At most %(limit)s characters.") % {"limit": ctx.get("max_length")}
    if kind == "string_too_short":
        return _("At least %(limit)s characters.") % {"limit": ctx.get("min_length")}
    if kind == "too_long":
        return _("At most %(limit)s entries.") % {"limit": ctx.get("max_length")}
    if kind in {"greater_than_equal", "greater_than"}:
        limit = ctx.get("ge", ctx.get("gt"))
        return _("Must be at least %(limit)s.") % {"limit": limit}
    if kind in {"less_than_equal", "less_than"}:
        limit = ctx.get("le", ctx.get("lt"))
        return _("Must be at most %(limit)s.") % {"limit": limit}
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("Enter a whole number.")
    if kind in {"float_parsing", "float_type", "finite_number"}:
        return _("Enter a number.")
    if kind in {"bool_parsing", "bool_type"}:
        return _("Enter true or false.")
    if kind == "string_type":
        return _("Enter text.")
    if kind == "timezone_aware":
        return _("Give the time with its offset from UTC, e.g. 2025-07-31T10:10:00+07:00.")
    if kind.startswith("datetime_"):
        return _("Enter a date and time in ISO 8601 form, e.g. 2025-07-31T10:10:00+07:00.")
    if kind.startswith("date_"):
        return _("Enter a date as YYYY-MM-DD.")
    if kind in {"enum", "literal_error"}:
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind in {"list_type", "tuple_type"}:
        return _("Enter a list.")
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return _("Enter a JSON object.")
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    return str(error.get("msg", ""))


def _union_member(part: Any) -> bool:
    return isinstance(part, str) and (
        part in {"int", "str", "float", "bool"} or "-" in part or "[" in part
    )


def _input_field(loc: tuple[Any, ...]) -> tuple[str | None, str | None]:
    """``("body", "payload", "findings", 0, "note")`` → ``("findings.0.note", "body")``."""
    if not loc:
        return None, None
    location, rest = str(loc[0]), list(loc[1:])
    if location == "body" and rest:
        rest = rest[1:]  # the view's parameter name, not part of the document
    # A union (``int | str``) reports each member it tried ("int", "constrained-str",
    # "function-after[…]"); the member is noise to the client.
    rest = [part for part in rest if not _union_member(part)]
    return (".".join(str(part) for part in rest) or None), location


def _invalid_input(request: HttpRequest, exc: InputValidationError, api: NinjaAPI) -> HttpResponse:
    items: list[dict[str, Any]] = []
    seen: set[tuple[str | None, str]] = set()
    for error in exc.errors:
        field, location = _input_field(tuple(error.get("loc", ())))
        message = _input_message(error)
        if location == "body" and field is None and error.get("type") == "missing":
            message = _("Send the request body as a JSON object.")
        if (field, message) in seen:
            continue
        seen.add((field, message))
        items.append(
            {
                "field": field,
                "location": location,
                "message": message,
                "code": str(error.get("type", "invalid")),
            }
        )
    first = items[0] if items else {"field": None, "message": _("The request is not valid.")}
    detail = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    return api.create_response(
        request, error_body(detail=detail, code="invalid", errors=items), status=422
    )


def _validation_errors(exc: DjangoValidationError) -> Iterator[tuple[str | None, str, str]]:
    """``(field, message, code)`` for each error of a Django ``ValidationError``."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                for message in error:
                    yield (
                        None if field == NON_FIELD_ERRORS else field,
                        str(message),
                        error.code or "invalid",
                    )
    else:
        for error in exc.error_list:
            for message in error:
                yield None, str(message), error.code or "invalid"


def _refused(request: HttpRequest, exc: DjangoValidationError, api: NinjaAPI) -> HttpResponse:
    """A service refused: pass its translated message and code on, changing nothing."""
    found = list(_validation_errors(exc)) or [(None, _("The request is not valid."), "invalid")]
    items = [
        {"field": field, "location": "body" if field else None, "message": message, "code": code}
        for field, message, code in found
    ]
    field, message, code = found[0]
    detail = f"{field}: {message}" if field else message
    return api.create_response(
        request, error_body(detail=detail, code=code, errors=items), status=422
    )


def _http_error(request: HttpRequest, exc: HttpError, api: NinjaAPI) -> HttpResponse:
    if isinstance(exc, ApiError):
        errors, detail = [], exc.message
        if exc.field:
            errors = [
                {"field": exc.field, "location": "body", "message": exc.message, "code": exc.code}
            ]
            detail = f"{exc.field}: {exc.message}"
        body = error_body(detail=detail, code=exc.code, errors=errors)
        return api.create_response(request, body, status=exc.status_code)
    cause, status = exc.__cause__, exc.status_code
    if status == 400 and isinstance(cause, json.JSONDecodeError):
        detail = _("The request body is not valid JSON (line %(line)d, column %(column)d).") % {
            "line": cause.lineno,
            "column": cause.colno,
        }
        code = "malformed_json"
    elif status == 400 and isinstance(cause, NotJson):
        detail = _("The request body is not valid JSON: %(constant)s is not a JSON number.") % {
            "constant": cause
        }
        code = "malformed_json"
    elif status == 400 and isinstance(cause, UnpairedSurrogate):
        return _unstorable_data(request, cause, api)
    elif status == 400 and isinstance(cause, UnstorableText):
        return _unstorable(request, cause, api)
    elif status == 400 and isinstance(cause, UnicodeDecodeError):
        detail, code = _("The request body must be JSON encoded as UTF-8."), "malformed_json"
    elif status == 400:
        detail, code = _("The request body could not be read."), "bad_request"
    else:
        detail, code = str(exc), "error"
    return api.create_response(request, error_body(detail=detail, code=code), status=status)


def _unauthenticated(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    body = error_body(
        detail=_("Sign in with an API token: send the header “Authorization: Bearer kmt_…”."),
        code="unauthenticated",
    )
    response = api.create_response(request, body, status=401)
    response.headers["WWW-Authenticate"] = 'Bearer realm="kamtibmas"'
    return response


@dataclass(frozen=True)
class _Fixed:
    """A handler that always answers the same status, code and (translated) message."""

    status: int
    code: str
    message: StrPromise

    def __call__(self, request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
        body = error_body(detail=str(self.message), code=self.code)
        return api.create_response(request, body, status=self.status)


_forbidden = _Fixed(
    403, "forbidden", gettext_lazy("This part of the API is for police and partner staff only.")
)
# The same answer whether the record does not exist or lies outside the caller's
# units, so that existence leaks nothing (SECURITY.md 8).
_not_found = _Fixed(404, "not_found", gettext_lazy("Not found."))
_conflict = _Fixed(
    409, "conflict", gettext_lazy("Another change was made at the same moment. Please try again.")
)
_unstorable = _Fixed(
    400,
    "nul_character",
    gettext_lazy("The request contains a NUL character, which text may not contain."),
)
# A safety net: input checks should stop such values before the database sees them.
_unstorable_data = _Fixed(
    400, "unstorable", gettext_lazy("The request holds a value that cannot be stored.")
)
_unreadable = _Fixed(400, "bad_request", gettext_lazy("The request body could not be read."))
_too_large = _Fixed(400, "too_large", gettext_lazy("The request body is too large."))


def _permission_denied(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    """A record the caller may see but not change (e.g. another unit organises it)."""
    detail = str(exc) or str(_forbidden.message)
    return api.create_response(request, error_body(detail=detail, code="forbidden"), status=403)


def install(api: NinjaAPI) -> None:
    """Answer every error of ``api`` in the one shape above."""
    handlers: list[tuple[type[Exception], Any]] = [
        (InputValidationError, _invalid_input),
        (DjangoValidationError, _refused),
        (AuthenticationError, _unauthenticated),
        (AuthorizationError, _forbidden),
        (PermissionDenied, _permission_denied),
        (HttpError, _http_error),
        (Http404, _not_found),
        (ObjectDoesNotExist, _not_found),
        (IntegrityError, _conflict),
        (RequestDataTooBig, _too_large),
        (UnstorableText, _unstorable),
        (UnpairedSurrogate, _unstorable_data),
        # A multipart body Django cannot parse (no boundary, too many parts).
        (MultiPartParserError, _unreadable),
        (TooManyFieldsSent, _unreadable),
        (TooManyFilesSent, _unreadable),
        (DataError, _unstorable_data),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, partial(handler, api=api))
