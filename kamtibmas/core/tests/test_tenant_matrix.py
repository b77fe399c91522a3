"""The tenant-isolation matrix (SECURITY.md 8): every route × every role × two units.

Every URL pattern of the project (``get_resolver()``, walked recursively), every
operation of the REST API's OpenAPI document and every Open311 endpoint must be
classified in the tables below; a route missing from them (or an entry for a route
that is gone) fails ``test_security_8_every_route_is_classified`` with its name, so a new route
is covered the day it is added. The Django admin is covered by a generic rule: every
registered ``ModelAdmin`` whose model declares ``tenant_unit_path`` or
``tenant_area_path`` is opened on a record of the other unit; the other models must
be listed in ``GLOBAL_ADMIN_MODELS`` with the reason nobody of a unit reaches them.

Two sibling units, Polsek Bekasi Selatan and Polsek Bekasi Timur, each get one user
of every unit role (community officer, desk officer, handler, partner agency staff,
commander) and a record of every kind a URL names, each carrying a marker. The
administrator role sees every unit by design (``core.scope``) and is no tenant.
Every role of Selatan attacks Timur; Timur's commander (who may use every
capability) attacks Selatan, so that both units are a victim. ``test_security_8_tenant_matrix``:

* every staff route naming a record of the other unit (in the path, the query or
  the form; also one's own parent record with the other unit's child), with GET and
  POST: 404, or 403 when the role may not use that capability at all, and none of
  the other unit's records changes (a snapshot of every tenant model's rows that the
  other unit's commander sees and the attacker's does not);
* every staff form that creates a record in a unit, kelurahan or host the user picks
  (``WEB_CREATES``), sent naming the other unit's, by every role: refused, and no
  row of any tenant model (nor an area) is created;
* every staff list, form, dashboard, register, export and map layer: the other
  unit's markers appear nowhere in the answer (HTML, JSON, CSV as text; XLSX through
  openpyxl; PDF through pypdfium2; DOCX through its XML);
* REST API with API tokens: the same per operation, writes that name the other unit
  in their body are refused and create nothing; residents' tokens 403 (their own
  loss reports excepted), no token 401;
* residents get 403 on every staff route, visitors the sign-in page;
* Open311: see ``open311_matrix``;
* controls, after every negative check: the other unit's own users reach every
  filled URL (not 403/404), and every marker shows on the unit's own pages, which
  proves that the URLs named real records and that the marker check can see them.
"""

from __future__ import annotations

import functools
import io
import re
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook
from PIL import Image

from kamtibmas.accounts.models import Role
from kamtibmas.accounts.services import api_token_issue
from kamtibmas.aid.household_imports import household_import_create
from kamtibmas.aid.models import AidItem, AidLocation
from kamtibmas.aid.services import (
    aid_handout_record,
    aid_program_create,
    confirmation_read,
    household_card_issue,
    household_register,
    stock_receive,
)
from kamtibmas.aid.tests.test_import_tasks import HEADER, csv_bytes, run_queued
from kamtibmas.api.tests.client import send
from kamtibmas.areas.models import UnitKind
from kamtibmas.areas.services import area_rw_get_or_create, unit_create
from kamtibmas.aspirations.lifecycle import Action
from kamtibmas.aspirations.models import (
    Aspiration,
    Privacy,
    ResponseTemplate,
    RoutingRule,
    SlaSetting,
    Source,
)
from kamtibmas.aspirations.services import (
    aspiration_photo_add,
    aspiration_submit,
    aspiration_triage_confirm,
)
from kamtibmas.certificates.models import CertificateSettings, ReportSource
from kamtibmas.certificates.services import (
    certificate_issue,
    loss_report_start,
)
from kamtibmas.certificates.tests.conftest import KTP_AND_KK, identity
from kamtibmas.conftest import make_user
from kamtibmas.core.scope import visible_to
from kamtibmas.core.timefmt import local_today
from kamtibmas.dashboards.tables import TABLE_NAMES
from kamtibmas.engagements.models import DialogueType
from kamtibmas.engagements.services import dialogue_official_add
from kamtibmas.maps.layers import LAYERS
from kamtibmas.open311.services import api_key_create
from kamtibmas.privacy.subject_requests import subject_request_submit
from kamtibmas.reports.services import report_request_dialogue
from kamtibmas.safety.models import SafetyWeights
from kamtibmas.web.tests.test_dialogues_tenancy import held_dialogue

pytestmark = pytest.mark.django_db

SIDES = ("selatan", "timur")
#: The roles a unit has; ``Role.ADMIN`` sees every unit and ``Role.RESIDENT`` none.
UNIT_ROLES = ("officer", "desk", "handler", "partner", "commander")
DENIED = frozenset({403, 404})


# --------------------------------------------------------------------------- world


def _jpeg() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(buffer, "JPEG")
    buffer.seek(0)
    return buffer


def _png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def side_world(bekasi: SimpleNamespace, side: str) -> SimpleNamespace:
    """One unit: a user of every role and a record of every kind a URL names, each
    carrying a marker that must never show up in the other unit's answers."""
    selatan = side == "selatan"
    unit = bekasi.polsek_selatan if selatan else bekasi.polsek_timur
    village = bekasi.kayuringin if selatan else bekasi.margahayu
    rw = area_rw_get_or_create(village=village, number=24 if selatan else 7)
    officer = bekasi.officer_selatan if selatan else bekasi.officer_timur
    commander = bekasi.commander_selatan if selatan else bekasi.commander_timur
    kelurahan = unit_create(
        name=f"Kelurahan {village.name}", kind=UnitKind.KELURAHAN, coverage=[village], area=village
    )
    desk = make_user(
        f"spkt.{side}",
        Role.DESK_OFFICER,
        unit,
        first_name="Budi" if selatan else "Dewi",
        last_name="Santoso" if selatan else "Lestari",
        rank="Aipda",
        nrp="85031234" if selatan else "88041234",
    )
    handler = make_user(f"handler.{side}", Role.HANDLER, unit)
    partner = make_user(f"partner.{side}", Role.PARTNER, kelurahan)
    mark = f"Zq{side}"

    dialogue, rows = held_dialogue(
        actor=officer, area=village, unit=unit, title=f"Ngopi {mark}dialog"
    )
    submitted = aspiration_submit(
        text=f"Keluhan {mark}aspirasi: ada pungutan liar di gang belakang pasar tiap malam.",
        area=rw,
        privacy=Privacy.CONFIDENTIAL,
        source=Source.WEB,
        reporter_name=f"Pelapor {mark}nama",
        reporter_phone="0813-5555-0101" if selatan else "0813-5555-0202",
        notify_by="sms",
    )
    aspiration = submitted.aspiration
    aspiration_photo = aspiration_photo_add(actor=officer, aspiration=aspiration, upload=_jpeg())
    aspiration_triage_confirm(
        actor=officer, aspiration=aspiration, category=aspiration.category, urgency="tinggi"
    )
    aspiration.refresh_from_db()

    loss = loss_report_start(
        actor=desk,
        source=ReportSource.DESK,
        unit=unit,
        identity=identity(name=f"Siti {mark}hilang"),
        items=KTP_AND_KK,
        lost_on=date(2025, 7, 30),
        lost_place="Pasar Baru Bekasi",
    )
    CertificateSettings.objects.create(
        unit=unit, unit_code="Sek.Bks.Sel" if selatan else "Sek.Bks.Tim"
    )
    certificate = certificate_issue(actor=desk, report=loss, identity_checked="KK asli")
    loss.refresh_from_db()

    today = local_today()
    program = aid_program_create(
        actor=officer,
        unit=unit,
        name=f"Sembako {mark}bantuan",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=30),
        areas=[village],
        items=[{"name": "Paket sembako", "contents": "beras 5 kg"}],
        locations=["Balai RW"],
        dialogues=[dialogue],
    )
    location = AidLocation.objects.get(program=program)
    stock_receive(
        actor=officer, item=AidItem.objects.get(program=program), location=location, quantity=20
    )
    household = household_register(
        actor=officer,
        kk_number="3275040101090011" if selatan else "3275010101090033",
        head_name=f"Kepala {mark}keluarga",
        area=rw,
        members=4,
        children=1,
        address="Jl. Melati 1",
    )
    card = household_card_issue(actor=officer, household=household)
    handout = aid_handout_record(
        actor=officer,
        program=program,
        household=household,
        location=location,
        recipient_name=f"Penerima {mark}bantuan",
        confirmation=confirmation_read("photo", _png_bytes()),
    )
    household_import = household_import_create(
        actor=officer,
        data=csv_bytes([HEADER, [household.kk_number, "Ganti Nama", "1", "7", "Jl. X", "3", "1"]]),
        extension=".csv",
        kelurahan=village,
        skip_invalid=False,
        language="id",
    )
    subject_request = subject_request_submit(
        actor=desk,
        kind="access",
        name=f"Warga {mark}subjek",
        phone="0813-5555-0101" if selatan else "0813-5555-0202",
    )
    person = make_user(f"warga.{side}", Role.RESIDENT, None)
    own_request = subject_request_submit(actor=person, kind="access")
    report = report_request_dialogue(actor=commander, dialogue_pk=dialogue.pk, language="id")
    run_queued()

    # What only the admin shows: a unit's settings and keys.
    RoutingRule.objects.create(jurisdiction=unit, responsible="satreskrim", target=unit)
    ResponseTemplate.objects.create(unit=unit, title=f"Templat {mark}", text="Terima kasih.")
    SlaSetting.objects.create(unit=unit)
    SafetyWeights.objects.create(unit=unit)
    open311_key, open311_raw = api_key_create(name=f"Aplikasi {side}", unit=unit)
    api_token_issue(user=officer, name="kept")

    return SimpleNamespace(
        side=side,
        unit=unit,
        village=village,
        rw=rw,
        kelurahan=kelurahan,
        users={
            "officer": officer,
            "desk": desk,
            "handler": handler,
            "partner": partner,
            "commander": commander,
            "person": person,  # a resident who asked about their own data
        },
        markers=(
            f"{mark}dialog",
            f"{mark}aspirasi",
            f"{mark}hilang",
            f"{mark}bantuan",
            f"{mark}keluarga",
            desk.username,
            aspiration.number,
            loss.reference,
            certificate.number,
        ),
        # Personal data shown only behind a deliberate step (revealing the identity
        # of a confidential case, opening a request): leaks too, never on a list.
        secrets=(f"{mark}nama", f"{mark}subjek"),
        dialogue=dialogue,
        official=rows["official"],
        api_official=dialogue_official_add(dialogue=dialogue, position="Ketua RW"),
        photo=rows["photo"],
        follow_up=rows["follow_up"],
        finding=rows["finding"],
        aspiration=aspiration,
        aspiration_photo=aspiration_photo,
        receipt_code=submitted.receipt_code,
        loss=loss,
        certificate=certificate,
        program=program,
        location=location,
        household=household,
        card=card,
        handout=handout,
        household_import=household_import,
        subject_request=subject_request,
        own_request=own_request,
        report=report,
        open311_raw=open311_raw,
        open311_key=open311_key,
    )


