"""A unit's weights: validation with a message per field, and the admin form."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kamtibmas.safety.index import DEFAULT_WEIGHTS, Component
from kamtibmas.safety.models import SafetyWeights
from kamtibmas.safety.selectors import safety_weights_for

ZERO = dict.fromkeys([c.value for c in Component], 0.0)


def test_negative_weight_is_refused_on_its_field(area):
    weights = SafetyWeights(unit=area.polsek_selatan, recent=-1, aid=-0.5)
    with pytest.raises(ValidationError) as error:
        weights.full_clean()
    assert error.value.message_dict == {
        "recent": ["A weight cannot be negative."],
        "aid": ["A weight cannot be negative."],
    }


def test_all_zero_weights_are_refused_on_every_weight(area):
    with pytest.raises(ValidationError) as error:
        SafetyWeights(unit=area.polsek_selatan, **ZERO).full_clean()
    assert set(error.value.message_dict) == set(ZERO)
    assert error.value.message_dict["gap"] == ["At least one weight must be above zero."]


def test_half_life_out_of_range(area):
    with pytest.raises(ValidationError) as error:
        SafetyWeights(unit=area.polsek_selatan, half_life_days=0).full_clean()
    assert list(error.value.message_dict) == ["half_life_days"]


def test_defaults_without_a_row(area):
    assert safety_weights_for(area.post_kayuringin) == DEFAULT_WEIGHTS


def test_the_admin_refuses_all_zero_and_saves_good_weights(client, area):
    client.force_login(area.admin)
    url = reverse("admin:safety_safetyweights_add")
    response = client.post(url, {"unit": area.polsek_selatan.pk, **ZERO, "half_life_days": 30})
    assert response.status_code == 200
    assert "gap" in response.context["adminform"].form.errors
    assert not SafetyWeights.objects.exists()
    good = {**ZERO, "gap": 1, "recent": 2}
    response = client.post(url, {"unit": area.polsek_selatan.pk, **good, "half_life_days": 14})
    assert response.status_code == 302
    assert safety_weights_for(area.post_kayuringin).half_life_days == 14
