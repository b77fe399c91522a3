"""Open311 GeoReport v2 endpoints under ``/open311/v2/`` (§6), each as ``.json`` and
``.xml``, plus FixMyStreet's ``servicerequestupdates``.

Thin: each endpoint reads the query or form strictly (``parsing``), fetches
through the selectors, calls one service and writes the document
(``documents``, ``rendering``). Reading is public; posting needs an API key
(``api_key`` in the body or the query) unless the operator enables keyless
intake. Posts honour ``Idempotency-Key`` (``core.idempotency``, per API key) and
are rate-limited (``core.throttle``). Errors are the specification's
``errors``/``error`` list: 400 bad input, 403 key, 404 unknown, 405, 409/422
idempotency, 429 too many.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from kamtibmas.api.language import with_api_language
from kamtibmas.aspirations import selectors
from kamtibmas.aspirations.lifecycle import FINAL_STATES, OPEN_STATES
from kamtibmas.aspirations.models import Aspiration
from kamtibmas.core.idempotency import (
    KEY_MAX_LENGTH,
    ClaimLost,
    InFlight,
    KeyReused,
    Replay,
    idempotency_claim,
    idempotency_complete,
    idempotency_release,
    key_valid,
    request_fingerprint,
)
from kamtibmas.core.throttle import Limit, throttle_allow, throttle_count, throttle_exceeded
from kamtibmas.engagements.photos import MAX_UPLOAD_BYTES
from kamtibmas.open311 import catalogue, documents, parsing, services
from kamtibmas.open311 import selectors as open311_selectors
from kamtibmas.open311.models import ApiKey
from kamtibmas.open311.parsing import Fields, Open311Error, bad_request
from kamtibmas.open311.rendering import (
    CONTENT_TYPES,
    FORMATS,
    JSON,
    XML,
    document_bytes,
    document_response,
    error_response,
)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORM_MAX_BYTES = 64 * 1024
MEDIA_MAX_FILES = 5
MULTIPART_MAX_BYTES = MEDIA_MAX_FILES * MAX_UPLOAD_BYTES + FORM_MAX_BYTES
IDEMPOTENCY_HEADER = "Idempotency-Key"
RESPONSE_CACHE = "responses"
# Larger lists (page_size up to 1000) are rebuilt every time: the cache stays small.
LIST_CACHE_MAX_BYTES = 256 * 1024
_SERVICE_LISTS: dict[tuple[str, str], bytes] = {}

# Posting: per API key and overall; without a key (keyless intake) per client.
POST_PER_KEY = Limit(attempts=120, seconds=60)
POST_OVERALL = Limit(attempts=3000, seconds=60)
KEYLESS_PER_CLIENT = Limit(attempts=20, seconds=3600)
KEYLESS_OVERALL = Limit(attempts=1000, seconds=3600)

# Where the aspiration's intake names a field, the Open311 field it came from.
FIELD_NAMES = {
    "text": "description",
    "area": "address_id",
    "latitude": "lat",
    "longitude": "long",
    "reporter_name": "first_name/last_name",
    "reporter_phone": "phone",
    "reporter_email": "email",
    "notify_by": "attribute[notify_by]",
    "privacy": "attribute[privacy]",
    "photos": "media",
    "category": "service_code",
}
FIELD_OF_CODE = {"photo_not_image": "media", "photo_too_large": "media"}

View = Callable[..., HttpResponse]


def keyless_intake() -> bool:
    """Whether the operator lets anyone post without a key (§6)."""
    return bool(settings.KAMTIBMAS_OPEN311_KEYLESS_INTAKE)


def endpoint(*methods: str) -> Callable[[View], Any]:
    """An Open311 endpoint answering ``methods`` (GET also answers HEAD) in the
    format of its suffix, in the client's language, with every refusal as the
    specification's error list."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view: View) -> Any:
        @wraps(view)
        def wrapper(request: HttpRequest, fmt: str | None = None, **kwargs: Any) -> HttpResponse:
            known = fmt if fmt in FORMATS else None
            try:
                if known is None:
                    raise Open311Error(
                        404, [_("Unknown format: end the address with .xml or .json.")]
                    )
                if request.method not in allowed:
                    response = error_response(
                        known,
                        405,
                        [
                            _("This address does not accept that method. Allowed: %(allowed)s.")
                            % {"allowed": ", ".join(sorted(allowed))}
                        ],
                    )
                    response.headers["Allow"] = ", ".join(sorted(allowed))
                    return response
                response = view(request, known, **kwargs)
            except Open311Error as exc:
                response = error_response(known or XML, exc.status, exc.messages)
            if request.method in ("GET", "HEAD"):
                # Public data, read without cookies: any site may show it.
                response.headers["Access-Control-Allow-Origin"] = "*"
            return response

        return csrf_exempt(with_api_language(wrapper))

    return decorate