@pytest.fixture
def world(bekasi, settings, tmp_path) -> SimpleNamespace:
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    sides = {side: side_world(bekasi, side) for side in SIDES}
    return SimpleNamespace(bekasi=bekasi, resident=bekasi.resident, **sides)


@functools.cache
def tenant_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if getattr(model, "tenant_unit_path", None) is not None
        or getattr(model, "tenant_area_path", None) is not None
    ]


#: Fields that change when someone merely signs in or uses a token.
VOLATILE = {"last_login", "last_used_at"}


def only_theirs(model: type[models.Model], victim: SimpleNamespace, attacker: SimpleNamespace):
    """The records the victim unit's commander sees and the attacker's does not."""
    queryset = model._default_manager.all()
    mine = visible_to(queryset, attacker.users["commander"]).values("pk")
    return visible_to(queryset, victim.users["commander"]).exclude(pk__in=mine)


def snapshot(victim: SimpleNamespace, attacker: SimpleNamespace) -> dict[str, list[dict]]:
    """Everything of the victim unit, field by field."""
    state = {}
    for model in tenant_models():
        rows = []
        for record in only_theirs(model, victim, attacker).order_by("pk"):
            values = model_to_dict(record)
            rows.append({key: str(value) for key, value in values.items() if key not in VOLATILE})
        state[model._meta.label] = rows
    return state


def snapshot_diff(before: dict, after: dict) -> list[str]:
    return [
        f"{label}: {len(before[label])} → {len(after[label])} rows or changed fields"
        for label in before
        if before[label] != after[label]
    ]


# --------------------------------------------------------------------------- answers


def body_text(response) -> str:
    """The answer as text, whatever its format."""
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
    else:
        data = response.content
    kind = response.get("Content-Type", "")
    if data.startswith(b"%PDF"):
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(data)
        try:
            return " ".join(pdf[index].get_textpage().get_text_range() for index in range(len(pdf)))
        finally:
            pdf.close()
    if data.startswith(b"PK"):
        if "spreadsheet" in kind or "xlsx" in response.get("Content-Disposition", ""):
            book = load_workbook(io.BytesIO(data), read_only=True)
            return " ".join(
                str(cell)
                for sheet in book.worksheets
                for row in sheet.iter_rows(values_only=True)
                for cell in row
                if cell is not None
            )
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return " ".join(
                re.sub(r"<[^>]+>", "", archive.read(name).decode("utf-8", "replace"))
                for name in archive.namelist()
                if name.endswith(".xml")
            )
    return data.decode("utf-8", "replace")


def leaked(response, victim: SimpleNamespace) -> list[str]:
    if response.status_code != 200:
        return []
    text = body_text(response).lower()
    return [marker for marker in (*victim.markers, *victim.secrets) if marker.lower() in text]


def leaks(where: str, response, victim: SimpleNamespace) -> list[str]:
    return [f"LEAK {where} shows {victim.side}'s {marker!r}" for marker in leaked(response, victim)]


