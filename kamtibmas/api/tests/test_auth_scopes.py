"""API tokens expire (401 after) and carry scopes (403 for an operation outside them)."""

from __future__ import annotations

import datetime

from django.test import Client
from django.utils import timezone

from kamtibmas.accounts.models import ApiToken
from kamtibmas.accounts.services import api_token_issue

READ = "/api/v1/engagements/catalogue"
INTAKE = "/api/v1/aspirations"


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_an_expired_token_is_401(bekasi):
    token, raw = api_token_issue(user=bekasi.officer_selatan)
    assert bearer(raw).get(READ).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(1))
    response = bearer(raw).get(READ)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_a_read_token_reads_and_changes_nothing(bekasi):
    _token, raw = api_token_issue(user=bekasi.officer_selatan, scopes=["read"])
    assert bearer(raw).get(READ).status_code == 200
    response = bearer(raw).post(INTAKE, {}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_an_intake_token_submits_but_neither_reads_nor_changes_cases(bekasi):
    _token, raw = api_token_issue(user=bekasi.officer_selatan, scopes=["intake"])
    client = bearer(raw)
    assert client.get(READ).status_code == 403
    assert client.get(INTAKE).status_code == 403
    # Past authentication: the empty body is refused by the schema, not by the scope.
    assert client.post(INTAKE, {}, content_type="application/json").status_code == 422
    assert client.post(f"{INTAKE}/1/notes", {}, content_type="application/json").status_code == 403


def test_a_write_token_may_also_submit(bekasi):
    _token, raw = api_token_issue(user=bekasi.officer_selatan, scopes=["write"])
    client = bearer(raw)
    assert client.post(INTAKE, {}, content_type="application/json").status_code == 422
    assert client.get(READ).status_code == 403