def _query(request: HttpRequest, known: tuple[str, ...]) -> Fields:
    fields = Fields.of(parsing.query_pairs(request.META.get("QUERY_STRING", "")))
    parsing.refuse_unknown(fields, known)
    return fields


def _jurisdictions(request: HttpRequest) -> set[str]:
    def plain(host: str) -> str:
        host = host.lower().rsplit(":", 1)[0] if not host.endswith("]") else host.lower()
        return host.removeprefix("www.")

    found = {plain(request.get_host())}
    domain = getattr(settings, "KAMTIBMAS_SITE_DOMAIN", "")
    if domain:
        found.add(plain(domain))
    return found


def _check_jurisdiction(request: HttpRequest, value: str) -> None:
    """One jurisdiction: the site's domain (or the host asked for). Another is 404."""
    if not value:
        return
    ours = _jurisdictions(request)
    if value.lower().removeprefix("www.") not in ours:
        raise Open311Error(
            404,
            [
                _("jurisdiction_id: “%(given)s” is not served here; this endpoint serves %(ours)s.")
                % {"given": value, "ours": ", ".join(sorted(ours))}
            ],
        )


def _cached(response: HttpResponse, seconds: int) -> HttpResponse:
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    return response


# ---------------------------------------------------------------------------
# Discovery and services


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    fields = _query(request, ("jurisdiction_id", "api_key"))
    _check_jurisdiction(request, fields.one("jurisdiction_id"))
    base = request.build_absolute_uri(request.path).rsplit("/", 1)[0]
    production = bool(getattr(settings, "PRODUCTION", False))
    data = {
        "changeset": catalogue.CHANGESET,
        "contact": _("Kamtibmas community policing: ask the administrators of your police unit."),
        "key_service": _(
            "Reading is open to everyone. To post service requests, ask the administrators "
            "for an API key for your application."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": catalogue.CHANGESET,
                "type": "production" if production else "test",
                "formats": [CONTENT_TYPES[XML].split(";")[0], CONTENT_TYPES[JSON].split(";")[0]],
            }
        ],
    }
    return _cached(document_response(fmt, "discovery", data), 300)


