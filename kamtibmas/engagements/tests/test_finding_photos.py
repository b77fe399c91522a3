"""An inspection finding may carry a photo (the dark alley, the tangled wires):
checked and cleaned like every photo, shown only to staff who see the dialogue."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kamtibmas.engagements.models import FindingResult, InspectionFinding, InspectionItem
from kamtibmas.engagements.photos import inspection_finding_photo_set
from kamtibmas.engagements.services import FindingInput, inspection_record
from kamtibmas.engagements.tests.test_photos import jpeg_with_gps, media  # noqa: F401


@pytest.fixture
def finding(bekasi, ngopi) -> InspectionFinding:
    item = InspectionItem.objects.get(code="instalasi_listrik")
    inspection = inspection_record(
        actor=bekasi.officer_selatan,
        dialogue=ngopi,
        inspected_at=ngopi.actual_end,
        findings=[FindingInput(item, FindingResult.PROBLEM, "Kabel semrawut di gang 2")],
    )
    return inspection.findings.get()


def test_photo_is_cleaned_and_replacing_it_deletes_the_old_file(bekasi, finding, media):  # noqa: F811
    inspection_finding_photo_set(
        actor=bekasi.officer_selatan, finding=finding, upload=io.BytesIO(jpeg_with_gps())
    )
    first = finding.photo.name
    with Image.open(finding.photo.path) as image:
        assert image.format == "JPEG" and not image.getexif()
    inspection_finding_photo_set(
        actor=bekasi.officer_selatan, finding=finding, upload=io.BytesIO(jpeg_with_gps())
    )
    assert finding.photo.name != first
    assert not (media / first).exists()


def test_not_a_photo_is_refused_and_nothing_changes(bekasi, finding, media):  # noqa: F811
    with pytest.raises(ValidationError) as caught:
        inspection_finding_photo_set(
            actor=bekasi.officer_selatan, finding=finding, upload=io.BytesIO(b"%PDF-1.4 x")
        )
    assert caught.value.code == "photo_not_image"
    finding.refresh_from_db()
    assert not finding.photo


def test_staff_upload_and_view_other_units_get_404(client, bekasi, ngopi, finding, media):  # noqa: F811
    url = f"/staff/dialogues/{ngopi.pk}/findings/{finding.pk}/photo"
    client.force_login(bekasi.officer_selatan)
    upload = SimpleUploadedFile("x.jpg", jpeg_with_gps(), content_type="image/jpeg")
    assert client.post(url + "/", {"photo": upload}).status_code == 302
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    page = client.get(f"/staff/dialogues/{ngopi.pk}/").content.decode()
    assert url in page
    client.force_login(bekasi.officer_timur)
    assert client.get(url).status_code == 404
    other = SimpleUploadedFile("x.jpg", jpeg_with_gps(), content_type="image/jpeg")
    assert client.post(url + "/", {"photo": other}).status_code == 404


def test_a_bad_upload_shows_the_reason_on_the_page(client, bekasi, ngopi, finding, media):  # noqa: F811
    client.force_login(bekasi.officer_selatan)
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(
        f"/staff/dialogues/{ngopi.pk}/findings/{finding.pk}/photo/", {"photo": bad}
    )
    assert response.status_code == 400
    assert "bukan foto" in response.content.decode()