def to_login(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


# --------------------------------------------------------------------------- web table

UrlsOf = Callable[[SimpleNamespace], list[str]]
MixedOf = Callable[[SimpleNamespace, SimpleNamespace], list[str]]


@dataclass(frozen=True)
class Web:
    """How to check one named URL pattern.

    ``kind``: ``public`` (anyone, by design), ``account`` (one's own session),
    ``staff`` (no record in the URL: lists, forms, exports; checked for the other
    unit's markers), ``record`` (names a record of a unit: filled with the other
    unit's records). ``urls`` fills the pattern (the victim unit's records for
    ``record``); ``mixed`` adds URLs naming the attacker's own parent record with the
    victim's child record; ``post`` is the form sent; ``control`` the victim role
    that must reach the URL.
    """

    kind: str
    urls: UrlsOf | None = None
    methods: tuple[str, ...] = ("get",)
    mixed: MixedOf | None = None
    post: Callable[[SimpleNamespace], dict] | None = None
    control: str = "officer"
    why: str = ""
    #: What the other unit's users may get instead of 404/403, and why it is safe.
    denied: frozenset[int] = DENIED
    #: Control only the first URL (the others depend on the record's state).
    control_first: bool = False
    #: What the owner gets when not 2xx/3xx is still proof that the record was found.
    control_statuses: frozenset[int] = frozenset()
    #: The first URL is checked with every role (the decorator's check); the others
    #: only with these roles (``None``: all), for the reason in ``why``.
    roles: tuple[str, ...] | None = None


def web(name: str, *args: Any, query: str = "") -> str:
    url = reverse(f"web:{name}", args=args)
    return f"{url}?{query}" if query else url


def d(name: str, *rows: str, query: str = "") -> UrlsOf:
    """A route under one of the victim's dialogues (``rows``: its other records)."""
    return lambda v: [web(name, v.dialogue.pk, *(getattr(v, row).pk for row in rows), query=query)]


def d_mixed(name: str, row: str) -> MixedOf:
    """The attacker's own dialogue with the victim's ``row``."""
    return lambda a, v: [web(name, a.dialogue.pk, getattr(v, row).pk)]


def one(name: str, *attrs: str, query: str = "") -> UrlsOf:
    def fill(v: SimpleNamespace) -> list[str]:
        args = []
        for attr in attrs:
            value: Any = v
            for part in attr.split("."):
                value = getattr(value, part)
            args.append(value)
        return [web(name, *args, query=query)]

    return fill


# A form every careless view would accept: valid input for the forms of these pages.
POST_DATA: dict[str, Any] = {
    "reason": "Diambil alih oleh unit lain",
    "residents": "7",
    "leaders": "1",
    "children": "2",
    "topic_narkoba": "on",
    "position": "Ketua RT",
    "question": "Kenapa?",
    "minutes": "Ditulis oleh unit lain",
    "name": "Penyusup",
    "group": "resident",
    "consent": "on",
    "title": "Tugas palsu",
    "due_date": "2100-01-01",
    "day": "2025-01-01",
    "time": "10:00",
    "start_time": "10:00",
    "result_cctv": "ok",
    "text": "Catatan penyusup",
    "is_public": "on",
    "category": "narkoba",
    "urgency": "tinggi",
    "assignee": "",
    "identity_checked": "KK asli",
    "lost_place": "Pasar lain",
    "step": "kk",
    "kk": "3275010101090033",
    "recipient_name": "Penyusup",
    "quantity": "5",
    "kind": "receive",
    "language": "id",
    "outcome": "Selesai",
    "venue_name": "Balai",
}

WEB: dict[str, Web] = {
    # Public by design: pages for residents and visitors.
    "web:home": Web("public"),
    "web:healthz": Web("public"),
    "web:events": Web("public", why="published dialogues of every unit"),
    "web:events-ics": Web("public"),
    "web:event": Web("public", why="a published dialogue"),
    "web:event-ics": Web("public"),
    "web:checkin": Web("public", why="the QR code is the credential"),
    "web:aspiration-new": Web("public"),
    "web:aspiration-similar": Web("public"),
    "web:aspiration-public": Web("public", why="public cases by number"),
    "web:track": Web("public"),
    "web:track-code": Web("public", why="the receipt code is the credential"),
    "web:loss-start": Web("public"),
    "web:loss-status": Web("public"),
    "web:certificate-verify-form": Web("public"),
    "web:certificate-verify": Web("public", why="verifying a signed certificate"),
    "web:aid-public-list": Web("public"),
    "web:aid-public-program": Web("public"),
    "web:aid-offline-worker": Web("public", why="a static service worker script"),
    "web:field-manifest": Web("public", why="the field app's name and icons, no data"),
    "web:field-worker": Web("public", why="a static service worker script"),
    "web:map": Web("public"),
    "web:map-layer": Web("public", why="public layers only; staff layers 404"),
    "web:survey": Web("public", why="the signed survey link is the credential"),
    "accounts:login": Web("account"),
    "accounts:otp-verify": Web("account"),
    "accounts:otp-enrol": Web("account"),
    "accounts:recovery-codes": Web("account"),
    "accounts:logout": Web("account"),
    "web:after-login": Web("account", why="sends each user to their own start page"),
    "set_language": Web("account"),
    "web:subject-requests-mine": Web("account", why="a resident's own requests"),
    "certificate-keys": Web("public", why="the public keys that verify certificates"),
    # Staff pages without a record in the URL: the other unit's markers must not show.
    "web:staff-home": Web("staff"),
    "web:dialogue-list": Web("staff"),
    "web:dialogue-calendar": Web("staff"),
    "web:dialogue-new": Web("staff"),
    "web:dialogue-record": Web("staff"),
    "web:aspiration-inbox": Web(
        "staff",
        urls=lambda v: [web("aspiration-inbox"), web("aspiration-inbox", query="status=all")],
    ),
    "web:loss-list": Web("staff"),
    "web:loss-new": Web("staff"),
    "web:loss-register": Web("staff"),
    "web:loss-register-xlsx": Web("staff"),
    "web:loss-monthly": Web("staff"),
    "web:loss-monthly-xlsx": Web("staff"),
    "web:aid-list": Web("staff"),
    "web:aid-import-upload": Web("staff"),
    "web:map-staff": Web("staff"),
    "web:map-staff-layer": Web(
        "staff", urls=lambda v: [reverse("web:map-staff-layer", args=[code]) for code in LAYERS]
    ),
    "web:safety": Web("staff"),
    "web:safety-effects": Web("staff"),
    "web:dashboard": Web("staff"),
    "web:field-home": Web("staff"),
    "web:dashboard-csv": Web(
        "staff",
        urls=lambda v: [reverse("web:dashboard-csv", args=[t]) for t in TABLE_NAMES],
        roles=("commander",),
        why="every table is cut from one dashboard of the user's unit, whatever the role",
    ),
    "web:dashboard-xlsx": Web(
        "staff",
        urls=lambda v: [reverse("web:dashboard-xlsx", args=[TABLE_NAMES[0]])],
        why="every table is checked as CSV; XLSX only encodes the same rows",
    ),
    "web:report-list": Web("staff"),
    "web:subject-request-queue": Web("staff"),
    "web:subject-request-new": Web("staff"),
    "web:audit-review": Web(
        "staff",
        urls=lambda v: [web("audit-review", query=q) for q in ("", "export=csv", "export=xlsx")],
    ),
    # Staff routes naming the other unit's records (in the path, the query or the form).
    "web:dialogue-qr": Web("record", d("dialogue-qr"), ("get", "post")),
    "web:field": Web("record", d("field")),
    "web:field-reference": Web("record", d("field-reference")),
    "web:field-sync": Web("record", d("field-sync")),
    "web:field-aspiration": Web("record", d("field-aspiration"), ("post",)),
    "web:field-attendance": Web("record", d("field-attendance"), ("post",)),
    "web:field-inspection": Web("record", d("field-inspection"), ("post",)),
    "web:field-loss-report": Web("record", d("field-loss-report"), ("post",)),
    "web:field-households": Web("record", d("field-households")),
    "web:dialogue": Web("record", d("dialogue")),
    "web:dialogue-edit": Web("record", d("dialogue-edit"), ("get", "post")),
    "web:dialogue-capture": Web("record", d("dialogue-capture")),
    "web:dialogue-held": Web("record", d("dialogue-held"), ("post",)),
    "web:dialogue-cancel": Web("record", d("dialogue-cancel"), ("post",)),
    "web:dialogue-attendance": Web("record", d("dialogue-attendance"), ("post",)),
    "web:dialogue-topics": Web("record", d("dialogue-topics"), ("post",)),
    "web:dialogue-official-add": Web("record", d("dialogue-official-add"), ("post",)),
    "web:dialogue-official-remove": Web(
        "record",
        d("dialogue-official-remove", "official"),
        ("post",),
        mixed=d_mixed("dialogue-official-remove", "official"),
    ),
    "web:dialogue-answer-add": Web("record", d("dialogue-answer-add"), ("post",)),
    "web:dialogue-minutes": Web("record", d("dialogue-minutes"), ("post",)),
    "web:dialogue-photo-add": Web("record", d("dialogue-photo-add"), ("post",)),
    "web:dialogue-photo": Web(
        "record", d("dialogue-photo", "photo"), mixed=d_mixed("dialogue-photo", "photo")
    ),
    "web:dialogue-finding-photo": Web(
        "record",
        d("dialogue-finding-photo", "finding"),
        mixed=d_mixed("dialogue-finding-photo", "finding"),
    ),
    "web:dialogue-finding-photo-add": Web(
        "record",
        d("dialogue-finding-photo-add", "finding"),
        ("post",),
        mixed=d_mixed("dialogue-finding-photo-add", "finding"),
    ),
    "web:dialogue-sign-in": Web("record", d("dialogue-sign-in"), ("post",)),
    "web:dialogue-inspection": Web("record", d("dialogue-inspection"), ("post",)),
    "web:dialogue-follow-up-add": Web("record", d("dialogue-follow-up-add"), ("post",)),
    "web:dialogue-follow-up-complete": Web(
        "record",
        d("dialogue-follow-up-complete", "follow_up"),
        ("post",),
        mixed=d_mixed("dialogue-follow-up-complete", "follow_up"),
    ),
    "web:dialogue-follow-up-cancel": Web(
        "record",
        d("dialogue-follow-up-cancel", "follow_up"),
        ("post",),
        mixed=d_mixed("dialogue-follow-up-cancel", "follow_up"),
    ),
    "web:dialogue-aspiration-new": Web("record", d("dialogue-aspiration-new"), ("get", "post")),
    "web:dialogue-press": Web("record", d("dialogue-press"), ("get", "post")),
    "web:dialogue-press-txt": Web("record", d("dialogue-press-txt")),
    "web:dialogue-press-docx": Web("record", d("dialogue-press-docx")),
    "web:dialogue-survey": Web("record", d("dialogue-survey")),
    "web:aspiration-bulk": Web(
        "record",
        lambda v: [web("aspiration-bulk")],
        ("post",),
        post=lambda v: {"action": "verify", "cases": [str(v.aspiration.pk)]},
        # Each case is looked up in the user's scope ("not found" for the others);
        # the snapshot proves that the other unit's case did not change.
        denied=DENIED | {302},
    ),
    "web:aspiration": Web("record", one("aspiration", "aspiration.pk")),
    "web:aspiration-act": Web(
        "record",
        lambda v: [web("aspiration-act", v.aspiration.pk, action) for action in Action.values],
        ("post",),
        control_first=True,
    ),
    "web:aspiration-triage": Web("record", one("aspiration-triage", "aspiration.pk"), ("post",)),
    "web:aspiration-note": Web("record", one("aspiration-note", "aspiration.pk"), ("post",)),
    "web:aspiration-assign": Web("record", one("aspiration-assign", "aspiration.pk"), ("post",)),
    "web:aspiration-identity": Web(
        "record", one("aspiration-identity", "aspiration.pk"), ("post",)
    ),
    "web:aspiration-photo": Web(
        "record",
        one("aspiration-photo", "aspiration.pk", "aspiration_photo.pk"),
        mixed=lambda a, v: [web("aspiration-photo", a.aspiration.pk, v.aspiration_photo.pk)],
    ),
    "web:loss-report": Web("record", one("loss-report", "loss.pk"), control="desk"),
    "web:loss-edit": Web("record", one("loss-edit", "loss.pk"), ("get", "post"), control="desk"),
    "web:loss-take": Web("record", one("loss-take", "loss.pk"), ("post",), control="desk"),
    "web:loss-issue": Web("record", one("loss-issue", "loss.pk"), ("get", "post"), control="desk"),
    "web:loss-certificate-pdf": Web(
        "record", one("loss-certificate-pdf", "certificate.pk"), control="desk"
    ),
    "web:loss-certificate-revoke": Web(
        "record", one("loss-certificate-revoke", "certificate.pk"), ("get", "post"), control="desk"
    ),
    "web:aid-program": Web("record", one("aid-program", "program.pk")),
    "web:aid-handout": Web(
        "record",
        one("aid-handout", "program.pk", "location.pk"),
        ("get", "post"),
        mixed=lambda a, v: [web("aid-handout", a.program.pk, v.location.pk)],
    ),
    "web:aid-stock": Web("record", one("aid-stock", "program.pk"), ("get", "post")),
    "web:aid-distribution-xlsx": Web("record", one("aid-distribution-xlsx", "program.pk")),
    "web:aid-reconciliation-xlsx": Web("record", one("aid-reconciliation-xlsx", "program.pk")),
    "web:aid-import": Web("record", one("aid-import", "household_import.pk")),
    "web:aid-import-status": Web("record", one("aid-import-status", "household_import.pk")),
    "web:aid-import-start": Web(
        "record", one("aid-import-start", "household_import.pk"), ("post",)
    ),
    "web:aid-distribution-pdf": Web("record", one("aid-distribution-pdf", "program.pk")),
    "web:aid-dialogue-distribution-pdf": Web(
        "record",
        one("aid-dialogue-distribution-pdf", "program.pk", "dialogue.pk"),
        mixed=lambda a, v: [web("aid-dialogue-distribution-pdf", a.program.pk, v.dialogue.pk)],
    ),
    "web:aid-dialogue-distribution-xlsx": Web(
        "record",
        one("aid-dialogue-distribution-xlsx", "program.pk", "dialogue.pk"),
        mixed=lambda a, v: [web("aid-dialogue-distribution-xlsx", a.program.pk, v.dialogue.pk)],
    ),
    "web:aid-offline": Web(
        "record",
        one("aid-offline", "program.pk", "location.pk"),
        mixed=lambda a, v: [web("aid-offline", a.program.pk, v.location.pk)],
    ),
    "web:aid-offline-list": Web(
        "record",
        one("aid-offline-list", "program.pk", "location.pk"),
        mixed=lambda a, v: [web("aid-offline-list", a.program.pk, v.location.pk)],
    ),
    "web:aid-offline-sync": Web(
        "record", one("aid-offline-sync", "program.pk", "location.pk"), ("get", "post")
    ),
    "web:aid-cards": Web("record", one("aid-cards", "program.pk")),
    "web:aid-card": Web("record", one("aid-card", "card")),
    "web:aid-handouts": Web("record", one("aid-handouts", "program.pk")),
    "web:aid-confirmation": Web(
        "record",
        one("aid-confirmation", "program.pk", "handout.pk"),
        mixed=lambda a, v: [web("aid-confirmation", a.program.pk, v.handout.pk)],
    ),
    "web:safety-plan": Web(
        "record",
        lambda v: [web("safety-plan")],
        ("post",),
        post=lambda v: {"unit": str(v.unit.pk), "area": str(v.village.pk), "token": "x"},
        control="commander",
    ),
    "web:safety-area": Web("record", one("safety-area", "village.pk"), control="commander"),
    "web:report-request-dialogue": Web(
        "record", one("report-request-dialogue", "dialogue.pk"), ("post",), control="commander"
    ),
    "web:report-request-unit": Web(
        "record",
        lambda v: [web("report-request-unit")],
        ("post",),
        post=lambda v: {"unit": str(v.unit.pk), "month": "2025-07"},
        control="commander",
        denied=DENIED | {400},  # the form offers only the user's units
    ),
    "web:subject-request": Web(
        "record", one("subject-request", "subject_request.pk"), control="desk"
    ),
    "web:subject-request-act": Web(
        "record",
        one("subject-request-act", "subject_request.pk"),
        ("post",),
        post=lambda v: {"action": "start"},
        control="desk",
    ),
    "web:subject-request-export": Web(
        "record", one("subject-request-export", "subject_request.pk"), control="desk"
    ),
    # A resident's own request: anyone else, staff or resident, gets 404.
    "web:subject-request-mine": Web(
        "own", one("subject-request-mine", "own_request.pk"), control="person"
    ),
    "web:subject-request-mine-export": Web(
        "own",
        one("subject-request-mine-export", "own_request.pk"),
        control="person",
        # The owner's export waits until the request is done (403); anyone else's 404.
        control_statuses=frozenset({403}),
    ),
    "web:report-download": Web("record", one("report-download", "report.pk"), control="commander"),
}
# Staff pages asked about the victim's unit in their query string.
UNIT_QUERY_PAGES = (
    "dashboard",
    "safety",
    "safety-effects",
    "dialogue-list",
    "loss-register",
    "loss-monthly",
    "map-staff",
    "audit-review",
)

# ------------------------------------------------------------------ Open311 and misc

OPEN311 = {
    "open311:discovery": "public",
    "open311:services": "public",
    "open311:service": "public",
    "open311:requests": "open311",
    "open311:request": "open311",
    "open311:token": "open311",
    "open311:updates": "open311",
    "open311:not-found": "public",
}
API_GLUE = {
    "api-v1:openapi-json": "public",
    "api-v1:openapi-view": "public",
    "api-v1:api-root": "public",
    "api-not-found": "public",
}
DJANGO_ADMIN_SITE = {
    "admin:index": "admin-site",
    "admin:login": "account",
    "admin:logout": "account",
    "admin:password_change": "account",
    "admin:password_change_done": "account",
    "admin:autocomplete": "admin-site",
    "admin:jsi18n": "public",
    "admin:view_on_site": "admin-site",
    "admin:app_list": "admin-site",
    # Unnamed: the catch-all, and each model's "<object_id>/" alias, which redirects
    # to the change page for any id, existing or not (so it tells nothing).
    "admin:": "admin-site",
}
#: Registered admin models that declare no tenant: only the admin role (all
#: permissions) may open them, or they are the public registry.
GLOBAL_ADMIN_MODELS = {
    "auth.Group": "permission groups: admin role only",
    "areas.Area": "the public administrative registry (BPS codes), read-only for units",
    "otp_totp.TOTPDevice": "second-factor devices: admin role only",
    "otp_static.StaticDevice": "recovery codes: admin role only",
    "engagements.DialogueType": "a national catalogue: admin role only",
    "engagements.OutreachTopic": "a national catalogue: admin role only",
    "engagements.InspectionItem": "a national catalogue: admin role only",
    "notifications.OutboxMessage": "the delivery queue: admin role only",
    "notifications.PeriodicJobRun": "the worker's job log: admin role only",
    "surveys.SurveyQuestion": "a national catalogue: admin role only",
    "django_tasks_database.DBTaskResult": "the task queue: admin role only",
}


# ------------------------------------------------------------------------ API table


@dataclass(frozen=True)
class Api:
    """``public``, ``staff`` (a list or export: no markers of the other unit),
    ``create`` (a write naming the other unit in its body: refused, nothing created),
    or ``record`` (the path names a record of the other unit)."""

    kind: str
    body: Callable[[SimpleNamespace], Any] | None = None
    control: str = "officer"
    why: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    #: What a resident's token gets: 403 on staff operations; residents follow their
    #: own online loss reports (another person's: 404; a new one: 201).
    resident: int = 403


DUE = "2100-01-10"
NOW = "2025-07-31T12:00:00+07:00"

API: dict[tuple[str, str], Api] = {
    ("GET", "/api/v1/areas"): Api("public", why="the administrative registry"),
    ("GET", "/api/v1/areas/{area_id}"): Api("public"),
    ("GET", "/api/v1/engagements/catalogue"): Api("public", why="national catalogue"),
    ("GET", "/api/v1/loss-reports/item-types"): Api("public", why="national catalogue"),
    ("POST", "/api/v1/aspirations"): Api("public", why="intake from anyone, anywhere"),
    ("POST", "/api/v1/triage"): Api("public", why="a suggestion for a text, no record"),
    ("GET", "/api/v1/track/{code}"): Api("public", why="the receipt code is the credential"),
    ("POST", "/api/v1/track/{code}/messages"): Api("public"),
    ("GET", "/api/v1/certificates/verify"): Api("public"),
    ("GET", "/api/v1/engagements"): Api("staff"),
    ("GET", "/api/v1/aspirations"): Api("staff"),
    ("GET", "/api/v1/loss-reports"): Api("staff", resident=200),
    ("POST", "/api/v1/loss-reports/search"): Api(
        "staff", lambda v: {"nik": v.loss.nik}, resident=200, why="the other's NIK: no leak"
    ),
    ("GET", "/api/v1/loss-reports/register"): Api("staff"),
    ("GET", "/api/v1/loss-reports/register.xlsx"): Api("staff"),
    ("GET", "/api/v1/certificates"): Api("staff"),
    ("GET", "/api/v1/certificates/monthly"): Api("staff"),
    ("GET", "/api/v1/certificates/monthly.xlsx"): Api("staff"),
    ("GET", "/api/v1/aid/programs"): Api("staff"),
    ("GET", "/api/v1/aid/households"): Api("staff"),
    ("POST", "/api/v1/aid/households/search"): Api(
        "staff", lambda v: {"kk": v.household.kk_number}, why="the other's KK: no leak"
    ),
    ("POST", "/api/v1/engagements"): Api(
        "create",
        lambda v: {
            "type": "ngopi_kamtibmas",
            "title": "Disusupkan",
            "area": v.village.code,
            "unit": v.unit.pk,
            "venue_name": "Balai",
            "start": "2100-01-01T10:00:00+07:00",
            "end": "2100-01-01T12:00:00+07:00",
        },
    ),
    ("POST", "/api/v1/loss-reports"): Api(
        "create",
        lambda v: {
            "unit": v.unit.pk,
            "identity": {"name": "Penyusup", "phone": "081311112222"},
            "items": [{"type": "sim", "details": {"sim_number": "123456789012", "sim_class": "C"}}],
            "lost_on": "2025-07-30",
            "lost_place": "Pasar",
        },
        resident=201,  # an online report, to any unit, like the public form
    ),
    ("POST", "/api/v1/aid/programs"): Api(
        "create",
        lambda v: {
            "unit": v.unit.pk,
            "name": "Disusupkan",
            "starts_on": "2025-07-01",
            "ends_on": "2025-12-31",
            "areas": [v.village.code],
            "items": [{"name": "Paket"}],
            "locations": ["Balai"],
        },
    ),
    ("POST", "/api/v1/aid/households"): Api(
        "create",
        lambda v: {
            # A KK of each side's own: KK numbers are unique across units.
            "kk_number": "3275010101090077" if v.side == "selatan" else "3275010101090078",
            "head_name": "Disusupkan",
            "area": v.rw.code,
            "members": 3,
            "children": 1,
            "address": "Jl. X",
        },
    ),
    # Engagements: {dialogue_id}, {official_id}, {code}, {follow_up_id}.
    ("GET", "/api/v1/engagements/{dialogue_id}"): Api("record"),
    ("PATCH", "/api/v1/engagements/{dialogue_id}"): Api("record", lambda v: {"title": "Diambil"}),
    ("POST", "/api/v1/engagements/{dialogue_id}/held"): Api(
        "record", lambda v: {"actual_start": NOW}
    ),
    ("POST", "/api/v1/engagements/{dialogue_id}/cancel"): Api(
        "record", lambda v: {"reason": "Diambil alih"}
    ),
    ("PUT", "/api/v1/engagements/{dialogue_id}/attendance"): Api(
        "record", lambda v: {"residents": 9, "leaders": 9, "children": 9}
    ),
    ("GET", "/api/v1/engagements/{dialogue_id}/attendees"): Api("record"),
    ("POST", "/api/v1/engagements/{dialogue_id}/attendees"): Api(
        "record", lambda v: {"name": "Penyusup", "consent": True}
    ),
    ("GET", "/api/v1/engagements/{dialogue_id}/officials"): Api("record"),
    ("POST", "/api/v1/engagements/{dialogue_id}/officials"): Api(
        "record", lambda v: {"position": "Penyusup"}
    ),
    ("DELETE", "/api/v1/engagements/{dialogue_id}/officials/{official_id}"): Api("record"),
    ("GET", "/api/v1/engagements/{dialogue_id}/topics"): Api("record"),
    ("GET", "/api/v1/engagements/{dialogue_id}/topics/{code}"): Api("record"),
    ("PUT", "/api/v1/engagements/{dialogue_id}/topics/{code}"): Api(
        "record", lambda v: {"notes": "Diubah"}
    ),
    ("DELETE", "/api/v1/engagements/{dialogue_id}/topics/{code}"): Api("record"),
    ("GET", "/api/v1/engagements/{dialogue_id}/inspection"): Api("record"),
    ("PUT", "/api/v1/engagements/{dialogue_id}/inspection"): Api(
        "record", lambda v: {"inspected_at": NOW, "findings": [{"item": "cctv", "result": "ok"}]}
    ),
    ("GET", "/api/v1/engagements/{dialogue_id}/follow-ups"): Api("record"),
    ("POST", "/api/v1/engagements/{dialogue_id}/follow-ups"): Api(
        "record", lambda v: {"title": "Penyusup", "due_date": DUE}
    ),
    ("POST", "/api/v1/engagements/follow-ups/{follow_up_id}/complete"): Api(
        "record", lambda v: {"outcome": "Selesai"}
    ),
    ("POST", "/api/v1/engagements/follow-ups/{follow_up_id}/cancel"): Api(
        "record", lambda v: {"outcome": "Batal"}
    ),
    ("GET", "/api/v1/engagements/{dialogue_id}/press-release"): Api("record"),
    # Aspirations: {aspiration_id}.
    ("GET", "/api/v1/aspirations/{aspiration_id}"): Api("record"),
    ("POST", "/api/v1/aspirations/{aspiration_id}/identity"): Api(
        "record", lambda v: {"reason": "Klarifikasi laporan"}
    ),
    ("POST", "/api/v1/aspirations/{aspiration_id}/actions"): Api(
        "record", lambda v: {"action": "verify", "text": "Diambil alih"}
    ),
    ("POST", "/api/v1/aspirations/{aspiration_id}/notes"): Api(
        "record", lambda v: {"text": "Penyusup", "is_public": True}
    ),
    ("POST", "/api/v1/aspirations/{aspiration_id}/assign"): Api(
        "record", lambda v: {"assignee": None}
    ),
    ("POST", "/api/v1/aspirations/{aspiration_id}/triage"): Api(
        "record", lambda v: {"category": "narkoba", "urgency": "tinggi"}
    ),
    ("POST", "/api/v1/aspirations/{aspiration_id}/photos"): Api("record", lambda v: "<jpeg>"),
    # Loss reports and certificates: {reference}, {certificate_id}.
    ("GET", "/api/v1/loss-reports/{reference}"): Api("record", control="desk", resident=404),
    ("PATCH", "/api/v1/loss-reports/{reference}"): Api(
        "record", lambda v: {"lost_place": "Pasar lain"}, control="desk"
    ),
    ("POST", "/api/v1/loss-reports/{reference}/withdraw"): Api(
        "record", lambda v: {"reason": "Diambil alih"}, control="desk", resident=404
    ),
    ("POST", "/api/v1/loss-reports/{reference}/contact"): Api(
        "record", lambda v: {"consents": True}, control="desk", resident=404
    ),
    ("POST", "/api/v1/loss-reports/{reference}/certificate"): Api(
        "record", lambda v: {"identity_checked": "KK asli"}, control="desk"
    ),
    ("GET", "/api/v1/certificates/{certificate_id}"): Api("record", control="desk"),
    ("GET", "/api/v1/certificates/{certificate_id}/pdf"): Api("record", control="desk"),
    ("POST", "/api/v1/certificates/{certificate_id}/revoke"): Api(
        "record", lambda v: {"reason": "Diambil alih"}, control="desk"
    ),
    # Aid: {program_id}, {household_id}.
    ("GET", "/api/v1/aid/programs/{program_id}"): Api("record"),
    ("POST", "/api/v1/aid/programs/{program_id}/stock"): Api(
        "record",
        lambda v: {
            "kind": "received",
            "item": AidItem.objects.filter(program=v.program).values_list("pk", flat=True)[0],
            "location": v.location.pk,
            "quantity": 5,
        },
    ),
    ("GET", "/api/v1/aid/programs/{program_id}/ledger"): Api("record"),
    ("GET", "/api/v1/aid/households/{household_id}"): Api("record"),
    ("POST", "/api/v1/aid/households/{household_id}/card"): Api(
        "record", lambda v: {"replace": True}
    ),
    ("GET", "/api/v1/aid/programs/{program_id}/eligibility"): Api(
        "record",
        extra={"query": lambda v: {"household": v.household.pk, "location": v.location.pk}},
    ),
    ("POST", "/api/v1/aid/programs/{program_id}/handouts"): Api(
        "record",
        lambda v: {
            "household": v.household.pk,
            "location": v.location.pk,
            "recipient_name": "Penyusup",
        },
        extra={"headers": {"Idempotency-Key": "0b9f6c4e-3d1a-4d59-9a57-6f0d2e7c1a11"}},
    ),
    ("GET", "/api/v1/aid/programs/{program_id}/handouts"): Api("record"),
}

#: The attacker's own record with the other unit's record in the path, query or
#: body: (method, URL, body) from (attacker, victim). Any 4xx, and nothing changes.
API_MIXED: list[tuple[str, MixedOf, Callable[[SimpleNamespace, SimpleNamespace], Any]]] = [
    (
        "DELETE",
        lambda a, v: [f"/api/v1/engagements/{a.dialogue.pk}/officials/{v.api_official.pk}"],
        lambda a, v: None,
    ),
    (
        "GET",
        lambda a, v: [
            f"/api/v1/aid/programs/{a.program.pk}/eligibility?"
            + urlencode({"household": v.household.pk, "location": a.location.pk})
        ],
        lambda a, v: None,
    ),
    (
        "POST",
        lambda a, v: [f"/api/v1/aid/programs/{a.program.pk}/handouts"],
        lambda a, v: {
            "household": v.household.pk,
            "location": a.location.pk,
            "recipient_name": "Penyusup",
        },
    ),
    (
        "POST",
        lambda a, v: [f"/api/v1/aid/programs/{a.program.pk}/stock"],
        lambda a, v: {
            "kind": "received",
            "item": AidItem.objects.filter(program=v.program).values_list("pk", flat=True)[0],
            "location": v.location.pk,
            "quantity": 5,
        },
    ),
]

PATH_PARAMS: dict[str, Callable[[SimpleNamespace], Any]] = {
    "dialogue_id": lambda v: v.dialogue.pk,
    "official_id": lambda v: v.api_official.pk,  # the web's control removes ``official``
    "code": lambda v: "tawuran",
    "follow_up_id": lambda v: v.follow_up.pk,
    "aspiration_id": lambda v: v.aspiration.pk,
    "reference": lambda v: v.loss.reference,
    "certificate_id": lambda v: v.certificate.pk,
    "program_id": lambda v: v.program.pk,
    "household_id": lambda v: v.household.pk,
}


# ------------------------------------------------------------------------ enumeration


@dataclass(frozen=True)
class Pattern:
    name: str
    route: str


def url_patterns(
    resolver: URLResolver | None = None, prefix: str = "", ns: str = ""
) -> Iterator[Pattern]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            space = f"{ns}{entry.namespace}:" if entry.namespace else ns
            yield from url_patterns(entry, prefix + str(entry.pattern), space)
        elif isinstance(entry, URLPattern):
            yield Pattern(f"{ns}{entry.name or ''}", prefix + str(entry.pattern))


def admin_model_of(name: str) -> str | None:
    """``app_model`` of an admin URL name, as a model label, or ``None``."""
    for model in admin.site._registry:
        stem = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(stem):
            return model._meta.label
    if name == "admin:auth_user_password_change":  # UserAdmin names it after auth.User
        return "accounts.User"
    return None


@functools.cache
def api_operations() -> list[tuple[str, str]]:
    document = Client().get("/api/v1/openapi.json").json()
    return sorted(
        (method.upper(), path)
        for path, methods in document["paths"].items()
        for method in methods
        if method in {"get", "post", "put", "patch", "delete"}
    )


def classify(pattern: Pattern) -> str | None:
    name = pattern.name
    if name in WEB:
        return WEB[name].kind
    if name in OPEN311 or name in API_GLUE or name in DJANGO_ADMIN_SITE:
        return "known"
    if name.startswith("api-v1:"):
        return "api"  # operations are classified one by one from the OpenAPI document
    if name.startswith("admin:"):
        label = admin_model_of(name)
        if label is None:
            return None
        model = apps.get_model(label)
        if label in GLOBAL_ADMIN_MODELS or model in tenant_models():
            return "admin-model"
    return None


def test_security_8_every_route_is_classified():
    """A new URL pattern or API operation fails here until the matrix knows it."""
    unknown = [f"{p.name or '(unnamed)'} ({p.route})" for p in url_patterns() if not classify(p)]
    operations = api_operations()
    unknown += [f"API {m} {p}" for m, p in operations if (m, p) not in API]
    stale = [f"{name}" for name in WEB if name not in {p.name for p in url_patterns()}]
    stale += [f"API {m} {p}" for m, p in API if (m, p) not in operations]
    untabled = [
        model._meta.label
        for model in admin.site._registry
        if model._meta.label not in GLOBAL_ADMIN_MODELS and model not in tenant_models()
    ]
    for path in {p for _m, p in API}:
        for param in re.findall(r"{(\w+)}", path):
            if param not in PATH_PARAMS and not path.startswith(("/api/v1/areas", "/api/v1/track")):
                unknown.append(f"API path parameter {param} of {path}")
    assert not unknown, "routes the tenant matrix does not know how to check:\n" + "\n".join(
        unknown
    )
    assert not stale, "entries of the matrix for routes that no longer exist:\n" + "\n".join(stale)
    assert not untabled, (
        "admin models without a tenant and not in GLOBAL_ADMIN_MODELS: " + ", ".join(untabled)
    )


# ------------------------------------------------------------------------- web checks


#: (attacking unit, victim unit, the attacker's roles). Every role of Selatan against
#: Timur; back the other way the commander, the one role that may use every
#: capability, so both units are a victim while the suite stays fast.
DIRECTIONS = (
    ("selatan", "timur", UNIT_ROLES),
    ("timur", "selatan", ("commander",)),
)


def directions(
    world: SimpleNamespace,
) -> list[tuple[SimpleNamespace, SimpleNamespace, tuple[str, ...]]]:
    return [(getattr(world, a), getattr(world, v), roles) for a, v, roles in DIRECTIONS]


def record_urls(route: Web, victim: SimpleNamespace) -> list[str]:
    assert route.urls is not None
    return route.urls(victim)


def staff_urls(name: str, route: Web, victim: SimpleNamespace) -> list[str]:
    if route.urls is not None:
        return route.urls(victim)
    return [reverse(name)]


def post_data(route: Web, victim: SimpleNamespace) -> dict:
    data = dict(POST_DATA)
    if route.post is not None:
        data.update(route.post(victim))
    return data


def call(client: Client, method: str, url: str, data: dict | None = None):
    if method == "get":
        return client.get(url)
    return client.post(url, data or {})


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def web_clients(world: SimpleNamespace) -> dict[tuple[str, str], Client]:
    return {
        (side, role): signed_in(user)
        for side in SIDES
        for role, user in getattr(world, side).users.items()
    }


def web_matrix(world: SimpleNamespace, clients: dict) -> tuple[list[str], int]:
    """Every web route × every unit role × both directions (see the module docstring)."""
    failures: list[str] = []
    resident = signed_in(world.resident)
    anonymous = Client()
    checked = 0

    for attacker, victim, roles in directions(world):
        before = snapshot(victim, attacker)
        for name, route in WEB.items():
            if route.kind == "staff":
                urls = staff_urls(name, route, victim)
                if roles != UNIT_ROLES:
                    urls = urls[:1]  # the way back: one table or layer per route
                for index, url in enumerate(urls):
                    for role in roles if index == 0 or route.roles is None else route.roles:
                        response = call(clients[(attacker.side, role)], "get", url)
                        checked += 1
                        if response.status_code >= 500:
                            failures.append(
                                f"{role}.{attacker.side} GET {url}: {response.status_code}"
                            )
                        failures += leaks(f"{role}.{attacker.side} GET {url}", response, victim)
            if route.kind not in {"record", "own"}:
                continue
            urls = record_urls(route, victim)
            if route.mixed is not None:
                urls += route.mixed(attacker, victim)
            for url in urls:
                for method in route.methods:
                    for role in roles:
                        response = call(
                            clients[(attacker.side, role)], method, url, post_data(route, victim)
                        )
                        checked += 1
                        if response.status_code not in route.denied:
                            failures.append(
                                f"{role}.{attacker.side} {method.upper()} {url} ({name}): "
                                f"{response.status_code}, want 404 (or 403)"
                            )
        for name in UNIT_QUERY_PAGES:
            url = web(name, query=f"unit={victim.unit.pk}")
            for role in roles:
                response = clients[(attacker.side, role)].get(url)
                checked += 1
                if response.status_code not in DENIED | {200, 400}:
                    failures.append(
                        f"{role}.{attacker.side} GET {url}: {response.status_code}, want 404"
                    )
                failures += leaks(f"{role}.{attacker.side} GET {url}", response, victim)
        for problem in snapshot_diff(before, snapshot(victim, attacker)):
            failures.append(f"{victim.side}'s records changed by {attacker.side}: {problem}")

    # Residents and visitors, on every staff route (of one unit: the same code).
    victim = world.timur
    for name, route in WEB.items():
        if route.kind not in {"staff", "record", "own"}:
            continue
        urls = (
            staff_urls(name, route, victim) if route.kind == "staff" else record_urls(route, victim)
        )
        # Another person's own record is 404 to a resident; staff routes are 403.
        want = 404 if route.kind == "own" else 403
        for url in urls[:1]:  # the decorator does not depend on the URL's arguments
            for method in route.methods:
                response = call(resident, method, url, post_data(route, victim))
                checked += 1
                if response.status_code != want:
                    failures.append(
                        f"resident {method.upper()} {url}: {response.status_code}, want {want}"
                    )
            response = call(anonymous, route.methods[0], url, post_data(route, victim))
            checked += 1
            if not to_login(response):
                failures.append(f"anonymous {url}: {response.status_code}, want the sign-in page")

    return failures, checked


def marker_controls(world: SimpleNamespace, web: dict, api: dict) -> list[str]:
    """The marker check can see: each marker of a unit shows on at least one of the
    staff pages, lists and exports (web or API) its own commander opens."""
    victim = world.timur
    client = web[(victim.side, "commander")]
    seen: set[str] = set()
    for name, route in WEB.items():
        if route.kind == "staff":
            for url in staff_urls(name, route, victim)[:1]:
                seen.update(leaked(client.get(url), victim))
    for method, path in api_operations():
        if API[(method, path)].kind == "staff":
            seen.update(leaked(api[(victim.side, "commander")].get(path), victim))
    return [
        f"CONTROL marker {marker!r} of {victim.side} shows on none of its own staff pages"
        for marker in victim.markers
        if marker not in seen
    ]


#: The staff forms that create a record in a unit or area the user picks: a form
#: naming the other unit's unit, kelurahan or host is refused and creates nothing;
#: the same form naming one's own is accepted (the control: the form was valid but
#: for the pick). (URL name, role of the control, form for the target unit.)
def _plan(target: SimpleNamespace, day: date) -> dict[str, Any]:
    return {
        "type": str(DialogueType.objects.get(code="ngopi_kamtibmas").pk),
        "title": "Ngopi yang disusupkan",
        "unit": str(target.unit.pk),
        "host": str(target.users["officer"].pk),
        "visibility": "",
        "village": str(target.village.pk),
        "venue_name": "Warung",
        "day": day.isoformat(),
        "start_time": "19:30",
        "end_time": "21:00",
    }


def _loss(target: SimpleNamespace) -> dict[str, Any]:
    return {
        "unit": str(target.unit.pk),
        "name": "Penyusup",
        "phone": "0812-3456-7890",
        "item_ktp": "on",
        "ktp__nik": "3275046505900002",
        "lost_on": "2025-07-30",
        "lost_place": "Pasar",
    }


def _import(target: SimpleNamespace) -> dict[str, Any]:
    rows = [HEADER, ["3275019999990001", "Penyusup", "1", "7", "Jl. Y", "3", "1"]]
    upload = SimpleUploadedFile("keluarga.csv", csv_bytes(rows), content_type="text/csv")
    return {"file": upload, "kelurahan": str(target.village.pk)}


WEB_CREATES: list[tuple[str, str, Callable[[SimpleNamespace], dict[str, Any]]]] = [
    ("dialogue-new", "officer", lambda t: _plan(t, local_today() + timedelta(days=5))),
    ("dialogue-record", "officer", lambda t: _plan(t, local_today() - timedelta(days=1))),
    ("loss-new", "desk", _loss),
    ("aid-import-upload", "officer", _import),
]


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in (*tenant_models(), apps.get_model("areas", "Area"))
    }


