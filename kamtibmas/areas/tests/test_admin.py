"""The Unit admin: re-parenting, coverage and what a scoped user may choose."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from kamtibmas.areas.models import Unit


def form_data(unit: Unit, **changes: Any) -> dict[str, Any]:
    """What the change form of ``unit`` posts back unchanged, with ``changes`` applied."""
    data: dict[str, Any] = {
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent_id or "",
        "coverage": [area.pk for area in unit.coverage.all()],
        "area": unit.area_id or "",
        "address": unit.address,
        "phone": unit.phone,
        "opening_hours": unit.opening_hours,
        "latitude": "" if unit.latitude is None else unit.latitude,
        "longitude": "" if unit.longitude is None else unit.longitude,
    }
    data.update(changes)
    return data


def change_url(unit: Unit) -> str:
    return reverse("admin:areas_unit_change", args=[unit.pk])


def form_error_codes(response, field: str) -> set[str | None]:
    assert response.status_code == 200, response.status_code  # redisplayed, not saved
    errors = response.context["adminform"].form.errors.as_data()
    return {error.code for error in errors.get(field, [])}


@pytest.fixture
def delegated_commander(bekasi):
    """The Kapolsek Bekasi Selatan given unit rights through Django's per-user permissions."""
    user = bekasi.commander_selatan
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="areas", codename__in=["add_unit", "change_unit"]
        )
    )
    return user


# Re-parenting ------------------------------------------------------------------------


def test_parent_choices_leave_out_the_unit_and_everything_below_it(client, bekasi):
    client.force_login(bekasi.admin)

    form = client.get(change_url(bekasi.polsek_selatan)).context["adminform"].form

    choices = set(form.fields["parent"].queryset)
    assert bekasi.polsek_selatan not in choices and bekasi.post_kayuringin not in choices
    assert {bekasi.polda, bekasi.polres, bekasi.polsek_timur} <= choices


@pytest.mark.parametrize("parent", ["polsek_selatan", "post_kayuringin"])
def test_a_parent_below_the_unit_is_a_form_error(client, bekasi, parent):
    client.force_login(bekasi.admin)
    data = form_data(bekasi.polsek_selatan, parent=getattr(bekasi, parent).pk)

    response = client.post(change_url(bekasi.polsek_selatan), data)

    assert form_error_codes(response, "parent") == {"parent_cycle"}
    assert Unit.objects.get(pk=bekasi.polsek_selatan.pk).parent == bekasi.polres


