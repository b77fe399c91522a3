"""Writes of the Open311 adapter: API keys, and taking in a service request.

A service request becomes an aspiration through ``aspirations.services
.aspiration_submit``, the one intake of every channel; this module only places it
(the area named by ``address_id`` and the RW/RT attributes), checks the key may
post there, and keeps what the aspiration has no column for (``Submission``), in
the same transaction.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Sequence
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kamtibmas.areas.models import Area, AreaLevel, Unit
from kamtibmas.areas.selectors import area_remembered
from kamtibmas.areas.services import area_rt_get_or_create, area_rw_get_or_create
from kamtibmas.aspirations.models import Privacy, Source
from kamtibmas.aspirations.services import Submitted, aspiration_submit, field_error
from kamtibmas.open311.catalogue import answers_text
from kamtibmas.open311.keys import key_digest, key_generate, key_prefix, key_well_formed
from kamtibmas.open311.models import ApiKey, Submission
from kamtibmas.open311.parsing import RequestInput

NAME_MAX_LENGTH = 120


# ---------------------------------------------------------------------------
# Keys


def api_key_create(*, name: str, unit: Unit | None = None) -> tuple[ApiKey, str]:
    """A new key for a partner or application; returns the record and the key,
    which exists only here (its digest is stored)."""
    cleaned = (name or "").strip()
    if not cleaned or len(cleaned) > NAME_MAX_LENGTH:
        raise field_error(
            "name",
            _("Name the key's holder in 1 to %(max)d characters.") % {"max": NAME_MAX_LENGTH},
            code="name",
        )
    raw = key_generate()
    record = ApiKey.objects.create(
        name=cleaned, unit=unit, prefix=key_prefix(raw), digest=key_digest(raw)
    )
    return record, raw


def api_key_deactivate(*, key: ApiKey) -> ApiKey:
    if key.is_active:
        key.is_active = False
        key.save(update_fields=["is_active"])
    return key


def api_key_authenticate(raw: str) -> ApiKey | None:
    """The active key ``raw`` is, or ``None``. Found by its prefix and compared by
    digest in constant time. Nothing is written: a "last used" time would date an
    anonymous report sent with it."""
    if not key_well_formed(raw):
        return None
    digest = key_digest(raw)
    for candidate in ApiKey.objects.select_related("unit").filter(
        prefix=key_prefix(raw), is_active=True
    ):
        if hmac.compare_digest(candidate.digest, digest):
            return candidate
    return None


# ---------------------------------------------------------------------------
# Intake


def _place(report: RequestInput) -> tuple[Area, list[str]]:
    """The area the request names, and lines for the case's text about the RW and RT
    that could not become the area.

    ``address_id`` is a Kemendagri code (a desa/kelurahan, or one of its RW or RT);
    the ``rw`` and ``rt`` attributes go down from there. They are created as needed,
    except for an anonymous report: a new area row's creation time would tell when
    it was sent (SECURITY.md 14), so only a known RW/RT is used and the numbers go
    into the text instead.
    """
    area = area_remembered(code=report.address_id)
    if area is None:
        raise field_error(
            "address_id",
            _("There is no area with the code “%(code)s”.") % {"code": report.address_id},
            code="unknown_area",
        )
    if report.rw is None and report.rt is None:
        return area, []
    create = report.privacy != Privacy.ANONYMOUS
    if report.rw is not None:
        if area.level != AreaLevel.VILLAGE:
            raise field_error(
                "attribute[rw]",
                _("An RW number goes with the code of a desa/kelurahan as address_id."),
                code="rw_needs_village",
            )
        rw = (
            area_rw_get_or_create(village=area, number=report.rw)
            if create
            else _known(f"{area.code}.{report.rw:03d}", AreaLevel.RW)
        )
        if rw is None:
            return area, _neighbourhood_lines(report)
        area = rw
    if report.rt is not None:
        if area.level != AreaLevel.RW:
            raise field_error(
                "attribute[rt]",
                _("Give the RW of this RT as well (attribute rw, or an RW code as address_id)."),
                code="rt_needs_rw",
            )
        rt = (
            area_rt_get_or_create(rw=area, number=report.rt)
            if create
            else _known(f"{area.code}.{report.rt:03d}", AreaLevel.RT)
        )
        if rt is None:
            return area, _neighbourhood_lines(report)
        area = rt
    return area, []


def _known(code: str, level: AreaLevel) -> Area | None:
    """An RW or RT that exists already (their codes end in their three-digit numbers)."""
    area = area_remembered(code=code)
    return area if area is not None and area.level == level else None


def _neighbourhood_lines(report: RequestInput) -> list[str]:
    parts = []
    if report.rt is not None:
        parts.append(f"RT {report.rt:03d}")
    if report.rw is not None:
        parts.append(f"RW {report.rw:03d}")
    return ["/".join(parts)]


def _check_key_may_post(key: ApiKey | None, area: Area) -> None:
    """A key bound to a unit posts only into the areas that unit (or a unit below
    it) covers."""
    if key is None or key.unit_id is None:
        return
    unit = key.unit
    assert unit is not None
    covered = list(Area.objects.filter(covering_units__path__startswith=unit.path).distinct())
    if not Area.objects.within(covered).filter(pk=area.pk).exists():
        raise PermissionDenied(
            _("This API key may only send reports from the areas of %(unit)s.") % {"unit": unit}
        )


def _text(report: RequestInput, extra_lines: list[str]) -> str:
    """The description, then what the officers need of the other fields: the
    address as written, RW/RT that did not become the area, the attributes'
    answers and the client's media link."""
    lines = []
    if report.address_string:
        lines.append(_("Address: %(address)s") % {"address": report.address_string})
    lines += extra_lines
    lines += answers_text(report.service, report.answers)
    if report.media_url:
        lines.append(_("Photo or video: %(url)s") % {"url": report.media_url})
    if not lines:
        return report.description
    return "\n\n".join(part for part in (report.description, "\n".join(lines)) if part)


def open311_request_submit(
    *,
    key: ApiKey | None,
    report: RequestInput,
    photos: Sequence[IO[bytes]] = (),
    language: str,
) -> Submitted:
    """Take in an Open311 service request as an aspiration (source ``open311``),
    with its Open311-only fields kept beside it. Atomic: ``ValidationError`` (the
    input, as the aspiration's intake judges it) or ``PermissionDenied`` (the key
    may not post there) and nothing is stored."""
    if report.privacy == Privacy.ANONYMOUS and (report.device_id or report.account_id):
        raise ValidationError(
            _(
                "An anonymous report cannot carry a device or account id. Leave them out, "
                "or choose confidential to be known to the handling officers only."
            ),
            code="anonymous_with_identity",
        )
    with transaction.atomic():
        area, extra_lines = _place(report)
        _check_key_may_post(key, area)
        submitted = aspiration_submit(
            text=_text(report, extra_lines),
            area=area,
            privacy=report.privacy,
            source=Source.OPEN311,
            reporter_name=report.reporter_name,
            reporter_phone=report.phone,
            reporter_email=report.email,
            notify_by=report.notify_by,
            category=report.service.code,
            latitude=report.latitude,
            longitude=report.longitude,
            photos=photos,
            language=language,
        )
        Submission.objects.create(
            aspiration=submitted.aspiration,
            api_key=key,
            address_id=report.address_id,
            address_string=report.address_string or None,
            device_id=report.device_id or None,
            account_id=report.account_id or None,
            media_url=report.media_url or None,
            attributes=json.dumps(report.answers, ensure_ascii=False) if report.answers else None,
        )
    return submitted
