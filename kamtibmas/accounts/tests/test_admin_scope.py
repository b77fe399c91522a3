"""Admin pages obey the same tenancy rule as everything else (§2)."""

import pytest
from django.urls import reverse


def changelist_names(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.context["cl"].result_list


@pytest.mark.parametrize(
    ("who", "visible", "hidden"),
    [
        (
            "commander_selatan",
            {"Polsek Bekasi Selatan", "Pos Polisi Kayuringin"},
            {"Polsek Bekasi Timur", "Pos Polisi Margahayu", "Polres Metro Bekasi Kota"},
        ),
        (
            "commander_timur",
            {"Polsek Bekasi Timur", "Pos Polisi Margahayu"},
            {"Polsek Bekasi Selatan", "Pos Polisi Kayuringin", "Polres Metro Bekasi Kota"},
        ),
        (
            "commander_polres",
            {
                "Polres Metro Bekasi Kota",
                "Polsek Bekasi Selatan",
                "Polsek Bekasi Timur",
                "Pos Polisi Kayuringin",
                "Pos Polisi Margahayu",
            },
            {"Polda Metro Jaya"},
        ),
    ],
)
def test_unit_changelist_is_scoped(client, bekasi, who, visible, hidden):
    client.force_login(getattr(bekasi, who))
    names = {u.name for u in changelist_names(client, reverse("admin:areas_unit_changelist"))}
    assert visible <= names
    assert not (hidden & names)


def test_other_units_record_answers_404_in_the_admin(client, bekasi):
    client.force_login(bekasi.commander_selatan)
    own = reverse("admin:areas_unit_change", args=[bekasi.post_kayuringin.pk])
    other = reverse("admin:areas_unit_change", args=[bekasi.post_margahayu.pk])
    assert client.get(own).status_code == 200
    assert client.get(other).status_code == 404
    history = reverse("admin:areas_unit_history", args=[bekasi.post_margahayu.pk])
    assert client.get(history).status_code == 404


def test_user_changelist_is_scoped(client, bekasi):
    client.force_login(bekasi.commander_selatan)
    names = {
        u.username for u in changelist_names(client, reverse("admin:accounts_user_changelist"))
    }
    assert names == {"bhabin.selatan", "kapolsek.selatan"}
    other = reverse("admin:accounts_user_change", args=[bekasi.officer_timur.pk])
    assert client.get(other).status_code == 404


def test_officers_and_residents_get_403_from_the_admin(client, bekasi):
    for user in (bekasi.officer_selatan, bekasi.resident):
        client.force_login(user)
        assert client.get(reverse("admin:areas_unit_changelist")).status_code == 403
        assert client.get(reverse("admin:index")).status_code == 403


def test_anonymous_visitors_are_sent_to_the_admin_login(client, bekasi):
    response = client.get(reverse("admin:areas_unit_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_admin_role_sees_everything(client, bekasi):
    client.force_login(bekasi.admin)
    names = {u.name for u in changelist_names(client, reverse("admin:areas_unit_changelist"))}
    assert "Polda Metro Jaya" in names and len(names) == 6


def test_adding_a_unit_in_the_admin_sets_its_path(client, bekasi):
    from kamtibmas.areas.models import Unit

    client.force_login(bekasi.admin)
    response = client.post(
        reverse("admin:areas_unit_add"),
        {
            "name": "Pos Polisi Jakasetia",
            "kind": "post",
            "parent": bekasi.polsek_selatan.pk,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    unit = Unit.objects.get(name="Pos Polisi Jakasetia")
    assert unit.path == f"{bekasi.polsek_selatan.path}{unit.pk}/"
    assert Unit.objects.filter(path="").count() == 0


def test_opening_a_user_in_the_admin_is_audited(client, bekasi):
    from kamtibmas.privacy.models import AuditEntry

    client.force_login(bekasi.commander_selatan)
    url = reverse("admin:accounts_user_change", args=[bekasi.officer_selatan.pk])
    assert client.get(url).status_code == 200
    entry = AuditEntry.objects.get()
    assert entry.actor == bekasi.commander_selatan
    assert entry.subject_id == str(bekasi.officer_selatan.pk)
    assert entry.action == "read" and "phone" in entry.fields


def test_phone_edited_in_the_admin_is_validated_normalised_and_indexed(client, bekasi):
    from kamtibmas.accounts.models import User
    from kamtibmas.accounts.services import user_find_by_phone

    client.force_login(bekasi.admin)
    url = reverse("admin:accounts_user_change", args=[bekasi.officer_selatan.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        {
            "user_permissions": [],
            "groups": [],
            "unit": bekasi.polsek_selatan.pk,
            "date_joined_0": "2025-07-31",
            "date_joined_1": "10:10:00",
        }
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)

    data["phone"] = "12345"
    assert client.post(url, data).status_code == 200  # form redisplayed with the error
    assert User.objects.get(pk=bekasi.officer_selatan.pk).phone is None

    data["phone"] = "0812-9999-0000"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(pk=bekasi.officer_selatan.pk).phone == "+6281299990000"
    assert list(user_find_by_phone("+62 812 9999 0000")) == [bekasi.officer_selatan]


def test_admin_pages_carry_the_language_switch_and_speak_indonesian(client, bekasi):
    client.force_login(bekasi.commander_selatan)
    page = client.get(reverse("admin:areas_unit_changelist")).content.decode()
    assert 'action="/i18n/setlang/"' in page and 'name="language"' in page
    assert "Administrasi Kamtibmas" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert "Kamtibmas administration" in client.get("/admin/").content.decode()