def web_creates(world: SimpleNamespace, clients: dict) -> tuple[list[str], int]:
    """Every creation form naming the other unit, with every role: refused, nothing new."""
    failures = []
    checked = 0
    for attacker, victim, roles in directions(world):
        for name, _control, form in WEB_CREATES:
            for role in roles:
                before = row_counts()
                response = clients[(attacker.side, role)].post(web(name), form(victim))
                checked += 1
                where = f"{role}.{attacker.side} POST {web(name)} naming {victim.side}'s unit"
                if response.status_code == 302 or response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code}, want the form refused")
                grown = [label for label, n in row_counts().items() if n > before[label]]
                if grown:
                    failures.append(f"{where} created rows of {', '.join(grown)}")
    return failures, checked


def create_controls(world: SimpleNamespace, clients: dict) -> list[str]:
    """The same forms naming the user's own unit create the record."""
    failures = []
    for _attacker, victim, _roles in directions(world):
        for name, control, form in WEB_CREATES:
            response = clients[(victim.side, control)].post(web(name), form(victim))
            if response.status_code != 302:
                failures.append(
                    f"CONTROL {control}.{victim.side} POST {web(name)} naming its own unit: "
                    f"{response.status_code}; the form is not valid"
                )
    return failures


def web_controls(world: SimpleNamespace, clients: dict, method: str) -> list[str]:
    """The owner reaches every filled URL (``get``; then ``post`` for routes that
    take only writes)."""
    failures = []
    for _attacker, victim, _roles in directions(world):
        for name, route in WEB.items():
            if route.kind not in {"record", "own"} or method not in route.methods:
                continue
            if method == "post" and "get" in route.methods:
                continue  # a GET already proved the URL
            client = clients[(victim.side, route.control)]
            for url in record_urls(route, victim)[: 1 if route.control_first else None]:
                response = call(client, method, url, post_data(route, victim))
                status = response.status_code
                if status not in route.control_statuses and (status in DENIED or status >= 500):
                    failures.append(
                        f"CONTROL {route.control}.{victim.side} {method.upper()} {url} ({name}): "
                        f"{response.status_code}; the filled URL is wrong"
                    )
    return failures