@endpoint("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    fields = _query(request, ("jurisdiction_id", "api_key"))
    _check_jurisdiction(request, fields.one("jurisdiction_id"))
    # The catalogue is code: its document is written once per format and language.
    asked = (fmt, translation.get_language() or "")
    content = _SERVICE_LISTS.get(asked)
    if content is None:
        content = _SERVICE_LISTS.setdefault(
            asked, document_bytes(fmt, "services", catalogue.service_list())
        )
    return _cached(HttpResponse(content, content_type=CONTENT_TYPES[fmt]), 300)


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    fields = _query(request, ("jurisdiction_id", "api_key"))
    _check_jurisdiction(request, fields.one("jurisdiction_id"))
    service = catalogue.SERVICES.get(code)
    if service is None:
        raise parsing.unknown_service(code)
    return _cached(
        document_response(fmt, "service_definition", catalogue.definition_of(service)), 300
    )


# ---------------------------------------------------------------------------
# Reading requests


def _requests_documents(cases: QuerySet[Aspiration], *, extensions: bool) -> list[dict[str, Any]]:
    """``cases`` (filtered and sliced) as ``request`` documents, in three queries."""
    found = selectors.public_cases(cases, history=extensions)
    return documents.request_documents(
        found,
        submissions=open311_selectors.submissions_shown(found),
        extensions=extensions,
    )


def _list_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    fields = _query(request, parsing.REQUESTS_FIELDS)
    _check_jurisdiction(request, fields.one("jurisdiction_id"))
    query = parsing.requests_query(fields, now=timezone.now())
    # Clients poll the same few lists. An answer is kept a few seconds under the
    # version of the cases (any change through the services makes a new one), so a
    # repeated question costs two index look-ups instead of a rebuild (§9 P1).
    seconds = settings.KAMTIBMAS_OPEN311_LIST_CACHE_SECONDS
    key = ""
    if seconds:
        asked = "\0".join(
            (fmt, translation.get_language() or "", request.META.get("QUERY_STRING", ""))
        )
        version = "{}.{}".format(*selectors.public_cases_version())
        key = f"open311:requests:{version}:{hashlib.sha256(asked.encode()).hexdigest()}"
        kept = caches[RESPONSE_CACHE].get(key)
        if kept is not None:
            return HttpResponse(kept, content_type=CONTENT_TYPES[fmt])
    content = document_bytes(fmt, "service_requests", _requests_found(query))
    if key and len(content) <= LIST_CACHE_MAX_BYTES:
        caches[RESPONSE_CACHE].set(key, content, seconds)
    return HttpResponse(content, content_type=CONTENT_TYPES[fmt])


def _requests_found(query: parsing.RequestsQuery) -> list[dict[str, Any]]:
    cases = selectors.aspirations_public().order_by("-received_at", "-id")
    if query.ids:
        # The specification: a list of ids overrides every other argument.
        found = cases.filter(number__in=query.ids)[: parsing.IDS_MAX]
    else:
        cases = cases.filter(
            received_at__gte=query.window.since, received_at__lte=query.window.until
        )
        if query.service_codes:
            cases = cases.filter(category__in=query.service_codes)
        if set(query.statuses) == {"open"}:
            cases = cases.filter(status__in=[s.value for s in OPEN_STATES])
        elif set(query.statuses) == {"closed"}:
            cases = cases.filter(status__in=[s.value for s in FINAL_STATES])
        offset = query.page.offset
        found = cases[offset : offset + query.page.size]
    return _requests_documents(found, extensions=query.extensions)


@endpoint("GET")
def service_request(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    fields = _query(request, ("jurisdiction_id", "api_key", "extensions"))
    _check_jurisdiction(request, fields.one("jurisdiction_id"))
    extensions = parsing.flag(fields, "extensions")
    cases = selectors.aspirations_public().filter(number=request_id.upper())[:1]
    data = _requests_documents(cases, extensions=extensions)
    if not data:
        raise Open311Error(404, [_("There is no service request “%(id)s”.") % {"id": request_id}])
    return document_response(fmt, "service_requests", data)


@endpoint("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    fields = _query(request, ("jurisdiction_id", "api_key"))
    _check_jurisdiction(request, fields.one("jurisdiction_id"))
    # Every service is "realtime": a POST answers the service_request_id at once.
    raise Open311Error(
        404,
        [
            _(
                "There is no token “%(token)s”: requests here get their service_request_id "
                "at once, so no tokens are issued."
            )
            % {"token": token}
        ],
    )


@endpoint("GET")
def request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """FixMyStreet's ``servicerequestupdates``: the public updates of every case in
    ``start_date``..``end_date`` (at most 90 days), oldest first."""
    fields = _query(
        request, ("jurisdiction_id", "api_key", "start_date", "end_date", "page", "page_size")
    )
    _check_jurisdiction(request, fields.one("jurisdiction_id"))
    window = parsing.window(fields, now=timezone.now())
    page = parsing.page(fields)
    updates = list(
        selectors.public_updates_between(since=window.since, until=window.until)[
            page.offset : page.offset + page.size
        ]
    )
    statuses = selectors.statuses_after(updates)
    data = [documents.update_document(update, statuses[update.pk]) for update in updates]
    return document_response(fmt, "service_request_updates", data)


# ---------------------------------------------------------------------------
# Posting a request


def _form_pairs(request: HttpRequest) -> tuple[list[tuple[str, str]], list[Any]]:
    """The body's fields and the uploaded media; 400 for anything not well-formed."""
    content_type = request.content_type or ""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise bad_request(_("The Content-Length header is not a number.")) from None
    charset = (request.content_params or {}).get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise bad_request(_("Send the body encoded as UTF-8 (charset=utf-8)."))
    too_large = _("The request body is too large: at most %(size)s.")
    if content_type == "application/x-www-form-urlencoded":
        if length > FORM_MAX_BYTES:
            raise bad_request(too_large % {"size": "64 KB"})
        try:
            body = request.body
        except RequestDataTooBig:
            raise bad_request(too_large % {"size": "64 KB"}) from None
        if len(body) > FORM_MAX_BYTES:
            raise bad_request(too_large % {"size": "64 KB"})
        return parsing.pairs_from_bytes(body, where="body"), []
    if content_type == "multipart/form-data":
        limit = f"{MULTIPART_MAX_BYTES // (1024 * 1024)} MB"
        if length > MULTIPART_MAX_BYTES:
            raise bad_request(too_large % {"size": limit})
        try:
            post, files = request.POST, request.FILES
        except RequestDataTooBig:
            raise bad_request(too_large % {"size": limit}) from None
        except (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent, ValueError):
            raise bad_request(_("The multipart body is not well-formed.")) from None
        pairs = [(name, value) for name, values in post.lists() for value in values]
        for name, value in pairs:
            parsing.unstorable("body", name + value)
        unknown = sorted(name for name in files if name != "media")
        if unknown:
            raise bad_request(
                _("Unknown files: %(fields)s. Send pictures as media.")
                % {"fields": ", ".join(unknown)}
            )
        media = files.getlist("media")
        if len(media) > MEDIA_MAX_FILES:
            raise bad_request(_("media: send at most %(max)d files.") % {"max": MEDIA_MAX_FILES})
        return pairs, media
    raise bad_request(
        _(
            "Send the request as application/x-www-form-urlencoded (or multipart/form-data "
            "to upload media)."
        )
    )


def _one_of(body: Fields, query: Fields, name: str) -> str:
    in_body, in_query = body.one(name), query.one(name)
    if in_body and in_query and in_body != in_query:
        raise bad_request(
            _("%(field)s: the body and the query string give different values.") % {"field": name}
        )
    return in_body or in_query


def _authenticated(request: HttpRequest, raw: str) -> ApiKey | None:
    """The key behind ``raw``; ``None`` only when keyless intake allows no key."""
    if not raw and keyless_intake():
        return None
    key = services.api_key_authenticate(raw) if raw else None
    if key is None:
        raise Open311Error(
            403,
            [
                _("Invalid api_key: the key is unknown or no longer active.")
                if raw
                else _("api_key is required to post a service request.")
            ],
        )
    return key


def _throttled(request: HttpRequest, key: ApiKey | None) -> bool:
    if key is None:
        return not throttle_allow(
            scope="open311_keyless",
            request=request,
            per_client=KEYLESS_PER_CLIENT,
            overall=KEYLESS_OVERALL,
        )
    who = f"key:{key.pk}"
    if throttle_exceeded(scope="open311_post", who=who, limit=POST_PER_KEY) or throttle_exceeded(
        scope="open311_post", who="*", limit=POST_OVERALL
    ):
        return True
    throttle_count(scope="open311_post", who=who, limit=POST_PER_KEY)
    throttle_count(scope="open311_post", who="*", limit=POST_OVERALL)
    return False


def _refused(exc: ValidationError) -> Open311Error:
    """The intake's refusal, with its fields named as the client sent them."""
    messages = []
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            for error in errors:
                field = FIELD_NAMES.get(name, name)
                for message in error:
                    messages.append(f"{field}: {message}" if name != "__all__" else str(message))
    else:
        for error in exc.error_list:
            named = FIELD_OF_CODE.get(error.code or "")
            for message in error:
                messages.append(f"{named}: {message}" if named else str(message))
    return bad_request(*(messages or [_("The request is not valid.")]))


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    pairs, media = _form_pairs(request)
    query = Fields.of(parsing.query_pairs(request.META.get("QUERY_STRING", "")))
    parsing.refuse_unknown(query, ("api_key", "jurisdiction_id"))
    body = Fields.of(pairs)
    parsing.refuse_unknown(body, parsing.POST_FIELDS, attributes=True)
    raw_key = _one_of(body, query, "api_key")
    jurisdiction = _one_of(body, query, "jurisdiction_id")
    key = _authenticated(request, raw_key)
    _check_jurisdiction(request, jurisdiction)
    if _throttled(request, key):
        raise Open311Error(429, [_("Too many requests from here. Try again later.")])

    def run() -> tuple[int, bytes]:
        report = parsing.request_input(body)
        try:
            submitted = services.open311_request_submit(
                key=key, report=report, photos=media, language=translation.get_language() or "id"
            )
        except ValidationError as exc:
            raise _refused(exc) from None
        except PermissionDenied as exc:
            raise Open311Error(403, [str(exc)]) from None
        data = documents.created_document(
            submitted.aspiration,
            receipt_code=submitted.receipt_code,
            account_id=report.account_id,
        )
        return 200, document_bytes(fmt, "service_requests", [data])

    client = f"open311:{key.pk}" if key is not None else ""
    status, content, replayed = _idempotent(request, client, run)
    response = HttpResponse(content, status=status, content_type=CONTENT_TYPES[fmt])
    # The answer holds the receipt code: no cache keeps it.
    response.headers["Cache-Control"] = "no-store"
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _idempotent(
    request: HttpRequest, client: str, run: Callable[[], tuple[int, bytes]]
) -> tuple[int, bytes, bool]:
    """Run ``run`` once per ``Idempotency-Key`` of ``client`` (SECURITY.md 19): the same
    key and request replay the first answer, another request with it is 422, a retry
    while the first runs 409. The answer is recorded in the transaction of the work;
    a refused request releases its key."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        status, content = run()
        return status, content, False
    if not key_valid(key):
        raise bad_request(
            _(
                "The Idempotency-Key header must be 1 to %(max)d printable ASCII characters, "
                "e.g. a UUID."
            )
            % {"max": KEY_MAX_LENGTH}
        )
    try:
        found = idempotency_claim(client=client, key=key, fingerprint=request_fingerprint(request))
    except KeyReused:
        raise Open311Error(
            422,
            [
                _(
                    "This Idempotency-Key was already used for a different request. "
                    "Use a new key for a new request."
                )
            ],
        ) from None
    except InFlight:
        raise _in_flight() from None
    if isinstance(found, Replay):
        return found.status, found.body.encode("utf-8"), True
    try:
        with transaction.atomic():
            status, content = run()
            idempotency_complete(found, status=status, body=content.decode("utf-8"))
    except ClaimLost:
        raise _in_flight() from None
    except BaseException:
        idempotency_release(found)
        raise
    return status, content, False


def _in_flight() -> Open311Error:
    return Open311Error(
        409,
        [
            _(
                "A request with this Idempotency-Key is still being processed. "
                "Wait a moment and send it again."
            )
        ],
    )


@endpoint("GET", "POST")
def service_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    return _list_requests(request, fmt)


# ---------------------------------------------------------------------------
# Anything else under /open311/v2/


@csrf_exempt
@with_api_language
def not_found(request: HttpRequest, path: str = "") -> HttpResponseBase:
    fmt = JSON if path.endswith(".json") else XML
    return error_response(
        fmt,
        404,
        [
            _(
                "There is no such Open311 endpoint. See discovery.xml: services, "
                "services/CODE, requests, requests/ID, tokens/TOKEN, servicerequestupdates."
            )
        ],
    )
