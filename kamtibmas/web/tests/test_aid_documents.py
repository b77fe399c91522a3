"""The staff distribution report as a PDF (issue 8 point 5): who may download it, the
dialogue it may be asked for, its figures, and the links to it from the program and
dialogue pages."""

from __future__ import annotations

import pytest
from django.utils import translation

from kamtibmas.aid.links import dialogue_aid
from kamtibmas.aid.tests.conftest import aid
from kamtibmas.aid.tests.test_documents import NEIGHBOURS, handed, lines_of, pdf_text
from kamtibmas.engagements.models import DialogueType
from kamtibmas.engagements.services import dialogue_record_past

pytestmark = pytest.mark.django_db

__all__ = ["aid", "handed"]  # the fixtures, imported for this module


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def program_url(handed) -> str:
    return f"/staff/aid/{handed.program.pk}/distribution.pdf"


def dialogue_url(handed, dialogue=None) -> str:
    pk = (dialogue or handed.ngopi).pk
    return f"/staff/aid/{handed.program.pk}/dialogues/{pk}/distribution.pdf"


def test_the_officer_downloads_the_program_report_with_its_counts(client, handed):
    client.force_login(handed.aid.officer)
    response = client.get(program_url(handed), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="aid-distribution-{handed.program.pk}.pdf"'
    )
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    pages = pdf_text(response.content)
    lines = lines_of(pages)
    assert "Kayuringin Jaya RW 024 RT 001 3 3" in lines
    assert "Kayuringin Jaya RW 024 RT 002 1 1" in lines
    text = "\n".join(pages)
    assert all(name not in text for _kk, name in NEIGHBOURS)


def test_the_dialogue_report_counts_the_hand_outs_at_the_dialogue(client, handed):
    client.force_login(handed.aid.officer)
    response = client.get(dialogue_url(handed))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert (
        f"aid-distribution-{handed.program.pk}-dialogue-{handed.ngopi.pk}.pdf"
        in (response["Content-Disposition"])
    )
    text = "\n".join(pdf_text(response.content))
    assert "Ngopi Kamtibmas bersama warga RW 024" in text
    assert "RT 002" not in text


def test_a_dialogue_the_program_is_not_handed_out_at_is_not_found(client, handed):
    other = dialogue_record_past(
        actor=handed.aid.officer,
        type=DialogueType.objects.get(code="jumat_curhat"),
        title="Jumat Curhat Kayuringin",
        area=handed.aid.rw024,
        unit=handed.aid.polsek_selatan,
        venue_name="Masjid",
        start=handed.ngopi.actual_start,
        end=handed.ngopi.actual_end,
    )
    client.force_login(handed.aid.officer)
    assert client.get(dialogue_url(handed, other)).status_code == 404
    assert (
        client.get(f"/staff/aid/{handed.program.pk}/dialogues/999999/distribution.pdf").status_code
        == 404
    )


@pytest.mark.parametrize(
    ("who", "expected"), [("resident", 403), ("officer_timur", 404), ("commander_timur", 404)]
)
def test_residents_are_refused_and_another_unit_finds_nothing(client, handed, who, expected):
    client.force_login(getattr(handed.aid, who))
    for url in (program_url(handed), dialogue_url(handed)):
        assert client.get(url).status_code == expected, url


def test_a_desk_officer_of_the_unit_is_refused(client, handed):
    from kamtibmas.accounts.models import Role
    from kamtibmas.conftest import make_user

    client.force_login(make_user("spkt.selatan", Role.DESK_OFFICER, handed.aid.polsek_selatan))
    assert client.get(program_url(handed)).status_code == 403


def test_visitors_go_to_the_login_page(client, handed):
    for url in (program_url(handed), dialogue_url(handed)):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_program_page_links_both_reports(client, handed):
    client.force_login(handed.aid.officer)
    body = client.get(f"/staff/aid/{handed.program.pk}/").content.decode()
    assert f'href="{program_url(handed)}"' in body and 'id="distribution-pdf"' in body
    assert f'href="{dialogue_url(handed)}"' in body


def test_the_dialogue_page_lists_the_aid_handed_out_there(client, handed):
    client.force_login(handed.aid.officer)
    response = client.get(f"/staff/dialogues/{handed.ngopi.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="linked-aid"' in body
    assert f'href="/staff/aid/{handed.program.pk}/"' in body
    assert f'href="{dialogue_url(handed)}"' in body
    assert "4 KK menerima bantuan di sini" in body


def test_the_aid_section_is_only_for_aid_roles_of_the_unit(handed):
    section = dialogue_aid(dialogue=handed.ngopi, user=handed.aid.officer)
    assert section is not None
    assert [record.title for record in section.records] == [
        "Sembako Dialog RW 024",
        "Sembako Dialog RW 024: distribution report (PDF)",
    ]
    assert dialogue_aid(dialogue=handed.ngopi, user=handed.aid.resident) is None
    assert dialogue_aid(dialogue=handed.ngopi, user=handed.aid.officer_timur) is None


def test_the_dialogue_workbook_counts_only_the_hand_outs_at_the_dialogue(client, handed):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(handed.aid.officer)
    url = f"/staff/aid/{handed.program.pk}/dialogues/{handed.ngopi.pk}/distribution.xlsx"
    response = client.get(url)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    cells = [
        str(value)
        for sheet in load_workbook(BytesIO(response.content)).worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    assert "RT 001" in cells and "RT 002" not in cells
    assert all(name not in cells for _kk, name in NEIGHBOURS)
    client.force_login(handed.aid.officer_timur)
    assert client.get(url).status_code == 404