# ------------------------------------------------------------------------- API checks


def api_client(user: Any) -> Client:
    _token, raw = api_token_issue(user=user, name="matrix")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def api_url(path: str, victim: SimpleNamespace, entry: Api) -> str:
    url = re.sub(r"{(\w+)}", lambda m: str(PATH_PARAMS[m.group(1)](victim)), path)
    query = entry.extra.get("query")
    return f"{url}?{urlencode(query(victim))}" if query else url


def api_call(client: Client, method: str, url: str, body: Any, entry: Api | None = None):
    if body == "<jpeg>":
        upload = _jpeg()
        upload.name = "p.jpg"
        return client.post(url, {"photo": upload})
    headers = entry.extra.get("headers", {}) if entry else {}
    return send(client, method, url, body, headers=headers)


def api_clients(world: SimpleNamespace) -> dict[tuple[str, str], Client]:
    return {
        (side, role): api_client(user)
        for side in SIDES
        for role, user in getattr(world, side).users.items()
    }


def api_matrix(world: SimpleNamespace, clients: dict) -> tuple[list[str], int]:
    """Every operation of the OpenAPI document × every unit role, with API tokens."""
    failures: list[str] = []
    resident = api_client(world.resident)
    anonymous = Client()
    operations = [(m, p, API[(m, p)]) for m, p in api_operations()]
    checked = 0

    for attacker, victim, roles in directions(world):
        before = snapshot(victim, attacker)
        for method, path, entry in operations:
            if entry.kind == "public":
                continue
            body = entry.body(victim) if entry.body else None
            url = api_url(path, victim, entry)
            for role in roles:
                response = api_call(clients[(attacker.side, role)], method, url, body, entry)
                checked += 1
                status = response.status_code
                where = f"{role}.{attacker.side} {method} {url}"
                if entry.kind == "record" and status not in DENIED:
                    failures.append(f"{where}: {status}, want 404 (or 403)")
                elif entry.kind == "create" and not 400 <= status < 500:
                    failures.append(f"{where} into {victim.side}: {status}, want a refusal")
                elif entry.kind == "staff":
                    if status >= 500:
                        failures.append(f"{where}: {status}")
                    failures += leaks(where, response, victim)
        for method, urls, body_of in API_MIXED:
            for url in urls(attacker, victim):
                for role in roles:
                    response = send(
                        clients[(attacker.side, role)],
                        method,
                        url,
                        body_of(attacker, victim),
                        headers={"Idempotency-Key": str(uuid.uuid4())},
                    )
                    checked += 1
                    if not 400 <= response.status_code < 500:
                        failures.append(
                            f"{role}.{attacker.side} {method} {url} naming {victim.side}'s record: "
                            f"{response.status_code}, want a refusal"
                        )
        for problem in snapshot_diff(before, snapshot(victim, attacker)):
            failures.append(f"{victim.side}'s records changed by {attacker.side} (API): {problem}")

    victim = world.timur
    for method, path, entry in operations:
        if entry.kind == "public":
            continue
        url = api_url(path, victim, entry)
        body = entry.body(victim) if entry.body else None
        for who, client, want in (
            ("resident", resident, entry.resident),
            ("anonymous", anonymous, 401),
        ):
            response = api_call(client, method, url, body, entry)
            checked += 1
            if response.status_code != want:
                failures.append(f"{who} {method} {url}: {response.status_code}, want {want}")
            failures += leaks(f"{who} {method} {url}", response, victim)

    return failures, checked


