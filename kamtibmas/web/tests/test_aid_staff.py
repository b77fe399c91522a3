"""The officer's aid pages (issue 8 point 4): permissions, scope, audit, errors that
store nothing, one hand-out however often the form is sent, and the workbooks."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from kamtibmas.aid.models import AidProgram, Handout, StockEntry
from kamtibmas.aid.services import stock_balances
from kamtibmas.aid.tests.conftest import KK, aid
from kamtibmas.core.timefmt import local_today
from kamtibmas.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db

__all__ = ["aid"]  # the fixture, imported for this module


@pytest.fixture
def running(aid):
    """The fixture's program, running today."""
    today = local_today()
    AidProgram.objects.filter(pk=aid.program.pk).update(
        starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=30)
    )
    aid.program.refresh_from_db()
    return aid


def handout_url(aid):
    return f"/staff/aid/{aid.program.pk}/locations/{aid.venue.pk}/handout/"


def signed_in(client, user):
    client.force_login(user)
    return client


def shown(client, aid, **post):
    return client.post(handout_url(aid), {"step": "kk", "kk": KK, **post})


def record(client, aid, response, **changes):
    form = response.context["form"]
    data = {
        "step": "record",
        "household": aid.household.pk,
        "token": str(form.initial["token"]),
        "recipient_name": "Ahmad Yani",
        "children_present": 2,
    }
    data.update(changes)
    return client.post(handout_url(aid), data)


def test_the_list_and_program_page_show_the_unit_s_programs_and_balances(client, running):
    signed_in(client, running.officer)
    response = client.get("/staff/aid/")
    assert response.status_code == 200
    assert f'id="program-{running.program.pk}"' in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    page = client.get(f"/staff/aid/{running.program.pk}/")
    assert page.status_code == 200
    rows = {row["location"].pk: row["balances"] for row in page.context["rows"]}
    assert rows[running.venue.pk] == [50, 30]
    assert page.context["discrepancies"] == 0
    assert f'id="handout-{running.venue.pk}"' in page.content.decode()


@pytest.mark.parametrize("who", ["resident", "officer_timur_desk", "commander_timur", "other"])
def test_others_are_refused_or_do_not_find_the_program(client, running, who):
    from kamtibmas.accounts.models import Role
    from kamtibmas.conftest import make_user

    urls = [
        f"/staff/aid/{running.program.pk}/",
        handout_url(running),
        f"/staff/aid/{running.program.pk}/stock/",
        f"/staff/aid/{running.program.pk}/distribution.xlsx",
        f"/staff/aid/{running.program.pk}/reconciliation.xlsx",
    ]
    if who == "resident":
        user, expected = running.resident, 403
    elif who == "officer_timur_desk":
        user = make_user("spkt.selatan", Role.DESK_OFFICER, running.polsek_selatan)
        expected = 403
    elif who == "commander_timur":
        user, expected = running.commander_timur, 404
    else:
        user, expected = running.officer_timur, 404
    signed_in(client, user)
    for url in urls:
        assert client.get(url).status_code == expected, url
    if expected == 403:
        assert client.get("/staff/aid/").status_code == 403


