"""Hostile inputs against every write surface (issue 12 point 4; SECURITY.md 21-22).

The corpus (``hostile``): broken and overlong UTF-8, NUL, lone surrogates escaped in
JSON, 1 MB fields, bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, 10,000-level JSON,
duplicate keys, numbers beyond any column (``1e999``, ``2**64``, ``-0``), wrong
content types, broken multipart, 10,000 form fields, XML entity expansion and
external entities, markup, bidi and zero-width characters, path traversal in the
names of uploads. It goes to:

* every write operation of the REST API's OpenAPI document, with a staff token of
  the role that may use it: a valid body (the tenant matrix's) with its free texts,
  or its numbers, replaced by each hostile value; duplicate keys; whole bodies;
* Open311's ``POST requests.json``/``.xml``, with and without an API key: hostile
  values in a valid form, uploads, whole bodies;
* every HTML form route a resident, visitor or officer can reach (every URL pattern
  of the project, filled like the tenant matrix does, posted by the role that uses
  it; a route answering 405 to a POST has no form): the form's free texts replaced
  (64 KB each for "huge", so that the whole form stays under the upload limit),
  uploads, whole bodies.

For every request: no 5xx; the REST API's answers fit the OpenAPI document (errors:
``{"detail", "code", "errors"}``), Open311's the specification's ``errors`` list in
JSON or XML; an entity is never expanded (neither ``/etc/passwd`` nor the laughs show
in an answer); no upload is written outside the media directory; and a request
answered 4xx leaves the row count of every model as it was. Each request runs in a
savepoint that is rolled back afterwards, so every request meets the same records.
The failures of each surface are collected and reported together. Left out: the
second-factor pages (``ACCOUNT_SKIPPED``), and multipart bodies that claim a larger
``Content-Length`` than they carry on the web and the REST API (Django's test
client cannot send them; nginx's ``client_max_body_size`` bounds them in production).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kamtibmas.aid.services import household_register
from kamtibmas.api.tests.client import api_client
from kamtibmas.api.tests.openapi_check import openapi_document, problems, response_schema
from kamtibmas.aspirations.models import Privacy
from kamtibmas.aspirations.services import aspiration_submit
from kamtibmas.certificates.models import ReportSource
from kamtibmas.certificates.services import loss_report_start
from kamtibmas.certificates.tests.conftest import KTP_AND_KK, identity
from kamtibmas.core.models import IdempotencyKey
from kamtibmas.core.tests import hostile
from kamtibmas.core.tests.hostile import Body
from kamtibmas.core.tests.test_tenant_matrix import (
    API,
    POST_DATA,
    WEB,
    WEB_CREATES,
    Pattern,
    api_url,
    side_world,
    url_patterns,
)
from kamtibmas.engagements.models import DialogueType
from kamtibmas.engagements.services import checkin_code_issue, dialogue_plan
from kamtibmas.open311.tests.conformance import conforms
from kamtibmas.open311.tests.conftest import KAYURINGIN
from kamtibmas.surveys.services import survey_token

pytestmark = pytest.mark.django_db

#: Rows the application writes on a refused request, by design: (model label, the SQL
#: condition of the rows left out of its count, why).
EXEMPT: list[tuple[str, str, str]] = [
    (
        "privacy.AuditEntry",
        "action = 'read'",
        "SECURITY.md 5: every staff read of personal data writes an audit row, and a form "
        "refused with its errors shows the record's personal data again (the issuing page "
        "of a loss report: the owner's identity). Writes (create, update, delete) count.",
    ),
]


def row_counts() -> dict[str, int]:
    """The row count of every model (``EXEMPT``'s rows left out), in one query."""
    found = [model for model in apps.get_models() if model._meta.managed and not model._meta.proxy]
    left_out = {label: condition for label, condition, _why in EXEMPT}
    quote = connection.ops.quote_name
    counts = []
    for model in found:
        where = left_out.get(model._meta.label)
        table = quote(model._meta.db_table)
        counts.append(
            f"(SELECT COUNT(*) FROM {table} WHERE NOT ({where}))"  # noqa: S608 (ours)
            if where
            else f"(SELECT COUNT(*) FROM {table})"  # noqa: S608 (our own names)
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(counts))
        row = cursor.fetchone()
    return {model._meta.label: count for model, count in zip(found, row, strict=True)}


@dataclass
class Outcome:
    status: int
    stored: list[str]
    response: Any


@contextmanager
def _savepoint() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def attempt(call: Callable[[], Any]) -> Outcome:
    """Send one request inside a savepoint that is rolled back: its status, and the
    models whose row count it changed."""
    cache.clear()  # throttles would answer 429 long before the corpus is through
    with _savepoint():
        before = row_counts()
        response = call()
        stored: list[str] = []
        if response.status_code < 500:
            after = row_counts()
            stored = [f"{k} {before[k]}→{after[k]}" for k in before if before[k] != after[k]]
    return Outcome(response.status_code, stored, response)


def send(client: Client, method: str, url: str, body: Body, **extra: Any) -> Any:
    """``body`` as it is: ``generic`` neither re-encodes nor re-wraps it."""
    environ: dict[str, Any] = {**body.extra, **extra}
    return client.generic(method, url, body.content, content_type=body.content_type, **environ)


def expanded(response: Any) -> list[str]:
    """What an expanded entity would have put into the answer."""
    content = getattr(response, "content", b"").decode("utf-8", "replace")
    found = []
    if hostile.PASSWD_LINE in content:
        found.append(f"the contents of {hostile.PASSWD}")
    if hostile.LAUGH * 4 in content:
        found.append("the expanded laughs")
    return found


def judge(where: str, outcome: Outcome, shape: Callable[[Any], list[str]]) -> list[str]:
    """Every property ``outcome`` breaks."""
    if outcome.status >= 500:
        error = getattr(outcome.response, "exc_info", None)
        return [f"{where}: {outcome.status} ({error[1]!r})" if error else f"{where}: 500"]
    failures = [f"{where}: {problem}" for problem in shape(outcome.response)]
    failures += [f"{where}: {leak} in the answer" for leak in expanded(outcome.response)]
    if 400 <= outcome.status < 500 and outcome.stored:
        failures.append(f"{where}: refused ({outcome.status}) but stored {outcome.stored}")
    return failures


def _no_escape(root: Path) -> list[str]:
    """Uploads named to climb out of the media directory stayed inside it."""
    marker = "kamtibmas-hostile-upload"
    outside = [
        str(path)
        for base in (Path("/tmp"), Path("/etc"), root.parent)  # noqa: S108 (only looked at)
        for path in base.glob(f"*{marker}*")
    ]
    return [f"an upload left the media directory: {path}" for path in outside]


@pytest.fixture
def side(bekasi, settings, tmp_path) -> SimpleNamespace:
    """One unit (Polsek Bekasi Selatan) with a user of every role and a record of
    every kind a URL names (the tenant matrix's world)."""
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    return side_world(bekasi, "selatan")


# --------------------------------------------------------------------------- REST API


#: Valid bodies of the operations the tenant matrix sends without one.
API_BODIES: dict[tuple[str, str], Callable[[SimpleNamespace], Any]] = {
    ("POST", "/api/v1/aspirations"): lambda v: {
        "text": "Lampu jalan di gang RT 001 mati sudah seminggu, rawan begal.",
        "area": KAYURINGIN,
        "privacy": "public",
    },
    ("POST", "/api/v1/triage"): lambda v: {"text": "Ada balap liar tiap malam minggu."},
    ("POST", "/api/v1/track/{code}/messages"): lambda v: {"text": "Apakah sudah ditangani?"},
    # The tenant matrix's body predates ``start``/``end`` (it expects a refusal anyway).
    ("POST", "/api/v1/engagements"): lambda v: {
        "type": "ngopi_kamtibmas",
        "title": "Ngopi Kamtibmas RW 024",
        "area": v.village.code,
        "unit": v.unit.pk,
        "venue_name": "Balai RW 024",
        "start": "2100-01-01T19:30:00+07:00",
        "end": "2100-01-01T21:00:00+07:00",
        "latitude": -6.24761,
        "longitude": 106.99423,
    },
}
#: Operations that need a dialogue still planned, a loss report not yet issued or a
#: household that has not had its package (the world's are held, issued and served).
FRESH = {"DialogueCancel", "DialogueUpdate", "LossReportUpdate", "LossReportWithdraw"}
FRESH |= {"CertificateIssue", "LossReportContactConsent", "AidHandoutCreate"}
#: A free text (a name, a title, a reason), not a code, date or number.
FREE_TEXT = re.compile(r"\s|^[A-Z][a-z]")


def _replace_strings(value: Any, new: str, *, first_only: bool) -> tuple[Any, bool]:
    """``value`` with its free texts replaced (only the first one: ``first_only``);
    codes, dates and numbers written as text stay valid."""
    done = False

    def walk(item: Any) -> Any:
        nonlocal done
        if isinstance(item, str) and FREE_TEXT.search(item) and not (first_only and done):
            done = True
            return new
        if isinstance(item, dict):
            return {key: walk(each) for key, each in item.items()}
        if isinstance(item, list):
            return [walk(each) for each in item]
        return item

    return walk(value), done


def _numbers_as(value: Any, number: str) -> str | None:
    """The body's JSON text with every number written as ``number``; ``None`` when
    the body has none."""
    placeholder = "\u0001NUMBER\u0001"

    def walk(item: Any) -> Any:
        if isinstance(item, bool) or item is None:
            return item
        if isinstance(item, int | float):
            return placeholder
        if isinstance(item, dict):
            return {key: walk(each) for key, each in item.items()}
        if isinstance(item, list):
            return [walk(each) for each in item]
        return item

    text = json.dumps(walk(value))
    marker = json.dumps(placeholder)
    return text.replace(marker, number) if marker in text else None


def api_bodies(valid: Any) -> list[Body]:
    """The corpus for one JSON operation whose valid body is ``valid``."""
    bodies = []
    for name, text in hostile.TEXTS.items():
        changed, any_string = _replace_strings(valid, text, first_only=name == "huge")
        if any_string:
            bodies.append(Body(f"text {name}", json.dumps(changed).encode(), hostile.JSON))
    for name, number in hostile.NUMBERS.items():
        written = _numbers_as(valid, number)
        if written is not None:
            bodies.append(Body(f"number {name}", written.encode(), hostile.JSON))
    if isinstance(valid, dict) and valid:
        first = next(iter(valid))
        duplicated = '{"%s": "<b>dup</b>\\u0000", ' % first + json.dumps(valid)[1:]  # noqa: UP031
        bodies.append(Body("duplicate-keys", duplicated.encode(), hostile.JSON))
    return bodies + hostile.json_bodies()


def photo_bodies() -> list[Body]:
    """The corpus for the photo upload (multipart)."""
    jpeg = hostile.jpeg_bytes()
    boundary = "hostileboundary"
    kind = f"multipart/form-data; boundary={boundary}"
    bodies = [
        Body(f"upload named {name!r}", hostile.multipart(boundary, [("photo", name, jpeg)]), kind)
        for name in hostile.TRAVERSAL_NAMES
    ]
    bodies += [
        Body("not a picture", hostile.multipart(boundary, [("photo", "a.jpg", b"<?php ?>")]), kind),
        Body("picture in a text field", hostile.multipart(boundary, [("photo", None, jpeg)]), kind),
    ]
    return bodies + [body for body in hostile.form_bodies() if body.content_type != hostile.FORM]


def fresh_records(side: SimpleNamespace) -> SimpleNamespace:
    """``side`` with a dialogue still planned and a loss report not yet issued."""
    start = timezone.now() + timedelta(days=3)
    dialogue = dialogue_plan(
        actor=side.users["officer"],
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi Kamtibmas RW 024",
        area=side.village,
        unit=side.unit,
        venue_name="Balai RW 024",
        planned_start=start,
        planned_end=start + timedelta(hours=2),
    )
    loss = loss_report_start(
        actor=side.users["desk"],
        source=ReportSource.DESK,
        unit=side.unit,
        identity=identity(name="Siti Aminah"),
        items=KTP_AND_KK,
        lost_on=date(2025, 7, 30),
        lost_place="Pasar Baru Bekasi",
    )
    household = household_register(
        actor=side.users["officer"],
        kk_number="3275040101090099",
        head_name="Kepala Keluarga Baru",
        area=side.rw,
        members=3,
        children=0,
        address="Jl. Melati 9",
    )
    changed = {"dialogue": dialogue, "loss": loss, "household": household}
    return SimpleNamespace(**{**vars(side), **changed})


def api_operations(side: SimpleNamespace) -> list[tuple[str, str, str, str, Any, dict]]:
    """(operation id, method, URL, role, valid body, headers) of every write of the
    document."""
    fresh = fresh_records(side)
    found = []
    for path, methods in openapi_document()["paths"].items():
        for method, operation in methods.items():
            if method not in {"post", "put", "patch", "delete"}:
                continue
            key = (method.upper(), path)
            entry = API[key]
            records = fresh if operation["operationId"] in FRESH else side
            body = (API_BODIES.get(key) or entry.body or (lambda v: None))(records)
            url = api_url(path, records, entry)
            if path.startswith("/api/v1/track/"):
                url = path.replace("{code}", side.receipt_code)
            headers = entry.extra.get("headers", {})
            found.append(
                (operation["operationId"], method.upper(), url, entry.control, body, headers)
            )
    return found


def _api_shape(document: dict[str, Any], operation_id: str) -> Callable[[Any], list[str]]:
    def shape(response: Any) -> list[str]:
        if response.status_code == 204:
            return []
        try:
            schema = response_schema(document, operation_id, response.status_code)
        except AssertionError as exc:
            return [str(exc)]
        if not response.get("Content-Type", "").startswith("application/json"):
            return [f"{response.status_code} answered as {response.get('Content-Type')}"]
        found = problems(document, schema, response.json())
        if response.status_code >= 400 and not found and not response.json().get("detail"):
            found.append("an error without a readable detail")
        return found

    return shape


@pytest.mark.slow
def test_every_rest_api_write_survives_the_corpus(side, tmp_path):
    document = openapi_document()
    operations = api_operations(side)
    clients = {role: api_client(user) for role, user in side.users.items()}
    for client in clients.values():
        client.raise_request_exception = False
    failures: list[str] = []
    unreached: list[str] = []  # operations that refused everything: the corpus missed
    sent = 0
    for operation_id, method, url, role, valid, headers in operations:
        if method == "DELETE":
            corpus: list[Body] = hostile.json_bodies()[:3]  # a DELETE reads no body
        elif valid == "<jpeg>":
            corpus = photo_bodies()
        else:
            corpus = api_bodies(valid)
        shape = _api_shape(document, operation_id)
        client, accepted = clients[role], 0
        for body in corpus:
            # A new key each time: the same key with another body would be 422.
            keyed = {name: str(uuid.uuid4()) for name in headers}
            outcome = attempt(partial(send, client, method, url, body, headers=keyed))
            sent += 1
            accepted += outcome.status < 300
            failures += judge(f"{method} {url} ({operation_id}) {body.name}", outcome, shape)
        if not accepted:
            unreached.append(f"{method} {url} ({operation_id})")
    failures += _no_escape(tmp_path / "media")
    assert len(operations) >= 36, "every write operation of the document"
    assert not unreached, f"valid bodies out of date, nothing got through: {unreached}"
    assert not failures, f"{len(failures)} of {sent} hostile API requests failed:\n" + "\n".join(
        failures
    )


# --------------------------------------------------------------------------- Open311


def _open311_shape(fmt: str) -> Callable[[Any], list[str]]:
    def shape(response: Any) -> list[str]:
        try:
            if response.status_code == 200:
                conforms(response, "post_response", fmt)
            else:
                errors = conforms(response, "errors", fmt)
                if not all(error["code"] == str(response.status_code) for error in errors):
                    return [f"error codes {errors} differ from the status"]
        except AssertionError as exc:
            return [f"{response.status_code} outside the specification: {exc}"]
        return []

    return shape


def open311_bodies(raw_key: str) -> list[Body]:
    """The corpus for ``POST requests``: hostile values in a valid form, and whole
    bodies (with the key in the query string, where the body cannot carry it)."""
    base = {
        "api_key": raw_key,
        "service_code": "lingkungan",
        "address_id": KAYURINGIN,
        "description": "Lampu jalan di gang RT 001 mati sudah seminggu, rawan begal.",
    }
    bodies = []
    for name, text in hostile.TEXTS.items():
        targets = ("description",) if name == "huge" else ("description", "address_string")
        form = "&".join(
            f"{key}={hostile.percent(text if key in targets else value)}"
            for key, value in {**base, "address_string": "Gang Mawar"}.items()
            if value
        )
        bodies.append(Body(f"text {name}", form.encode(), hostile.FORM))
    for name in ("lat", "long"):
        for number, text in hostile.NUMBERS.items():
            form = urlencode({**base, "lat": "-6.24761", "long": "106.99423", name: text})
            bodies.append(Body(f"{name} {number}", form.encode(), hostile.FORM))
    boundary = "hostileboundary"
    fields: list[hostile.Part] = [
        (key, None, value.encode()) for key, value in base.items() if value
    ]
    jpeg = hostile.jpeg_bytes()
    for filename in hostile.TRAVERSAL_NAMES:
        bodies.append(
            Body(
                f"upload named {filename!r}",
                hostile.multipart(boundary, [*fields, ("media", filename, jpeg)]),
                f"multipart/form-data; boundary={boundary}",
            )
        )
    return bodies + hostile.form_bodies() + hostile.lying_lengths() + hostile.json_bodies()


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_post_survives_the_corpus(side, tmp_path, fmt):
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    failures: list[str] = []
    sent = 0
    for keyed in (True, False):
        raw_key = side.open311_raw if keyed else ""
        query = f"?{urlencode({'api_key': raw_key})}" if keyed else ""
        for body in open311_bodies(raw_key):
            # A whole body cannot carry the key: it goes in the query string.
            in_form = body.name.startswith(("text", "lat", "long", "upload"))
            url = f"/open311/v2/requests.{fmt}" + ("" if in_form else query)
            outcome = attempt(partial(send, client, "POST", url, body))
            sent += 1
            where = f"POST requests.{fmt} {'with' if keyed else 'without'} key: {body.name}"
            failures += judge(where, outcome, _open311_shape(fmt))
            if not keyed and outcome.status < 400:
                failures.append(f"{where}: {outcome.status} without a key")
    failures += _no_escape(tmp_path / "media")
    assert not failures, f"{len(failures)} of {sent} hostile Open311 posts failed:\n" + "\n".join(
        failures
    )


# --------------------------------------------------------------------------- web forms


#: Public pages whose URL names a record or a credential: how to fill it.
PUBLIC_URLS: dict[str, Callable[[SimpleNamespace], str]] = {
    "web:event": lambda v: reverse("web:event", args=[v.dialogue.pk]),
    "web:event-ics": lambda v: reverse("web:event-ics", args=[v.dialogue.pk]),
    "web:checkin": lambda v: reverse(
        "web:checkin",
        args=[checkin_code_issue(actor=v.users["officer"], dialogue=v.dialogue).raw],
    ),
    "web:aspiration-public": lambda v: reverse("web:aspiration-public", args=[v.aspiration.number]),
    "web:track-code": lambda v: reverse("web:track-code", args=[v.receipt_code]),
    "web:certificate-verify": lambda v: reverse("web:certificate-verify", args=["x"]),
    "web:aid-public-program": lambda v: reverse("web:aid-public-program", args=[v.program.pk]),
    "web:map-layer": lambda v: reverse("web:map-layer", args=["aspirations"]),
    "web:survey": lambda v: reverse("web:survey", args=[survey_token(v.dialogue)]),
}
#: Account pages with no form of their own to attack here, and why.
ACCOUNT_SKIPPED = {
    "accounts:logout": "ends the session; it reads no field",
    "accounts:otp-verify": "needs a half-finished sign-in (covered by the accounts tests)",
    "accounts:otp-enrol": "needs a half-finished sign-in (covered by the accounts tests)",
    "accounts:recovery-codes": "needs a fresh second factor (covered by the accounts tests)",
}


@dataclass(frozen=True)
class FormRoute:
    name: str
    url: str
    #: ``None``: a visitor (no account).
    user: Any
    data: dict[str, Any]


def _creates(name: str) -> tuple[str, Callable[[SimpleNamespace], dict[str, Any]]] | None:
    for route, role, form in WEB_CREATES:
        if f"web:{route}" == name:
            return role, form
    return None


def web_candidates(side: SimpleNamespace) -> list[FormRoute]:
    """Every web route (but ``ACCOUNT_SKIPPED``) with the user who may use it and a
    valid-looking form."""
    found: list[FormRoute] = []
    patterns: list[Pattern] = [
        p
        for p in url_patterns()
        if p.name.startswith(("web:", "accounts:")) or p.name == "set_language"
    ]
    for pattern in patterns:
        name = pattern.name
        route = WEB.get(name)
        if name in ACCOUNT_SKIPPED:
            continue
        if route is None or route.kind in {"public", "account"}:
            user = side.users["person"] if name == "web:subject-requests-mine" else None
            urls = [PUBLIC_URLS[name](side)] if name in PUBLIC_URLS else [reverse(name)]
            found += [FormRoute(name, url, user, dict(POST_DATA)) for url in urls]
            continue
        data = dict(POST_DATA)
        if route.post is not None:
            data.update(route.post(side))
        role = route.control
        created = _creates(name)
        if created is not None:
            role = created[0]
            data.update(created[1](side))
        elif route.kind == "staff":
            role = "commander"  # the role that may use every capability
        urls = route.urls(side) if route.urls is not None else [reverse(name)]
        found += [FormRoute(name, url, side.users[role], data) for url in urls]
    return found


def _form_text(data: dict[str, Any], text: str) -> bytes:
    """``data`` urlencoded with every text value replaced by ``text``; ids, numbers,
    dates and choices stay valid."""
    plain = re.compile(r"^[\d:.-]*$|^on$")
    pairs = []
    for key, value in data.items():
        for each in value if isinstance(value, list) else [value]:
            if not isinstance(each, str):
                continue  # an upload: the multipart corpus has those
            new = each if plain.match(each) or not each else text
            pairs.append(f"{key}={hostile.percent(new)}")
    return "&".join(pairs).encode()


def web_bodies(data: dict[str, Any]) -> list[Body]:
    texts = dict(hostile.TEXTS)
    # Every field at once must stay under DATA_UPLOAD_MAX_MEMORY_SIZE to reach the form.
    texts["huge"] = "x" * (64 * 1024)
    bodies = [
        Body(f"text {name}", _form_text(data, text), hostile.FORM) for name, text in texts.items()
    ]
    boundary = "hostileboundary"
    jpeg = hostile.jpeg_bytes()
    kind = f"multipart/form-data; boundary={boundary}"
    fields: list[hostile.Part] = [
        (k, None, v.encode()) for k, v in data.items() if isinstance(v, str)
    ]
    uploads: list[hostile.Part] = [
        (field, name, jpeg)
        for field in ("photo", "image", "file", "media")
        for name in hostile.TRAVERSAL_NAMES[:1]
    ]
    bodies.append(Body("uploads named ../..", hostile.multipart(boundary, fields + uploads), kind))
    return bodies + hostile.form_bodies()


def _web_shape(response: Any) -> list[str]:
    return []  # HTML: the status and what was stored are what count


@pytest.mark.slow
def test_every_web_form_survives_the_corpus(side, tmp_path):
    candidates = web_candidates(side)
    clients: dict[Any, Client] = {}
    failures: list[str] = []
    forms: list[FormRoute] = []
    for route in candidates:
        if route.user not in clients:
            client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="id")
            if route.user is not None:
                client.force_login(route.user)
            clients[route.user] = client
        probe = attempt(partial(clients[route.user].post, route.url, route.data))
        if probe.status == 405:
            continue  # no form here
        failures += judge(f"POST {route.url} ({route.name}) valid form", probe, _web_shape)
        forms.append(route)
    sent = len(forms)
    for route in forms:
        client = clients[route.user]
        for body in web_bodies(route.data):
            outcome = attempt(partial(send, client, "POST", route.url, body))
            sent += 1
            failures += judge(f"POST {route.url} ({route.name}) {body.name}", outcome, _web_shape)
    failures += _no_escape(tmp_path / "media")
    assert len({route.name for route in forms}) >= 40, sorted({route.name for route in forms})
    assert not failures, f"{len(failures)} of {sent} hostile form posts failed:\n" + "\n".join(
        failures
    )