def api_controls(world: SimpleNamespace, clients: dict, reads: bool) -> list[str]:
    """The owner reaches every operation (``reads``; then the writes whose path has
    no read, and the creations naming the owner's unit)."""
    failures = []
    operations = [(m, p, API[(m, p)]) for m, p in api_operations()]
    for _attacker, victim, _roles in directions(world):
        for method, path, entry in operations:
            if entry.kind == "create" and not reads and entry.body:
                # The same body naming the user's own unit creates the record: the
                # refusals above are about the unit, not a body gone stale.
                url = api_url(path, victim, entry)
                response = api_call(
                    clients[(victim.side, entry.control)], method, url, entry.body(victim), entry
                )
                if not 200 <= response.status_code < 300:
                    failures.append(
                        f"CONTROL {entry.control}.{victim.side} {method} {url} naming its own "
                        f"unit: {response.status_code} {response.content[:200]!r}"
                    )
                continue
            if entry.kind != "record" or (method == "GET") != reads:
                continue
            if not reads and ("GET", path) in API:
                continue  # the read of the same path proved the URL
            client = clients[(victim.side, entry.control)]
            url = api_url(path, victim, entry)
            body = entry.body(victim) if entry.body else None
            response = api_call(client, method, url, body, entry)
            if response.status_code in DENIED or response.status_code >= 500:
                failures.append(
                    f"CONTROL {entry.control}.{victim.side} {method} {url}: "
                    f"{response.status_code} {response.content[:200]!r}"
                )
    return failures


