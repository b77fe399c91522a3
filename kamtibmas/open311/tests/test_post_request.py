"""POST requests: a service request becomes an aspiration through the one intake,
every field sent is stored or refused, and bad input changes nothing."""

from __future__ import annotations

import io
import json
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from kamtibmas.areas.models import Area, AreaKind, AreaLevel
from kamtibmas.areas.services import area_create
from kamtibmas.aspirations.models import (
    Aspiration,
    AspirationPhoto,
    Privacy,
    Source,
    Status,
    UpdateKind,
)
from kamtibmas.open311.models import Submission
from kamtibmas.open311.tests.conformance import conforms
from kamtibmas.open311.tests.conftest import KAYURINGIN, form

FORMATS = ["json", "xml"]


def jpeg(name: str = "lampu.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def stored() -> tuple[int, int, int, int]:
    """What a refused request must not have changed."""
    return (
        Aspiration.objects.count(),
        Submission.objects.count(),
        Area.objects.count(),
        AspirationPhoto.objects.count(),
    )


def raw_column(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 (names are ours)
        return [str(row[0]) for row in cursor.fetchall()]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_becomes_an_aspiration_and_answers_its_id(o311, api, fmt):
    answer = api.post(
        f"requests.{fmt}",
        form(
            api_key=o311.raw_key,
            lat="-6.24761",
            long="106.99423",
            first_name="Budi",
            last_name="Santoso",
            phone="0812-3456-7890",
            email="budi@example.test",
            **{"attribute[notify_by]": "sms", "attribute[rw]": "24", "attribute[rt]": "1"},
        ),
    )

    assert answer.status_code == 200, answer.content
    (created,) = conforms(answer, "post_response", fmt)
    assert answer["Cache-Control"] == "no-store"
    case = Aspiration.objects.get(number=created["service_request_id"])
    assert case.source == Source.OPEN311 and case.category == "lingkungan"
    assert case.privacy == Privacy.CONFIDENTIAL  # without an answer: known to handlers only
    assert case.area.code == f"{KAYURINGIN}.024.001"
    assert (case.latitude, case.longitude) == (-6.24761, 106.99423)
    assert case.reporter_name == "Budi Santoso" and case.reporter_phone == "+6281234567890"
    assert case.reporter_email == "budi@example.test" and case.notify_by == "sms"
    assert case.text.startswith("Lampu jalan di gang RT 001 mati")
    assert case.language == "en"
    assert created["service_request_id"] in created["service_notice"]
    submission = Submission.objects.get(aspiration=case)
    assert submission.api_key == o311.key and submission.address_id == KAYURINGIN
    assert json.loads(submission.attributes) == {"notify_by": ["sms"], "rw": ["24"], "rt": ["1"]}


def test_every_optional_field_is_stored_and_personal_data_is_encrypted(o311, api):
    answer = api.post(
        "requests.json",
        form(
            api_key=o311.raw_key,
            address_string="Gang Mawar no. 5, dekat musala",
            device_id="DEVICE-SENTINEL-7731",
            account_id="ACCOUNT-SENTINEL-4412",
            first_name="Sentinelia",
            phone="081299998888",
            email="sentinel@example.test",
            media_url="https://photos.example.test/lampu.jpg",
        ),
    )

    assert answer.status_code == 200, answer.content
    assert answer.json()[0]["account_id"] == "ACCOUNT-SENTINEL-4412"
    submission = Submission.objects.get()
    assert submission.device_id == "DEVICE-SENTINEL-7731"
    assert submission.account_id == "ACCOUNT-SENTINEL-4412"
    assert submission.address_string == "Gang Mawar no. 5, dekat musala"
    assert submission.media_url == "https://photos.example.test/lampu.jpg"
    case = submission.aspiration
    # The officers read the address and the link in the case itself.
    assert "Address: Gang Mawar no. 5, dekat musala" in case.text
    assert "Photo or video: https://photos.example.test/lampu.jpg" in case.text
    # A database dump holds none of them in clear text.
    for table, columns in {
        "open311_submission": ["device_id", "account_id", "address_string", "media_url"],
        "aspirations_aspiration": ["reporter_name", "reporter_phone", "reporter_email"],
    }.items():
        for column in columns:
            for value in raw_column(table, column):
                for sentinel in ("SENTINEL", "Sentinelia", "Mawar", "photos.example", "8888"):
                    assert sentinel not in value, (table, column)


def test_attributes_of_lost_documents_are_written_for_the_officers(o311, api):
    answer = api.post(
        "requests.json",
        [
            ("api_key", o311.raw_key),
            ("service_code", "layanan"),
            ("address_id", KAYURINGIN),
            ("description", "Dompet saya hilang, isinya KTP dan SIM."),
            ("attribute[lost_items][]", "ktp"),
            ("attribute[lost_items][]", "sim"),
            ("attribute[lost_at]", "2025-07-30T20:00:00+07:00"),
            ("attribute[lost_place]", "Pasar Kayuringin"),
        ],
    )

    assert answer.status_code == 200, answer.content
    case = Aspiration.objects.get()
    assert case.category == "layanan"
    assert "Lost items: Identity card (KTP), Driving licence (SIM)" in case.text
    assert "Lost on: 2025-07-30T20:00:00+07:00" in case.text
    assert "Lost at: Pasar Kayuringin" in case.text
    assert json.loads(Submission.objects.get().attributes)["lost_items"] == ["ktp", "sim"]


def test_a_multivaluelist_may_also_come_as_one_plain_attribute(o311, api):
    answer = api.post(
        "requests.json",
        form(api_key=o311.raw_key, service_code="layanan", **{"attribute[lost_items]": "npwp"}),
    )

    assert answer.status_code == 200, answer.content
    assert "Tax card (NPWP)" in Aspiration.objects.get().text


@pytest.mark.parametrize("fmt", FORMATS)
def test_photos_upload_as_multipart_media(o311, api, fmt, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    answer = api.post_multipart(
        f"requests.{fmt}", {**form(api_key=o311.raw_key), "media": [jpeg(), jpeg("kedua.jpg")]}
    )

    assert answer.status_code == 200, answer.content
    conforms(answer, "post_response", fmt)
    photos = AspirationPhoto.objects.filter(aspiration=Aspiration.objects.get())
    assert photos.count() == 2
    assert all(not photo.image.name.endswith(("lampu.jpg", "kedua.jpg")) for photo in photos)


def test_a_public_report_keeps_the_reporters_choice(o311, api):
    answer = api.post(
        "requests.json",
        form(api_key=o311.raw_key, first_name="Budi", **{"attribute[privacy]": "public"}),
    )

    assert answer.status_code == 200
    assert Aspiration.objects.get().privacy == Privacy.PUBLIC


def test_an_anonymous_report_creates_no_area_and_keeps_its_rw_in_the_text(o311, api):
    areas = Area.objects.count()

    answer = api.post(
        "requests.json",
        form(
            api_key=o311.raw_key,
            **{"attribute[privacy]": "anonymous", "attribute[rw]": "77", "attribute[rt]": "3"},
        ),
    )

    assert answer.status_code == 200, answer.content
    case = Aspiration.objects.get()
    assert case.is_anonymous and case.area.code == KAYURINGIN
    assert Area.objects.count() == areas  # its creation time would date the report
    assert "RT 003/RW 077" in case.text
    # Only the day is kept: midnight in Bekasi (WIB).
    local = case.received_at.astimezone(ZoneInfo("Asia/Jakarta"))
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    assert (case.reporter_name, case.reporter_phone, case.reporter_email) == (None, None, None)


def test_a_darurat_report_tells_the_client_to_call_110(o311, api):
    answer = api.post(
        "requests.json",
        form(
            api_key=o311.raw_key,
            service_code="kekerasan",
            description="Tolong! Ada orang membawa golok mengancam warga sekarang di gang kami.",
        ),
    )

    assert answer.status_code == 200
    case = Aspiration.objects.get()
    notice = answer.json()[0]["service_notice"]
    assert ("110" in notice) == (case.urgency == "darurat")


def test_the_intake_history_starts_with_received(o311, api):
    api.post("requests.json", form(api_key=o311.raw_key))

    case = Aspiration.objects.get()
    assert case.status == Status.RECEIVED
    assert case.updates.filter(kind=UpdateKind.STATUS, to_status=Status.RECEIVED).exists()


def _uncovered_village() -> Area:
    province = area_create(
        code="31", name="DKI Jakarta", level=AreaLevel.PROVINCE, kind=AreaKind.PROVINSI, parent=None
    )
    city = area_create(
        code="31.71", name="Jakarta Pusat", level=AreaLevel.REGENCY, kind=AreaKind.KOTA,
        parent=province,
    )  # fmt: skip
    district = area_create(
        code="31.71.01", name="Gambir", level=AreaLevel.DISTRICT, kind=AreaKind.KECAMATAN,
        parent=city,
    )  # fmt: skip
    return area_create(
        code="31.71.01.1001", name="Gambir", level=AreaLevel.VILLAGE, kind=AreaKind.KELURAHAN,
        parent=district,
    )  # fmt: skip


ANONYMOUS = {"attribute[privacy]": "anonymous"}
LAYANAN = {"service_code": "layanan"}

BAD_FORMS = [
    pytest.param(
        {"colour": "red", "priority": "high"}, 400, "colour, priority", id="unknown-field"
    ),
    pytest.param({"attribute[colour]": "red"}, 400, "colour", id="unknown-attribute"),
    pytest.param({"attribute[rw": "1"}, 400, "attribute[CODE]", id="malformed-attribute"),
    pytest.param({"service_code": "pothole"}, 404, "pothole", id="unknown-service"),
    pytest.param({"service_code": None}, 400, "service_code", id="no-service"),
    pytest.param({"jurisdiction_id": "sfgov.org"}, 404, "sfgov.org", id="unknown-jurisdiction"),
    pytest.param({"address_id": None}, 400, "address_id", id="no-location"),
    pytest.param(
        {"address_id": None, "lat": "-6.2", "long": "106.9"}, 400, "address_id", id="lat-long-only"
    ),
    pytest.param(
        {"address_id": None, "address_string": "Jl. Mawar"}, 400, "address_id", id="address-only"
    ),
    pytest.param({"lat": "-6.2"}, 400, "both", id="latitude-alone"),
    pytest.param({"lat": "95", "long": "106.9"}, 400, "lat", id="latitude-off-earth"),
    pytest.param({"lat": "nan", "long": "106.9"}, 400, "lat", id="latitude-nan"),
    pytest.param({"address_id": "99.99.99.9999"}, 400, "99.99.99.9999", id="unknown-area"),
    pytest.param({"address_id": "32.75.04"}, 400, "address_id", id="a-kecamatan"),
    pytest.param(
        {"address_id": "32.75.04", "attribute[rw]": "1"}, 400, "attribute[rw]", id="rw-of-kecamatan"
    ),
    pytest.param({"attribute[rt]": "1"}, 400, "attribute[rt]", id="rt-without-rw"),
    pytest.param({"attribute[rw]": "0"}, 400, "1 to 999", id="rw-zero"),
    pytest.param({"attribute[rw]": "dua"}, 400, "1 to 999", id="rw-words"),
    pytest.param(
        {"attribute[privacy][]": ["public", "anonymous"]}, 400, "one value", id="two-privacies"
    ),
    pytest.param({"attribute[privacy]": "secret"}, 400, "secret", id="unknown-privacy"),
    pytest.param({**LAYANAN, "attribute[lost_items][]": "car"}, 400, "car", id="unknown-item"),
    pytest.param(
        {**LAYANAN, "attribute[lost_at]": "2025-07-30 20:00"}, 400, "offset", id="no-offset"
    ),
    pytest.param({"description": "Lampu <b>mati</b>"}, 400, "HTML", id="html"),
    pytest.param({"description": "<script>alert(1)</script>"}, 400, "HTML", id="script"),
    pytest.param({"description": "Lampu &lt;mati"}, 400, "HTML", id="entity"),
    pytest.param({"first_name": "<img src=x>"}, 400, "first_name", id="html-in-a-name"),
    pytest.param({"description": "Lampu\x00mati"}, 400, "NUL", id="nul"),
    pytest.param({"description": "Lampu\x07mati"}, 400, "control", id="control-character"),
    pytest.param({"first_name": "Budi\nSantoso"}, 400, "one line", id="line-break-in-a-name"),
    pytest.param({"description": "x" * 4001}, 400, "4000", id="too-long"),
    pytest.param({"description": ""}, 400, "description", id="empty"),
    pytest.param({"email": "budi@"}, 400, "email", id="bad-email"),
    pytest.param({"phone": "12"}, 400, "phone", id="bad-phone"),
    pytest.param({"attribute[notify_by]": "email"}, 400, "notify_by", id="notify-no-contact"),
    pytest.param({"media_url": "javascript:alert(1)"}, 400, "media_url", id="media-url"),
    pytest.param({**ANONYMOUS, "first_name": "Budi"}, 400, "anonymous", id="anonymous-named"),
    pytest.param({**ANONYMOUS, "device_id": "x1"}, 400, "device", id="anonymous-device"),
    pytest.param({"description": ["satu", "dua"]}, 400, "once", id="repeated-field"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("fields", "status", "words"), BAD_FORMS)
def test_bad_input_is_refused_with_a_clear_error_and_nothing_stored(
    o311, api, fmt, fields, status, words
):
    before = stored()

    answer = api.post(f"requests.{fmt}", form(api_key=o311.raw_key, **fields))

    assert answer.status_code == status, answer.content
    errors = conforms(answer, "errors", fmt)
    assert all(error["code"] == str(status) for error in errors)
    assert any(words in error["description"] for error in errors), errors
    assert stored() == before


def test_an_area_no_police_unit_covers_is_refused(o311, api):
    village = _uncovered_village()
    before = stored()

    answer = api.post("requests.json", form(api_key=o311.raw_key, address_id=village.code))

    assert answer.status_code == 400
    assert "No police unit covers this area" in answer.json()[0]["description"]
    assert stored() == before


def test_every_problem_is_listed_at_once(o311, api):
    answer = api.post(
        "requests.json",
        form(api_key=o311.raw_key, description="<i>x</i>", email="x" * 300, lat="north", long="1"),
    )

    assert answer.status_code == 400
    descriptions = " ".join(error["description"] for error in answer.json())
    assert "HTML" in descriptions and "email" in descriptions and "lat" in descriptions


RAW_BODIES: list[tuple[str, bytes]] = [
    ("pair without =", b"service_code=lingkungan&description"),
    ("empty pair", b"service_code=lingkungan&&description=x"),
    ("broken escape", b"service_code=lingkungan&description=100%25%zz"),
    ("short escape", b"service_code=lingkungan&description=abc%4"),
    ("latin-1 bytes", "description=caf\xe9".encode("latin-1")),
    ("escaped non-utf-8", b"description=%FF%FE"),
    ("escaped nul", b"description=a%00b"),
]


@pytest.mark.parametrize(("name", "body"), RAW_BODIES, ids=[b[0] for b in RAW_BODIES])
def test_broken_form_encodings_are_400(o311, api, name, body):
    before = stored()

    answer = api.post("requests.json", body + b"&" + urlencode({"api_key": o311.raw_key}).encode())

    assert answer.status_code == 400, answer.content
    conforms(answer, "errors", "json")
    assert stored() == before


def test_an_enormous_body_is_refused_before_it_is_read(o311, api):
    body = urlencode(form(api_key=o311.raw_key, description="x" * 70_000))

    answer = api.post("requests.json", body)

    assert answer.status_code == 400
    assert "too large" in answer.json()[0]["description"]
    assert not Aspiration.objects.exists()


def test_an_enormous_multipart_body_is_refused(o311, api):
    answer = api.post(
        "requests.json", b"x", content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )  # fmt: skip

    assert answer.status_code == 400
    assert "too large" in answer.json()[0]["description"]


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "text/plain", "application/x-www-form-urlencoded; charset=iso-8859-1"],
)
def test_other_encodings_are_refused(o311, api, content_type):
    answer = api.post(
        "requests.json", urlencode(form(api_key=o311.raw_key)), content_type=content_type
    )

    assert answer.status_code == 400
    conforms(answer, "errors", "json")
    assert not Aspiration.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (
            b'--xyz\r\nContent-Disposition: form-data; name="description"\r\n\r\nunterminated',
            "multipart/form-data; boundary=xyz",
        ),
        (b"garbage", "multipart/form-data; boundary=xyz"),
        (b"x", "multipart/form-data"),  # no boundary
    ],
)
def test_a_broken_multipart_body_is_400(o311, api, body, content_type):
    answer = api.post(
        "requests.json", body, content_type=content_type, query=f"api_key={o311.raw_key}"
    )

    assert answer.status_code == 400
    conforms(answer, "errors", "json")
    assert not Aspiration.objects.exists()


def test_a_file_that_is_not_a_picture_is_refused(o311, api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("lampu.jpg", b"#!/bin/sh\necho hi\n", content_type="image/jpeg")

    answer = api.post_multipart("requests.json", {**form(api_key=o311.raw_key), "media": fake})

    assert answer.status_code == 400
    assert answer.json()[0]["description"].startswith("media: ")
    assert stored()[0] == 0 and not list(tmp_path.rglob("*.jpg"))


def test_files_under_other_names_are_refused(o311, api):
    answer = api.post_multipart("requests.json", {**form(api_key=o311.raw_key), "photo": jpeg()})

    assert answer.status_code == 400
    assert "photo" in answer.json()[0]["description"]


def test_query_strings_carry_only_the_key_and_jurisdiction(o311, api):
    answer = api.post("requests.json", form(api_key=o311.raw_key), query="description=x")

    assert answer.status_code == 400
    assert "description" in answer.json()[0]["description"]


def test_a_key_in_the_body_and_another_in_the_query_is_refused(o311, api):
    answer = api.post("requests.json", form(api_key=o311.raw_key), query="api_key=o311_other")

    assert answer.status_code == 400
    assert "api_key" in answer.json()[0]["description"]