# --------------------------------------------------------------------------- found here


def test_every_exemption_names_a_model():
    labels = {model._meta.label for model in apps.get_models()}
    assert all(label in labels and why for label, _where, why in EXEMPT)


def test_an_unpaired_surrogate_escaped_in_json_is_400_and_changes_nothing(bekasi):
    """``"\\ud800"`` is valid JSON but no character: it reached the database and
    failed there with a 500 (renaming a dialogue)."""
    start = timezone.now() + timedelta(days=3)
    dialogue = dialogue_plan(
        actor=bekasi.officer_selatan,
        type=DialogueType.objects.get(code="ngopi_kamtibmas"),
        title="Ngopi Kamtibmas RW 024",
        area=bekasi.kayuringin,
        unit=bekasi.polsek_selatan,
        venue_name="Balai RW 024",
        planned_start=start,
        planned_end=start + timedelta(hours=2),
    )
    client = api_client(bekasi.officer_selatan)

    for body in ('{"title": "Ngopi \\ud800"}', '{"title": "Ngopi \\udfff\\ud800 RW"}'):
        response = client.patch(
            f"/api/v1/engagements/{dialogue.pk}", body, content_type="application/json"
        )

        assert response.status_code == 400, response.content
        assert response.json()["code"] == "unstorable"
        dialogue.refresh_from_db()
        assert dialogue.title == "Ngopi Kamtibmas RW 024"
    # A pair written as two escapes is one character, and welcome.
    response = client.patch(
        f"/api/v1/engagements/{dialogue.pk}",
        '{"title": "Ngopi \\ud83d\\ude00"}',
        content_type="application/json",
    )
    assert response.status_code == 200, response.content


def test_a_multipart_body_without_a_boundary_gets_the_apis_error_shape(bekasi):
    """It was Django's HTML 400 page, outside the OpenAPI document."""
    case = aspiration_submit(
        text="Lampu jalan di gang RT 001 mati sudah seminggu, rawan begal.",
        area=bekasi.kayuringin,
        privacy=Privacy.PUBLIC,
        source="web",
    ).aspiration
    client = api_client(bekasi.officer_selatan)

    response = client.generic(
        "POST", f"/api/v1/aspirations/{case.pk}/photos", b"x", content_type="multipart/form-data"
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "bad_request"
    assert not case.photos.exists()


def test_a_plan_token_with_a_nul_is_no_token(side):
    """The safety page's hidden token went into the idempotency key as it came: a
    NUL in it was a 500 on PostgreSQL, which cannot store one."""
    client = Client()
    client.force_login(side.users["commander"])

    response = client.post(
        reverse("web:safety-plan"),
        {"unit": side.unit.pk, "area": side.village.pk, "token": "f00d\x00beef"},
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/dialogues/")
    keys = list(IdempotencyKey.objects.values_list("key", flat=True))
    assert [key for key in keys if key.startswith("web:safety-plan:")]
    assert not [key for key in keys if "\x00" in key]
