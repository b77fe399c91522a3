"""Every staff view, search and export of personal data is audited (SECURITY.md 5).

The tenant matrix's world (``test_tenant_matrix``) gives each unit a record of every
kind, its residents' personal data carrying markers: a reporter's and a loss-report
holder's name, a household head, an aid recipient, a person who asked about their
data, a KK, a NIK and a phone number. Here each unit's own staff open every staff
page, list, export and API operation the matrix knows (so a new route is covered the
day the matrix learns it), run the searches by NIK, phone and KK and reveal a
confidential reporter (as the commander, who reaches every capability, and as the
community officer); wherever the
answer shows one of those markers, the same request must have written an audit row
(read or export) naming the user, else the test names the route.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest

from kamtibmas.certificates.tests.conftest import SITI_NIK
from kamtibmas.core.tests.test_tenant_matrix import (
    API,
    SIDES,
    WEB,
    api_call,
    api_clients,
    api_operations,
    api_url,
    body_text,
    call,
    post_data,
    record_urls,
    staff_urls,
    web,
    web_clients,
    world,  # noqa: F401 (the fixture)
)
from kamtibmas.privacy.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db

#: The phone number of the loss reports' holder (``certificates.tests.conftest``).
LOSS_PHONE = "0812-3456-7890"


def personal_markers(side: SimpleNamespace) -> dict[str, str]:
    """What of the unit's residents is personal data, as it may appear on a page."""
    mark = f"Zq{side.side}"
    markers = {
        "reporter's name": f"Pelapor {mark}nama",
        "loss-report holder's name": f"Siti {mark}hilang",
        "household head": f"Kepala {mark}keluarga",
        "aid recipient": f"Penerima {mark}bantuan",
        "data subject": f"Warga {mark}subjek",
        "KK": side.household.kk_number,
        "NIK": SITI_NIK,
    }
    reporter = "0813-5555-0101" if side.side == "selatan" else "0813-5555-0202"
    for whose, phone in (("reporter's", reporter), ("loss-report holder's", LOSS_PHONE)):
        digits = re.sub(r"\D", "", phone)
        markers[f"{whose} phone"] = digits
        markers[f"{whose} phone (+62)"] = "+62" + digits[1:]
        markers[f"{whose} phone (written)"] = phone
    return markers


def shown(response, markers: dict[str, str], typed: str = "") -> list[str]:
    """The markers in the answer, but for what the user typed into a search form
    (echoed back in the form, that reveals nothing)."""
    if response.status_code != 200:
        return []
    text = body_text(response).lower()
    typed_digits = re.sub(r"\D", "", typed)
    return [
        what
        for what, marker in markers.items()
        if marker.lower() in text and not (typed_digits and typed_digits in marker)
    ]


def web_posts(side: SimpleNamespace) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, URL, form) of the staff pages' searches by an identifier and the reveal
    of a confidential reporter (POST)."""
    handout = web("aid-handout", side.program.pk, side.location.pk)
    reveal = WEB["web:aspiration-identity"]
    return [
        ("aspiration-identity", record_urls(reveal, side)[0], post_data(reveal, side)),
        ("loss-list (NIK)", web("loss-list"), {"q": SITI_NIK}),
        ("loss-list (phone)", web("loss-list"), {"q": LOSS_PHONE}),
        ("aid-handout (KK)", handout, {"step": "kk", "kk": side.household.kk_number}),
    ]


def api_posts(side: SimpleNamespace) -> list[tuple[str, str, dict[str, Any]]]:
    identity = f"/api/v1/aspirations/{side.aspiration.pk}/identity"
    return [
        ("aspirations/identity", identity, {"reason": "Klarifikasi laporan"}),
        ("loss-reports/search", "/api/v1/loss-reports/search", {"nik": SITI_NIK}),
        (
            "aid/households/search",
            "/api/v1/aid/households/search",
            {"kk": side.household.kk_number},
        ),
    ]


class Audit:
    """Whether a request wrote a read or export audit row naming the user."""

    def __init__(self) -> None:
        self.last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def written_by(self, user: Any) -> bool:
        rows = AuditEntry.objects.filter(
            pk__gt=self.last, actor=user, action__in=[AuditAction.READ, AuditAction.EXPORT]
        )
        found = rows.exists()
        self.last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        return found


def check(failures, seen, audit, where, response, user, markers, typed="") -> None:
    if response.status_code >= 500:
        failures.append(f"{where}: {response.status_code}")
    personal = shown(response, markers, typed)
    seen.update(personal)
    audited = audit.written_by(user)
    if personal and not audited:
        failures.append(f"{where} shows {', '.join(personal)} and wrote no audit row")


def test_security_5_every_staff_view_search_and_export_of_personal_data_is_audited(world):  # noqa: F811
    web_as = web_clients(world)
    api_as = api_clients(world)
    failures: list[str] = []
    seen: set[str] = set()
    audit = Audit()
    for name in SIDES:
        side = getattr(world, name)
        markers = personal_markers(side)
        # The commander reaches every capability (and sees NIKs in full, as the desk
        # does); the community officer is the everyday, masked view. The other roles
        # run the same views on fewer routes.
        for role in ("commander", "officer"):
            user = side.users[role]
            client = web_as[(name, role)]
            for route_name, route in WEB.items():
                if route.kind == "staff":
                    urls = staff_urls(route_name, route, side)
                elif route.kind in {"record", "own"} and "get" in route.methods:
                    urls = record_urls(route, side)
                else:
                    continue
                for url in urls:
                    response = call(client, "get", url)
                    where = f"{role}.{name} {route_name} GET {url}"
                    check(failures, seen, audit, where, response, user, markers)
            for label, url, form in web_posts(side):
                response = client.post(url, form)
                where = f"{role}.{name} {label} POST {url}"
                typed = form.get("q") or form.get("kk") or ""
                check(failures, seen, audit, where, response, user, markers, typed)
            api = api_as[(name, role)]
            for method, path in api_operations():
                entry = API[(method, path)]
                if entry.kind not in {"staff", "record"} or method != "GET":
                    continue
                url = api_url(path, side, entry)
                response = api_call(api, method, url, None, entry)
                check(failures, seen, audit, f"{role}.{name} {path} GET", response, user, markers)
            for label, url, body in api_posts(side):
                response = api_call(api, "POST", url, body)
                typed = body.get("nik") or body.get("kk") or ""
                where = f"{role}.{name} {label} POST"
                check(failures, seen, audit, where, response, user, markers, typed)
    # The control: the check can see each kind of personal data somewhere.
    unseen = {what for what in personal_markers(world.timur) if "phone" not in what} - seen
    assert not unseen, f"the check never saw: {sorted(unseen)}"
    assert any("phone" in what for what in seen), "no page showed a phone number"
    assert not failures, "personal data shown without an audit row:\n" + "\n".join(failures)
