"""The configuration administrators edit, and the read-only case list."""

import pytest
from django.urls import reverse

from kamtibmas.aspirations.models import SlaSetting


@pytest.fixture
def admin_client(client, c2):
    client.force_login(c2.admin)
    return client


def test_a_wrong_sla_policy_is_refused_with_a_message(admin_client, c2):
    url = reverse("admin:aspirations_slasetting_add")
    response = admin_client.post(
        url,
        {
            "unit": c2.polsek_selatan.pk,
            "policy": '{"verify_days": -1}',
            "extra_holidays": '["2026-02-30"]',
            "removed_holidays": "[]",
        },
    )
    assert response.status_code == 200
    assert not SlaSetting.objects.exists()
    errors = response.context["adminform"].form.errors
    assert "policy" in errors and "extra_holidays" in errors


def test_a_unit_policy_is_saved(admin_client, c2):
    response = admin_client.post(
        reverse("admin:aspirations_slasetting_add"),
        {
            "unit": c2.polsek_selatan.pk,
            "policy": '{"resolve_days": {"tinggi": 5}}',
            "extra_holidays": '["2026-03-19"]',
            "removed_holidays": "[]",
        },
    )
    assert response.status_code == 302
    assert SlaSetting.objects.get().policy == {"resolve_days": {"tinggi": 5}}


def test_the_case_list_never_shows_the_reporter(admin_client, submit):
    case = submit().aspiration
    page = admin_client.get(reverse("admin:aspirations_aspiration_change", args=[case.pk]))
    assert page.status_code == 200
    assert b"Budi Santoso" not in page.content and b"3456" not in page.content