# ----------------------------------------------------------------------- admin checks


def admin_object_urls(model: type[models.Model], pk: Any) -> list[tuple[str, str]]:
    """(URL name, URL) of every admin page about one record of ``model``."""
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    urls = [
        (f"{info}_{page}", reverse(f"{info}_{page}", args=[pk]))
        for page in ("change", "history", "delete")
    ]
    if model._meta.label == "accounts.User":
        urls.append(("password", reverse("admin:auth_user_password_change", args=[pk])))
    return urls


def admin_matrix(world: SimpleNamespace, clients: dict) -> tuple[list[str], int]:
    """The Django admin, generically: for every registered model with a tenant, a
    record of the other unit answers 404 (403 without the permission) on its
    change, history and delete pages, with GET and POST, and is absent from the
    changelist; the admin's "view on site" shortcut does not tell it exists."""
    failures: list[str] = []
    checked = 0
    registered = admin_registered()

    for attacker, victim, roles in directions(world):
        before = snapshot(victim, attacker)
        for model in registered:
            record = only_theirs(model, victim, attacker).first()
            if record is None:
                failures.append(f"the world has no record of {victim.side} for {model._meta.label}")
                continue
            info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
            changelist = reverse(f"{info}_changelist")
            content_type = ContentType.objects.get_for_model(model)
            shortcut = reverse("admin:view_on_site", args=[content_type.pk, record.pk])
            for role in roles:
                client = clients[(attacker.side, role)]
                pages = admin_object_urls(model, record.pk)
                methods: tuple[str, ...] = ("get", "post")
                if roles != UNIT_ROLES or not attacker.users[role].is_staff:
                    # The site itself refuses users without admin access (403, before
                    # any model code runs): one page of each model shows it; the way
                    # back, the change page is enough to show the same scoping.
                    pages, methods = pages[:1], ("get",)
                for name, url in pages:
                    for method in methods:
                        data = {"post": "yes"} if name.endswith("_delete") else {}
                        response = call(client, method, url, data)
                        checked += 1
                        if response.status_code not in DENIED:
                            failures.append(
                                f"admin {role}.{attacker.side} {method.upper()} {url}: "
                                f"{response.status_code}, want 404 (or 403)"
                            )
                response = client.get(changelist)
                checked += 1
                if response.status_code == 200:
                    shown = {row.pk for row in response.context["cl"].result_list}
                    if record.pk in shown:
                        failures.append(
                            f"LEAK admin {role}.{attacker.side} {changelist} lists {record}"
                        )
                elif response.status_code != 403:
                    failures.append(
                        f"admin {role}.{attacker.side} {changelist}: {response.status_code}"
                    )
                response = client.get(shortcut)
                checked += 1
                if response.status_code not in DENIED:
                    failures.append(
                        f"admin {role}.{attacker.side} GET {shortcut} ({model._meta.label}): "
                        f"{response.status_code}, want 404 (or 403)"
                    )
        for problem in snapshot_diff(before, snapshot(victim, attacker)):
            failures.append(
                f"{victim.side}'s records changed by {attacker.side} (admin): {problem}"
            )

    # Models without a tenant: nobody of a unit opens them (but the public registry).
    for model in admin.site._registry:
        label = model._meta.label
        if label not in GLOBAL_ADMIN_MODELS or label == "areas.Area":
            continue
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        for role in UNIT_ROLES:
            for url in (reverse(f"{info}_changelist"), reverse(f"{info}_add")):
                response = clients[("selatan", role)].get(url)
                checked += 1
                if response.status_code != 403:
                    failures.append(
                        f"admin {role}.selatan GET {url}: {response.status_code}, want 403"
                    )

    # Residents and visitors.
    resident = Client()
    resident.force_login(world.resident)
    for url in (reverse("admin:index"), reverse("admin:engagements_dialogue_changelist")):
        if resident.get(url).status_code != 403:
            failures.append(f"resident GET {url}: want 403")
        response = Client().get(url)
        if not (response.status_code == 302 and "/admin/login/" in response["Location"]):
            failures.append(f"anonymous GET {url}: {response.status_code}, want the admin login")

    return failures, checked


