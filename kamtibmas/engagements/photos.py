"""Photos of a dialogue (§4 C1, SECURITY.md 13).

An upload is trusted for nothing: Pillow decides from its content whether it is a
picture at all, the size is bounded before and after decoding, and what is stored
is a fresh JPEG drawn from the pixels alone, turned upright, at most
``MAX_LONG_SIDE`` pixels on its long side, under a generated name. EXIF (GPS
position, camera serial, time), ICC profiles and comments of the original are never
copied, so a photo cannot reveal where a resident lives or whose phone took it.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from kamtibmas.core.scope import visible_to
from kamtibmas.engagements.models import (
    Dialogue,
    DialoguePhoto,
    DialogueStatus,
    InspectionFinding,
)

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
# 25 megapixels: above what phones save by default (12-24 MP), and a decoded RGB
# image of that size stays under 100 MB of memory.
MAX_PIXELS = 25_000_000
MAX_LONG_SIDE = 2048
JPEG_QUALITY = 85
CAPTION_MAX_LENGTH = 200
# What phones and cameras produce (the JPEG reader also opens MPO, multi-picture JPEG);
# anything else is refused even if Pillow could read it.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")


@dataclass(frozen=True)
class NormalisedPhoto:
    data: bytes
    width: int
    height: int


def _not_an_image() -> ValidationError:
    return ValidationError(
        _("This file is not a photo we can read. Send a JPEG, PNG or WebP picture."),
        code="photo_not_image",
    )


def _too_large() -> ValidationError:
    return ValidationError(
        _("This photo is too large: at most %(megabytes)d MB and %(megapixels)d megapixels.")
        % {"megabytes": MAX_UPLOAD_BYTES // (1024 * 1024), "megapixels": MAX_PIXELS // 1_000_000},
        code="photo_too_large",
    )


def photo_normalise(
    source: IO[bytes], *, long_side: int = MAX_LONG_SIDE, quality: int = JPEG_QUALITY
) -> NormalisedPhoto:
    """Decode ``source`` and draw it again as a clean JPEG at most ``long_side``
    pixels long; ``ValidationError`` if it is not an accepted picture or is too large.
    Touches no database or storage."""
    try:
        with warnings.catch_warnings():
            # Pillow warns (and above twice its limit raises) for decompression bombs;
            # our own, lower limit below decides, so the warning is only noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(source, formats=ACCEPTED_FORMATS) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise _too_large()
                image.load()
                upright = ImageOps.exif_transpose(image)
                pixels = _flatten(upright)
    except Image.DecompressionBombError as exc:
        raise _too_large() from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        # Truncated or corrupt data surfaces as OSError/SyntaxError/ValueError from
        # the decoders; to the officer it is all the same: not a readable photo.
        raise _not_an_image() from exc
    pixels.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    pixels.save(buffer, format="JPEG", quality=quality, optimize=True)
    return NormalisedPhoto(data=buffer.getvalue(), width=pixels.width, height=pixels.height)


def _flatten(image: Image.Image) -> Image.Image:
    """The pixels alone, in RGB on white, in a new image that carries no metadata."""
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        clean = Image.new("RGB", rgba.size, (255, 255, 255))
        clean.paste(rgba, mask=rgba.getchannel("A"))
        return clean
    rgb = image.convert("RGB")
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    return clean


def photo_checked(upload: IO[bytes], **drawing: int) -> NormalisedPhoto:
    """The upload, size-checked before it is decoded, normalised (``drawing``: the
    keyword arguments of ``photo_normalise``)."""
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    if size > MAX_UPLOAD_BYTES:
        raise _too_large()
    if size == 0:
        raise _not_an_image()
    upload.seek(0)
    return photo_normalise(upload, **drawing)


def inspection_finding_photo_set(
    *, actor: Any, finding: InspectionFinding, upload: IO[bytes]
) -> InspectionFinding:
    """Attach (or replace) the photo of one inspection finding, e.g. the broken lamp.
    Same checks and cleaning as dialogue photos; the replaced file is deleted."""
    dialogue = finding.inspection.dialogue
    if not visible_to(Dialogue.objects.filter(pk=dialogue.pk), actor).exists():
        raise ValidationError(_("You cannot add photos to this dialogue."), code="dialogue_scope")
    photo = photo_checked(upload)
    old = finding.photo.name if finding.photo else ""
    finding.photo.save("photo.jpg", ContentFile(photo.data), save=False)
    try:
        with transaction.atomic():
            finding.save(update_fields=["photo"])
    except BaseException:
        finding.photo.delete(save=False)
        raise
    if old:
        finding.photo.storage.delete(old)
    return finding


def dialogue_photo_add(
    *, actor: Any, dialogue: Dialogue, upload: IO[bytes], caption: str = ""
) -> DialoguePhoto:
    """Store a photo of a held dialogue. Refuses (``ValidationError``, nothing stored)
    anything that is not a readable picture, more than ``MAX_UPLOAD_BYTES`` or
    ``MAX_PIXELS``, a caption over ``CAPTION_MAX_LENGTH`` characters, a dialogue that
    has not taken place, or one outside the actor's scope."""
    if not visible_to(Dialogue.objects.filter(pk=dialogue.pk), actor).exists():
        raise ValidationError(_("You cannot add photos to this dialogue."), code="dialogue_scope")
    if dialogue.status != DialogueStatus.HELD:
        raise ValidationError(_("Record this once the dialogue has taken place."), code="not_held")
    caption = caption.strip()
    if len(caption) > CAPTION_MAX_LENGTH:
        raise ValidationError(
            _("Keep the caption to %(max)d characters.") % {"max": CAPTION_MAX_LENGTH},
            code="caption_length",
        )
    photo = photo_checked(upload)
    record = DialoguePhoto(dialogue=dialogue, caption=caption, uploaded_by=actor)
    # The name given here is discarded by ``photo_path``, which generates one.
    record.image.save("photo.jpg", ContentFile(photo.data), save=False)
    # Assigning the file resets the dimension fields; the normalised size is known.
    record.width, record.height = photo.width, photo.height
    try:
        with transaction.atomic():
            record.save()
    except BaseException:
        record.image.delete(save=False)
        raise
    return record
