"""The public aid pages (issue 8 point 5): programs of every unit once started, their
counts by kelurahan and RW with small counts suppressed, and no personal data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import translation

from kamtibmas.aid.models import AidProgram
from kamtibmas.aid.services import aid_handout_record, aid_program_create, household_register
from kamtibmas.aid.tests.conftest import KK, aid
from kamtibmas.aid.tests.test_documents import FAR_KK, FAR_NAME, NEIGHBOURS, handed
from kamtibmas.core.timefmt import local_today

pytestmark = pytest.mark.django_db

__all__ = ["aid", "handed"]  # the fixtures, imported for this module

DISTINCT_NAME = "Sukmawati Purbaningrum"
DISTINCT_KK = "3275047777770077"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def english_client(client):
    client.cookies["kamtibmas_language"] = "en"
    return client


def test_the_list_shows_started_programs_of_every_unit_without_signing_in(client, handed):
    today = local_today()
    future = aid_program_create(
        actor=handed.aid.officer_timur, unit=handed.aid.polsek_timur, name="Sembako Tahun Depan",
        starts_on=today + timedelta(days=10), ends_on=today + timedelta(days=40),
        areas=[handed.aid.margahayu], items=[{"name": "Paket"}], locations=["Pos"],
    )  # fmt: skip
    timur = aid_program_create(
        actor=handed.aid.officer_timur, unit=handed.aid.polsek_timur, name="Sembako Margahayu",
        starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=40),
        areas=[handed.aid.margahayu], items=[{"name": "Paket"}], locations=["Pos"],
    )  # fmt: skip
    response = english_client(client).get("/aid/")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="aid-program-{handed.program.pk}"' in body
    assert f'id="aid-program-{timur.pk}"' in body
    assert "Sembako Tahun Depan" not in body
    assert "Bank Daerah" in body
    assert client.get(f"/aid/{future.pk}/").status_code == 404
    assert client.get("/aid/999999/").status_code == 404


def test_the_program_page_shows_the_counts_by_rw(client, handed):
    response = english_client(client).get(f"/aid/{handed.program.pk}/")
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.households == 5
    assert [(line.rw, line.households) for line in summary.lines] == [("RW 024", 5)]
    body = response.content.decode()
    assert 'id="households">5<' in body
    assert "Paket sembako: <strong>5</strong> paket" in body
    assert "Kayuringin Jaya · RW 024</strong>: 5 households" in body
    assert "Bank Daerah" in body and "Polsek Bekasi Selatan" in body
    assert "private" in response["Cache-Control"]


def test_the_public_pages_hold_no_personal_data(client, aid):
    household = household_register(
        actor=aid.officer, kk_number=DISTINCT_KK, head_name=DISTINCT_NAME, area=aid.rw024,
        members=4, children=2, address="Jl. Melati Putih No. 17",
    )  # fmt: skip
    aid_handout_record(
        actor=aid.officer, program=aid.program, household=household, location=aid.venue,
        recipient_name=DISTINCT_NAME, children_present=2,
        at=datetime(2025, 7, 31, 3, 30, tzinfo=UTC),
    )  # fmt: skip
    english_client(client)
    for url in ("/aid/", f"/aid/{aid.program.pk}/"):
        body = client.get(url).content.decode()
        assert "Sembako Ngopi Kamtibmas" in body
        assert DISTINCT_NAME not in body and "Sukmawati" not in body
        assert DISTINCT_KK not in body and DISTINCT_KK[-4:] not in body and KK not in body
        assert "Melati" not in body and "Ahmad Yani" not in body


def test_one_or_two_families_are_shown_as_less_than_three(client, aid):
    aid_handout_record(
        actor=aid.officer, program=aid.program, household=aid.household, location=aid.venue,
        recipient_name="Ahmad Yani", children_present=2,
        at=datetime(2025, 7, 31, 3, 30, tzinfo=UTC),
    )  # fmt: skip
    response = english_client(client).get(f"/aid/{aid.program.pk}/")
    summary = response.context["summary"]
    assert summary.households == "<3"
    assert [item.quantity for item in summary.items] == ["<3", "<3"]
    body = response.content.decode()
    assert 'id="households">&lt;3<' in body
    assert "Paket sembako: <strong>&lt;3</strong> paket" in body
    assert "Snack anak: <strong>&lt;3</strong> bungkus" in body
    assert "RW 024</strong>: &lt;3 households" in body
    assert ">1<" not in body and ">2<" not in body


def test_the_dialogue_program_page_names_no_family_and_no_rt(client, handed):
    body = english_client(client).get(f"/aid/{handed.program.pk}/").content.decode()
    for kk, name in (*NEIGHBOURS, (FAR_KK, FAR_NAME), (KK, "Ahmad Yani")):
        assert kk not in body and name not in body
    assert "RT 001" not in body and "RT 002" not in body
    assert "Penerima" not in body


def test_a_program_starts_showing_on_its_first_day(client, aid):
    today = local_today()
    AidProgram.objects.filter(pk=aid.program.pk).update(
        starts_on=today + timedelta(days=1), ends_on=today + timedelta(days=30)
    )
    assert client.get(f"/aid/{aid.program.pk}/").status_code == 404
    assert "Sembako Ngopi Kamtibmas" not in client.get("/aid/").content.decode()
    AidProgram.objects.filter(pk=aid.program.pk).update(starts_on=date(2025, 7, 1))
    assert client.get(f"/aid/{aid.program.pk}/").status_code == 200


def test_the_portal_home_links_the_aid_pages(client):
    body = client.get("/").content.decode()
    assert 'id="aid-public-link"' in body and 'href="/aid/"' in body