def test_anonymous_visitors_go_to_the_login_page(client, running):
    response = client.get("/staff/aid/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_household_found_by_kk_is_shown_masked_and_audited(client, running):
    signed_in(client, running.officer)
    before = AuditEntry.objects.count()
    response = shown(client, running)
    assert response.status_code == 200
    body = response.content.decode()
    assert KK not in body and "************0011" in body
    assert "Ahmad Yani" in body and response.context["verdict"].eligible
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.latest("pk")
    assert AuditEntry.objects.count() == before + 1
    assert entry.subject_id == str(running.household.pk) and entry.action == "read"


def test_a_kk_that_is_not_sixteen_digits_or_unknown_is_explained(client, running):
    signed_in(client, running.officer)
    response = client.post(handout_url(running), {"step": "kk", "kk": "12345"})
    assert response.status_code == 400 and response.context["kk_form"].errors["kk"]
    response = client.post(handout_url(running), {"step": "kk", "kk": "3275040101090099"})
    assert response.status_code == 400 and response.context["household"] is None


def test_another_unit_does_not_find_the_household_by_kk(client, running):
    from kamtibmas.aid.services import aid_program_create

    other = aid_program_create(
        actor=running.officer_timur,
        unit=running.polsek_timur,
        name="Sembako Timur",
        starts_on=running.program.starts_on,
        ends_on=running.program.ends_on,
        areas=[running.margahayu],
        items=[{"name": "Paket"}],
        locations=["Pos"],
    )
    signed_in(client, running.officer_timur)
    location = other.locations.get()
    response = client.post(
        f"/staff/aid/{other.pk}/locations/{location.pk}/handout/", {"step": "kk", "kk": KK}
    )
    assert response.status_code == 400 and response.context["household"] is None
    response = client.post(
        f"/staff/aid/{other.pk}/locations/{location.pk}/handout/",
        {"step": "choose", "household": running.household.pk},
    )
    assert response.status_code == 404


def test_the_name_search_finds_by_part_of_the_name_and_audits_what_it_shows(client, running):
    signed_in(client, running.officer)
    before = AuditEntry.objects.count()
    response = client.post(handout_url(running), {"step": "name", "name": "yani"})
    assert response.status_code == 200
    assert [household.pk for household, _place in response.context["matches"]] == [
        running.household.pk
    ]
    assert AuditEntry.objects.count() == before + 1
    nothing = client.post(handout_url(running), {"step": "name", "name": "Budi"})
    assert nothing.context["matches"] == []
    chosen = client.post(
        handout_url(running), {"step": "choose", "household": running.household.pk}
    )
    assert chosen.status_code == 200 and chosen.context["household"] == running.household


def test_the_name_search_refuses_a_set_too_large(client, running, monkeypatch):
    from kamtibmas.web import aid_staff

    monkeypatch.setattr(aid_staff, "NAME_SEARCH_CAP", 0)
    signed_in(client, running.officer)
    response = client.post(handout_url(running), {"step": "name", "name": "yani"})
    assert response.status_code == 400 and response.context["name_form"].errors["area"]


def test_a_hand_out_is_recorded_and_a_double_tap_records_one(client, running):
    signed_in(client, running.officer)
    page = shown(client, running)
    first = record(client, running, page)
    assert first.status_code == 302
    second = record(client, running, page)
    assert second.status_code == 302
    assert Handout.objects.filter(household=running.household).count() == 1
    balances = stock_balances(running.program)
    assert balances[(running.sembako.pk, running.venue.pk)] == 49
    assert balances[(running.snacks.pk, running.venue.pk)] == 28
    followed = client.get(second["Location"])
    texts = [str(message) for message in followed.context["messages"]]
    assert any("sudah dicatat" in text or "already recorded" in text for text in texts)


def test_a_double_tap_in_a_program_of_two_packages_still_records_one(client, running):
    AidProgram.objects.filter(pk=running.program.pk).update(packages_per_household=2)
    signed_in(client, running.officer)
    page = shown(client, running)
    record(client, running, page)
    record(client, running, page)
    assert Handout.objects.filter(household=running.household).count() == 1


def test_a_second_hand_out_is_refused_with_the_reason(client, running):
    signed_in(client, running.officer)
    record(client, running, shown(client, running))
    again = shown(client, running)
    assert not again.context["verdict"].eligible
    entries = StockEntry.objects.count()
    refused = record(client, running, again)
    assert refused.status_code == 400
    assert refused.context["form"].non_field_errors()
    assert Handout.objects.count() == 1 and StockEntry.objects.count() == entries


def test_a_missing_recipient_keeps_the_input_and_records_nothing(client, running):
    signed_in(client, running.officer)
    response = record(client, running, shown(client, running), recipient_name="  ")
    assert response.status_code == 400
    assert response.context["form"].errors["recipient_name"]
    assert response.context["form"]["children_present"].value() == "2"
    assert not Handout.objects.exists()


def test_stock_movements_are_recorded_and_negative_stock_is_refused(client, running):
    signed_in(client, running.officer)
    url = f"/staff/aid/{running.program.pk}/stock/"
    assert client.get(url).status_code == 200
    moved = client.post(
        url,
        {
            "movement": "moved",
            "item": running.sembako.pk,
            "location": running.venue.pk,
            "target": running.post.pk,
            "quantity": 10,
        },
    )
    assert moved.status_code == 302
    entries = StockEntry.objects.count()
    refused = client.post(
        url,
        {
            "movement": "damaged",
            "item": running.sembako.pk,
            "location": running.post.pk,
            "quantity": 11,
            "reason": "basah",
        },
    )
    assert refused.status_code == 400
    assert "10" in refused.context["form"].errors["quantity"][0]
    assert refused.context["form"]["reason"].value() == "basah"
    no_reason = client.post(
        url,
        {
            "movement": "adjusted",
            "item": running.sembako.pk,
            "location": running.post.pk,
            "quantity": -1,
        },
    )
    assert no_reason.status_code == 400 and no_reason.context["form"].errors["reason"]
    assert StockEntry.objects.count() == entries
    received = client.post(
        url,
        {
            "movement": "received",
            "item": running.snacks.pk,
            "location": running.post.pk,
            "quantity": 5,
        },
    )
    assert received.status_code == 302
    balances = stock_balances(running.program)
    assert balances[(running.sembako.pk, running.post.pk)] == 10
    assert balances[(running.snacks.pk, running.post.pk)] == 5


def test_the_workbooks_read_back(client, running):
    signed_in(client, running.officer)
    record(client, running, shown(client, running))
    for name in ("distribution", "reconciliation"):
        response = client.get(f"/staff/aid/{running.program.pk}/{name}.xlsx")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert "no-store" in response["Cache-Control"]
        workbook = load_workbook(BytesIO(response.content))
        cells = [
            cell for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row
        ]
        assert "Ahmad Yani" not in cells and KK not in cells
        if name == "distribution":
            assert "Sembako Ngopi Kamtibmas" in cells
        else:
            assert "Balai RW 024" in cells and 49 in cells


def test_the_staff_home_links_the_aid_pages_for_aid_roles_only(client, running):
    from kamtibmas.accounts.models import Role
    from kamtibmas.conftest import make_user

    signed_in(client, running.officer)
    assert 'id="aid-programs-link"' in client.get("/staff/").content.decode()
    desk = make_user("spkt.selatan", Role.DESK_OFFICER, running.polsek_selatan)
    signed_in(client, desk)
    assert 'id="aid-programs-link"' not in client.get("/staff/").content.decode()


def test_the_recipient_confirms_with_a_photo_or_a_signature(client, running):
    import io

    from PIL import Image

    from kamtibmas.aid.models import HandoutConfirmation
    from kamtibmas.web.tests.test_aid_offline import png_signature

    signed_in(client, running.officer)
    photo = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (1600, 1200), (200, 180, 90)).save(photo, "JPEG", exif=exif)
    photo.seek(0)
    photo.name = "IMG_20250731.jpg"
    response = record(client, running, shown(client, running), photo=photo)
    assert response.status_code == 302
    confirmation = HandoutConfirmation.objects.get()
    assert confirmation.kind == "photo" and (confirmation.width, confirmation.height) == (800, 600)
    import base64

    redrawn = Image.open(io.BytesIO(base64.b64decode(confirmation.image)))
    assert not redrawn.getexif()

    from kamtibmas.aid.services import household_register

    household_register(
        actor=running.officer,
        kk_number="3275040101090022",
        head_name="Budi Santoso",
        area=running.rw024,
        members=2,
    )
    other = client.post(handout_url(running), {"step": "kk", "kk": "3275040101090022"})
    form = other.context["form"]
    response = client.post(
        handout_url(running),
        {
            "step": "record",
            "household": form.initial["household"],
            "token": str(form.initial["token"]),
            "recipient_name": "Budi Santoso",
            "signature": png_signature(),
        },
    )
    assert response.status_code == 302
    assert HandoutConfirmation.objects.filter(kind="signature").count() == 1


def test_a_photo_that_is_not_a_picture_records_nothing(client, running):
    import io

    from kamtibmas.aid.models import Handout

    signed_in(client, running.officer)
    fake = io.BytesIO(b"%PDF-1.4 not a photo")
    fake.name = "photo.jpg"
    response = record(client, running, shown(client, running), photo=fake)
    assert response.status_code == 400
    assert response.context["form"].errors["photo"]
    assert Handout.objects.count() == 0