def test_moving_a_unit_and_changing_its_coverage_together(client, bekasi):
    client.force_login(bekasi.admin)
    post = bekasi.post_kayuringin
    data = form_data(post, parent=bekasi.polsek_timur.pk, coverage=[bekasi.margahayu.pk])

    response = client.post(change_url(post), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    post.refresh_from_db()
    assert post.parent == bekasi.polsek_timur
    assert post.path == f"{bekasi.polsek_timur.path}{post.pk}/"
    assert list(post.coverage.all()) == [bekasi.margahayu]


def test_coverage_outside_the_parent_s_is_a_form_error(client, bekasi):
    client.force_login(bekasi.admin)
    data = form_data(bekasi.post_kayuringin, coverage=[bekasi.margahayu.pk])

    response = client.post(change_url(bekasi.post_kayuringin), data)

    assert form_error_codes(response, "coverage") == {"coverage_outside_parent"}
    assert list(bekasi.post_kayuringin.coverage.all()) == [bekasi.kayuringin]


def test_a_partner_unit_added_by_an_administrator_may_have_no_parent(client, bekasi):
    client.force_login(bekasi.admin)
    data = {"name": "Kelurahan Margahayu", "kind": "kelurahan", "coverage": [bekasi.margahayu.pk]}

    response = client.post(reverse("admin:areas_unit_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    unit = Unit.objects.get(name="Kelurahan Margahayu")
    assert unit.parent is None and unit.path == f"/{unit.pk}/"
    assert list(unit.coverage.all()) == [bekasi.margahayu]


# Rights delegated to a scoped user ----------------------------------------------------


def test_a_scoped_user_is_offered_only_areas_in_scope(client, bekasi, delegated_commander):
    client.force_login(delegated_commander)

    form = client.get(change_url(bekasi.post_kayuringin)).context["adminform"].form

    for name in ("coverage", "area"):
        choices = set(form.fields[name].queryset)
        assert {bekasi.selatan, bekasi.kayuringin, bekasi.rw024} <= choices
        assert not choices & {bekasi.kota, bekasi.timur, bekasi.margahayu, bekasi.jabar}


def test_a_scoped_user_cannot_cover_areas_outside_scope(client, bekasi, delegated_commander):
    client.force_login(delegated_commander)
    data = form_data(bekasi.post_kayuringin, coverage=[bekasi.kayuringin.pk, bekasi.margahayu.pk])

    response = client.post(change_url(bekasi.post_kayuringin), data)

    assert form_error_codes(response, "coverage") == {"invalid_choice"}
    assert list(bekasi.post_kayuringin.coverage.all()) == [bekasi.kayuringin]


@pytest.mark.parametrize("unit", ["polsek_selatan", "post_kayuringin"])
def test_a_scoped_user_cannot_clear_the_parent(client, bekasi, delegated_commander, unit):
    client.force_login(delegated_commander)
    target = getattr(bekasi, unit)

    response = client.post(change_url(target), form_data(target, parent=""))

    assert form_error_codes(response, "parent") == {"required"}
    assert Unit.objects.get(pk=target.pk).path == target.path


def test_a_scoped_user_cannot_move_a_unit_out_of_sight(client, bekasi, delegated_commander):
    client.force_login(delegated_commander)
    data = form_data(bekasi.post_kayuringin, parent=bekasi.polsek_timur.pk)

    response = client.post(change_url(bekasi.post_kayuringin), data)

    assert form_error_codes(response, "parent") == {"invalid_choice"}


def test_a_scoped_user_may_edit_their_own_unit_keeping_its_parent(
    client, bekasi, delegated_commander
):
    client.force_login(delegated_commander)
    data = form_data(bekasi.polsek_selatan, phone="(021) 8841026")

    response = client.post(change_url(bekasi.polsek_selatan), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    polsek = Unit.objects.get(pk=bekasi.polsek_selatan.pk)
    assert polsek.phone == "(021) 8841026" and polsek.parent == bekasi.polres
    assert polsek.path == bekasi.polsek_selatan.path


def test_a_scoped_user_must_add_units_under_a_unit_in_scope(client, bekasi, delegated_commander):
    client.force_login(delegated_commander)
    url = reverse("admin:areas_unit_add")
    data = {"name": "Pos Polisi Jakasetia", "kind": "post", "coverage": [bekasi.kayuringin.pk]}

    assert form_error_codes(client.post(url, data), "parent") == {"required"}
    response = client.post(url, {**data, "parent": bekasi.polsek_selatan.pk})

    assert response.status_code == 302, response.context["adminform"].form.errors
    unit = Unit.objects.get(name="Pos Polisi Jakasetia")
    assert unit.path == f"{bekasi.polsek_selatan.path}{unit.pk}/"


# The autocomplete endpoint behind the coverage and area widgets -----------------------


def autocomplete(client, field: str, term: str) -> set[int]:
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "areas", "model_name": "unit", "field_name": field, "term": term},
    )
    assert response.status_code == 200
    return {int(result["id"]) for result in response.json()["results"]}


@pytest.mark.parametrize("field", ["coverage", "area"])
def test_autocomplete_offers_a_scoped_user_only_areas_in_scope(
    client, bekasi, delegated_commander, field
):
    client.force_login(delegated_commander)

    assert autocomplete(client, field, "Bekasi") == {bekasi.selatan.pk}
    assert autocomplete(client, field, "32.75.01.1002") == set()  # Margahayu, by code


def test_autocomplete_offers_an_administrator_every_area(client, bekasi):
    client.force_login(bekasi.admin)

    found = autocomplete(client, "coverage", "Bekasi")

    assert found == {bekasi.kota.pk, bekasi.selatan.pk, bekasi.timur.pk}


def test_the_area_registry_stays_browsable_by_every_staff_user(client, bekasi):
    client.force_login(bekasi.commander_selatan)

    response = client.get(reverse("admin:areas_area_changelist"), {"q": "Bekasi"})

    assert {area.pk for area in response.context["cl"].result_list} == {
        bekasi.kota.pk,
        bekasi.selatan.pk,
        bekasi.timur.pk,
    }
