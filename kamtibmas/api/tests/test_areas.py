"""Areas named in requests: by id or code, down to RW and RT."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kamtibmas.api.areas import area_by_reference, area_by_text, area_with_neighbourhood
from kamtibmas.areas.models import Area


def _codes(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str | None]]:
    return {
        field: [error.code for error in errors] for field, errors in exc.value.error_dict.items()
    }


def test_an_area_is_found_by_code_or_by_id(bekasi):
    assert area_by_reference("32.75.04.1005") == bekasi.kayuringin
    assert area_by_reference(" 32.75.04.1005 ") == bekasi.kayuringin
    assert area_by_reference(bekasi.kayuringin.pk) == bekasi.kayuringin


def test_in_a_query_string_a_code_wins_over_an_id(bekasi):
    assert area_by_text("32") == bekasi.jabar
    assert area_by_text(str(bekasi.margahayu.pk)) == bekasi.margahayu
    assert area_by_text("32.75.01.1002") == bekasi.margahayu


@pytest.mark.parametrize("reference", ["99.99", 10**9, True])
def test_an_unknown_area_is_refused_on_its_field(bekasi, reference):
    with pytest.raises(ValidationError) as exc:
        area_by_reference(reference)

    assert _codes(exc) == {"area": ["unknown_area"]}


def test_rw_and_rt_numbers_are_created_on_first_use(bekasi):
    rt = area_with_neighbourhood(area="32.75.04.1005", rw=24, rt=1)

    assert rt.code == "32.75.04.1005.024.001"
    assert rt.rw == bekasi.rw024
    assert area_with_neighbourhood(area=bekasi.rw024.code, rw=None, rt=1) == rt
    assert area_with_neighbourhood(area="32.75.04.1005", rw=24, rt=None) == bekasi.rw024


def test_an_rt_without_its_rw_is_refused_and_nothing_is_created(bekasi):
    before = Area.objects.count()

    with pytest.raises(ValidationError) as exc:
        area_with_neighbourhood(area="32.75.04.1005", rw=None, rt=1)

    assert _codes(exc) == {"rt": ["rt_needs_rw"]}
    assert Area.objects.count() == before


def test_an_rw_needs_a_village(bekasi):
    with pytest.raises(ValidationError) as exc:
        area_with_neighbourhood(area="32.75.04", rw=3, rt=None)

    assert _codes(exc) == {"rw": ["rw_needs_village"]}
