"""HTTP hardening (SECURITY.md 12): pages and API answers with personal data are
``Cache-Control: no-store``; production cookies carry the ``__Host-`` prefix."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.urls import URLResolver, get_resolver, reverse

from kamtibmas.api.tests.client import api_client
from kamtibmas.api.tests.openapi_check import openapi_document
from kamtibmas.config.tests.test_settings import PRODUCTION, run_kamtibmas


def no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_security_12_signed_in_pages_are_no_store(client, bekasi):
    client.force_login(bekasi.officer_selatan)
    for name in ("web:staff-home", "web:aspiration-inbox", "web:dialogue-list", "web:home"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert no_store(response), (name, response.get("Cache-Control"))


def test_security_12_api_answers_to_a_token_are_no_store(bekasi):
    response = api_client(bekasi.officer_selatan).get("/api/v1/aspirations")
    assert response.status_code == 200
    assert no_store(response), response.get("Cache-Control")


def test_public_pages_for_visitors_stay_cacheable(client, db):
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.slow
def test_security_12_production_cookies_are_host_only_and_secure(tmp_path):
    script = (
        "import json; from django.conf import settings as s; print(json.dumps(["
        "s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_DOMAIN, s.CSRF_COOKIE_DOMAIN, "
        "s.SESSION_COOKIE_PATH, s.CSRF_COOKIE_PATH, s.SECURE_HSTS_SECONDS]))"
    )
    result = run_kamtibmas(tmp_path, "shell", "-c", script, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    session, csrf, *rest = json.loads(result.stdout.strip().splitlines()[-1])
    # The browser drops a __Host- cookie unless it is Secure, Path=/ and has no Domain.
    assert session.startswith("__Host-") and csrf.startswith("__Host-")
    assert rest == [True, True, None, None, "/", "/", rest[-1]]
    assert rest[-1] >= 365 * 24 * 60 * 60


# Words that name personal data in a route argument, a query parameter or a field.
PERSONAL = re.compile(
    r"(?:^|_)(nik|kk|phone|telepon|hp|email|name|nama|address|alamat|birth)(?:_|$)"
)


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.pattern.regex.groupindex


def test_security_12_no_personal_data_in_urls(db):
    """Personal data never travels in a URL, where proxies, logs and browser history
    keep it: no route argument and no query parameter of the API names it, and the
    pages' GET forms (filters) have no such field; NIK searches are POSTs."""
    arguments = [
        f"{route}: {name}"
        for route, groups in _routes(get_resolver().url_patterns)
        for name in groups
        if PERSONAL.search(name)
    ]
    assert arguments == []
    document = openapi_document()
    parameters = [
        f"{method.upper()} {path}: {parameter['name']}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and PERSONAL.search(parameter["name"])
    ]
    assert parameters == []
    templates = Path(__file__).resolve().parents[2] / "web" / "templates"
    fields = []
    for path in templates.rglob("*.html"):
        for form in re.findall(
            r'<form[^>]*method="get"[^>]*>.*?</form>', path.read_text(), flags=re.S | re.I
        ):
            fields += [
                f"{path.name}: {name}"
                for name in re.findall(r'name="([^"]+)"', form)
                if PERSONAL.search(name)
            ]
    assert fields == []