def admin_registered() -> list[type[models.Model]]:
    return [
        model
        for model in admin.site._registry
        if model in tenant_models() and model._meta.label not in GLOBAL_ADMIN_MODELS
    ]


def admin_controls(world: SimpleNamespace, clients: dict) -> list[str]:
    """The victim's commander (or, without the permission, the admin role) opens
    each record's change page."""
    failures = []
    superuser = signed_in(world.bekasi.admin)
    registered = admin_registered()
    for _attacker, victim, _roles in directions(world):
        for model in registered:
            record = only_theirs(model, victim, _attacker).first()
            if record is None:
                continue
            url = admin_object_urls(model, record.pk)[0][1]
            response = clients[(victim.side, "commander")].get(url)
            if response.status_code == 403:
                response = superuser.get(url)
            if response.status_code != 200:
                failures.append(f"CONTROL admin GET {url}: {response.status_code}")
    return failures


# --------------------------------------------------------------------- Open311 checks


def open311_matrix(world: SimpleNamespace) -> tuple[list[str], int]:
    """Open311 (GeoReport v2). Reading is public by design and shows only public
    cases: "another unit's record" there means (a) a key bound to a unit cannot post
    into another unit's area (403, nothing created), and (b) a confidential case of
    either unit never shows its text, reporter's name or phone number in any read
    (list, one request, updates; JSON and XML), so Open311 adds no way around the
    staff screens. ``tokens`` issues nothing (every request is answered at once)."""
    failures: list[str] = []
    checked = 0
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    base = "/open311/v2"

    for attacker, victim, _roles in directions(world):
        before = snapshot(victim, attacker)
        for target, want in ((victim, 403), (attacker, 201)):
            cache.clear()
            count = Aspiration.objects.count()
            response = client.post(
                f"{base}/requests.json",
                urlencode(
                    {
                        "api_key": attacker.open311_raw,
                        "service_code": "lingkungan",
                        "address_id": target.village.code,
                        "description": "Lampu jalan di gang mati sudah seminggu, rawan begal.",
                    }
                ),
                content_type="application/x-www-form-urlencoded",
            )
            created = Aspiration.objects.count() - count
            checked += 1
            ok = response.status_code in (200, 201) if want == 201 else response.status_code == want
            if not ok or created != (1 if want == 201 else 0):
                failures.append(
                    f"Open311 key of {attacker.side} posting into {target.side}: "
                    f"{response.status_code}, {created} created; want {want}"
                )
        for problem in snapshot_diff(before, snapshot(victim, attacker)):
            failures.append(f"{victim.side}'s records changed through Open311: {problem}")

    for side in SIDES:
        victim = getattr(world, side)
        secrets = [*victim.markers[:5], *victim.secrets, victim.aspiration.reporter_phone]
        for path in (
            "requests.json",
            "requests.xml",
            f"requests/{victim.aspiration.number}.json",
            f"requests/{victim.aspiration.number}.xml",
            "servicerequestupdates.json",
            "servicerequestupdates.xml",
            f"tokens/{victim.receipt_code}.json",
        ):
            response = client.get(f"{base}/{path}")
            checked += 1
            text = response.content.decode("utf-8", "replace").lower()
            shown = [secret for secret in secrets if secret and secret.lower() in text]
            if response.status_code >= 500 or shown:
                failures.append(f"Open311 GET {path}: {response.status_code}, shows {shown}")

    return failures, checked


def test_security_8_tenant_matrix(world):
    """The whole matrix on one world, built once (it is the expensive part): every
    negative check first, then the controls, reads before writes, since a control
    may change a record that another one reads."""
    web = web_clients(world)
    api = api_clients(world)
    report = []
    total = 0
    for section, check in (
        ("web", lambda: web_matrix(world, web)),
        ("web creation forms", lambda: web_creates(world, web)),
        ("REST API", lambda: api_matrix(world, api)),
        ("Django admin", lambda: admin_matrix(world, web)),
        ("Open311", lambda: open311_matrix(world)),
    ):
        failures, checked = check()
        total += checked
        if failures:
            report.append(f"{section}: {len(failures)} of {checked} checks failed")
            report += [f"  {failure}" for failure in failures]
    controls = [
        *marker_controls(world, web, api),
        *web_controls(world, web, "get"),
        *api_controls(world, api, reads=True),
        *admin_controls(world, web),
        *web_controls(world, web, "post"),
        *create_controls(world, web),
        *api_controls(world, api, reads=False),
    ]
    if controls:
        report.append(f"controls: {len(controls)} failed (the filled URL names no record)")
        report += [f"  {failure}" for failure in controls]
    assert not report, f"tenant matrix ({total} checks):\n" + "\n".join(report)
