"""Who may call the staff API: active staff with a valid token (SECURITY.md 8, 11)."""

from __future__ import annotations

import pytest
from django.test import Client

from kamtibmas.accounts.services import api_token_issue, api_token_revoke
from kamtibmas.api.tests.client import api_client

URL = "/api/v1/engagements/catalogue"


def _assert_unauthenticated(response) -> None:
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="kamtibmas"'
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert "Authorization: Bearer" in body["detail"]
    assert body["errors"] == []


@pytest.mark.django_db
def test_no_token_is_401_with_the_json_error_shape():
    _assert_unauthenticated(Client().get(URL))


@pytest.mark.parametrize(
    "header",
    [
        "Bearer kmt_not-a-real-token",
        "Bearer ",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "kmt_without_scheme",
        "Bearer " + "x" * 5000,
    ],
)
@pytest.mark.django_db
def test_wrong_or_malformed_token_is_401(header):
    _assert_unauthenticated(Client(headers={"Authorization": header}).get(URL))


def test_revoked_token_is_401(bekasi):
    token, raw = api_token_issue(user=bekasi.officer_selatan)
    api_token_revoke(token=token)

    _assert_unauthenticated(Client(headers={"Authorization": f"Bearer {raw}"}).get(URL))


def test_token_of_a_disabled_user_is_401(bekasi):
    client = api_client(bekasi.officer_selatan)
    bekasi.officer_selatan.is_active = False
    bekasi.officer_selatan.save()

    _assert_unauthenticated(client.get(URL))


def test_resident_token_is_403(bekasi):
    response = api_client(bekasi.resident).get(URL)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "role", ["officer_selatan", "commander_polres", "commander_timur", "admin"]
)
def test_staff_tokens_are_accepted_and_the_use_is_recorded(bekasi, role):
    user = getattr(bekasi, role)
    token, raw = api_token_issue(user=user)

    response = Client(headers={"Authorization": f"Bearer {raw}"}).get(URL)

    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.django_db
def test_openapi_document_and_docs_need_no_token():
    assert Client().get("/api/v1/openapi.json").status_code == 200
    assert Client().get("/api/v1/docs").status_code == 200


def test_answers_are_never_cached(bekasi):
    response = api_client(bekasi.officer_selatan).get(URL)

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
