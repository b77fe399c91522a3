"""Photos of a dialogue (SECURITY.md 13): checked by content, size-limited, re-encoded
without EXIF (no GPS position), turned upright, stored under a generated name; anything
refused leaves nothing behind, in the database or on disk."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import ExifTags, Image

from kamtibmas.engagements import photos
from kamtibmas.engagements.models import DialoguePhoto
from kamtibmas.engagements.photos import dialogue_photo_add

SENTINEL_MAKE = "SentinelCam-7731"


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def encoded(image: Image.Image, format: str = "JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def jpeg_with_gps(size=(640, 480), orientation: int | None = None) -> bytes:
    """A phone-like JPEG: camera make, GPS position of a house in Bekasi, orientation."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = SENTINEL_MAKE
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (6.0, 14.0, 41.64)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (106.0, 59.0, 14.28)
    return encoded(Image.new("RGB", size, (180, 40, 40)), exif=exif.tobytes())


def upload(data: bytes, name: str = "IMG_20250731_101000.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def add(dialogue, data: bytes, *, name: str = "IMG_20250731_101000.jpg", caption: str = ""):
    return dialogue_photo_add(
        actor=dialogue.host, dialogue=dialogue, upload=upload(data, name), caption=caption
    )


def refused(code: str, dialogue, data: bytes, media: Path, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        add(dialogue, data, **kwargs)
    assert caught.value.code == code
    assert not DialoguePhoto.objects.exists()
    assert stored_files(media) == []
    return caught.value


def test_security_13_the_gps_position_and_every_other_exif_field_are_gone(ngopi, media):
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(ExifTags.IFD.GPSInfo), "the test photo carries GPS"

    photo = add(ngopi, original, caption="Warga RW 024")

    stored = Path(photo.image.path).read_bytes()
    with Image.open(io.BytesIO(stored)) as after:
        assert after.format == "JPEG"
        assert not after.getexif(), "EXIF survived"
        assert not after.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "exif" not in after.info
    assert b"Exif\x00\x00" not in stored
    assert SENTINEL_MAKE.encode() not in stored
    assert photo.caption == "Warga RW 024"
    assert photo.uploaded_by == ngopi.host


def test_it_is_stored_under_a_generated_name(ngopi, media):
    photo = add(ngopi, jpeg_with_gps(), name="rumah-pak-rt-budi.jpg")
    assert re.fullmatch(r"dialogues/[0-9a-f]{32}\.jpg", photo.image.name)
    assert stored_files(media) == [Path(photo.image.path)]


def test_the_orientation_is_applied_to_the_pixels(ngopi, media):
    # Orientation 6: the camera was held upright; the sensor's 300×100 shows as 100×300.
    photo = add(ngopi, jpeg_with_gps(size=(300, 100), orientation=6))
    assert (photo.width, photo.height) == (100, 300)
    with Image.open(photo.image.path) as image:
        assert image.size == (100, 300)


def test_a_large_photo_is_scaled_down_to_2048_pixels_on_its_long_side(ngopi, media):
    photo = add(ngopi, encoded(Image.new("RGB", (4000, 3000), (10, 120, 60)), quality=30))
    assert (photo.width, photo.height) == (2048, 1536)


def test_png_with_transparency_becomes_a_jpeg_on_white(ngopi, media):
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    photo = add(ngopi, encoded(image, "PNG"), name="poster.png")
    with Image.open(photo.image.path) as stored:
        assert stored.format == "JPEG"
        pixel = stored.convert("RGB").getpixel((32, 32))
        assert isinstance(pixel, tuple) and min(pixel) > 240


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("laporan.jpg", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"),
        ("catatan.jpg", b"Ini bukan foto, hanya teks.\n" * 50),
        ("kosong.jpg", b""),
    ],
    ids=["pdf", "text", "empty"],
)
def test_a_file_that_is_not_a_picture_is_refused_and_nothing_is_stored(ngopi, media, name, data):
    with translation.override("en"):
        error = refused("photo_not_image", ngopi, data, media, name=name)
    assert error.messages == [
        "This file is not a photo we can read. Send a JPEG, PNG or WebP picture."
    ]


def test_a_truncated_jpeg_is_refused(ngopi, media):
    whole = encoded(Image.effect_noise((400, 400), 64).convert("RGB"))
    refused("photo_not_image", ngopi, whole[: len(whole) // 2], media)


def test_a_picture_in_a_format_phones_do_not_send_is_refused(ngopi, media):
    refused("photo_not_image", ngopi, encoded(Image.new("RGB", (8, 8)), "ICO"), media)


def test_an_upload_over_8_mb_is_refused_before_it_is_read(ngopi, media):
    data = jpeg_with_gps() + b"\0" * photos.MAX_UPLOAD_BYTES
    with translation.override("en"):
        error = refused("photo_too_large", ngopi, data, media)
    assert error.messages == ["This photo is too large: at most 8 MB and 25 megapixels."]


def test_a_picture_over_25_megapixels_is_refused_without_decoding_it(ngopi, media):
    # 8000 × 5001 one-bit pixels: a few kilobytes of PNG, 40,008,000 pixels (> 25 MP).
    refused("photo_too_large", ngopi, encoded(Image.new("1", (8000, 5001)), "PNG"), media)


def test_a_photo_waits_until_the_dialogue_has_taken_place(planned, media):
    refused("not_held", planned, jpeg_with_gps(), media)


def test_an_officer_of_another_unit_cannot_add_a_photo(ngopi, bekasi, media):
    with pytest.raises(ValidationError) as caught:
        dialogue_photo_add(
            actor=bekasi.officer_timur, dialogue=ngopi, upload=upload(jpeg_with_gps()), caption=""
        )
    assert caught.value.code == "dialogue_scope"
    assert stored_files(media) == []


def test_a_caption_over_200_characters_is_refused(ngopi, media):
    refused("caption_length", ngopi, jpeg_with_gps(), media, caption="x" * 201)


def test_normalising_touches_neither_database_nor_disk(media):
    result = photos.photo_normalise(io.BytesIO(jpeg_with_gps(size=(50, 40))))
    assert (result.width, result.height) == (50, 40)
    assert result.data.startswith(b"\xff\xd8")
    assert stored_files(media) == []
