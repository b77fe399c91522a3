"""The user and API-token admins write through the accounts services."""

from typing import Any

import pytest
from django.urls import reverse

from kamtibmas.accounts.models import ApiToken, Role, User
from kamtibmas.accounts.services import api_token_issue, api_token_revoke


def user_form_data(client, user: User, **changes: Any) -> dict[str, Any]:
    """What the change form of ``user`` posts back unchanged, with ``changes`` applied."""
    form = (
        client.get(reverse("admin:accounts_user_change", args=[user.pk])).context["adminform"].form
    )
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None and k not in {"password", "date_joined", "last_login"}
    }
    data.update(
        {
            "user_permissions": [],
            "groups": [],
            "unit": user.unit_id or "",
            "date_joined_0": "2025-07-31",
            "date_joined_1": "10:10:00",
        }
    )
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("who", "role", "admin_access"),
    [("commander_selatan", Role.COMMUNITY_OFFICER, False), ("officer_timur", Role.COMMANDER, True)],
)
def test_admin_access_follows_a_role_changed_in_the_admin(client, bekasi, who, role, admin_access):
    client.force_login(bekasi.admin)
    user = getattr(bekasi, who)
    url = reverse("admin:accounts_user_change", args=[user.pk])

    response = client.post(url, user_form_data(client, user, role=role))

    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = User.objects.get(pk=user.pk)
    assert stored.role == role and stored.is_staff is admin_access
    client.force_login(stored)
    assert client.get(reverse("admin:index")).status_code == (200 if admin_access else 403)


def test_a_staff_role_without_a_unit_is_a_form_error(client, bekasi):
    client.force_login(bekasi.admin)
    officer = bekasi.officer_timur
    url = reverse("admin:accounts_user_change", args=[officer.pk])

    response = client.post(url, user_form_data(client, officer, unit=""))

    assert response.status_code == 200
    assert User.objects.get(pk=officer.pk).unit == bekasi.polsek_timur


@pytest.fixture
def revoked_token(bekasi) -> ApiToken:
    token, _raw = api_token_issue(user=bekasi.officer_selatan, name="tablet")
    return api_token_revoke(token=token)


def test_every_token_field_is_read_only(client, bekasi, revoked_token):
    client.force_login(bekasi.admin)
    url = reverse("admin:accounts_apitoken_change", args=[revoked_token.pk])

    assert client.get(url).context["adminform"].form.fields == {}
    client.post(url, {"name": "renamed", "revoked_at_0": "", "revoked_at_1": ""})

    stored = ApiToken.objects.get(pk=revoked_token.pk)
    assert stored.revoked_at == revoked_token.revoked_at and stored.name == "tablet"


def test_tokens_are_revoked_with_an_admin_action(client, bekasi):
    tokens = [api_token_issue(user=bekasi.officer_selatan)[0] for _ in range(2)]
    kept, _raw = api_token_issue(user=bekasi.officer_timur)
    client.force_login(bekasi.admin)

    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [t.pk for t in tokens]},
    )

    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk__in=[t.pk for t in tokens], revoked_at=None).exists()
    assert ApiToken.objects.get(pk=kept.pk).revoked_at is None
