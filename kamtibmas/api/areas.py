"""Areas named in API requests: by id (a number) or Kemendagri code (a string), down
to RW and RT numbers, which are created the first time they are used.

Call inside the transaction of the write that uses the area: when the service then
refuses (say, the area lies outside the caller's units), the new RW/RT rows roll back
with it and the request changes nothing.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kamtibmas.areas.models import Area, AreaLevel
from kamtibmas.areas.selectors import area_remembered
from kamtibmas.areas.services import area_rt_get_or_create, area_rw_get_or_create


def _invalid(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def area_by_reference(reference: int | str, *, field: str = "area") -> Area:
    """The area with this id (a number) or code (a string); 422 when there is none.

    The area registry is public reference data, so saying that a code is unknown
    leaks nothing about any unit's records.
    """
    if isinstance(reference, bool):
        raise _invalid(field, _("Give an area id or code."), "unknown_area")
    if isinstance(reference, int):
        area = area_remembered(pk=reference)
    else:
        area = area_remembered(code=reference.strip())
    if area is None:
        raise _invalid(
            field, _("There is no area “%(area)s”.") % {"area": reference}, "unknown_area"
        )
    return area


def area_with_neighbourhood(*, area: int | str, rw: int | None, rt: int | None) -> Area:
    """The area, or its RW, or the RT of that RW (``rw``/``rt`` are numbers, 1-999)."""
    place = area_by_reference(area)
    if rw is not None:
        if place.level != AreaLevel.VILLAGE:
            raise _invalid(
                "rw", _("An RW number goes with the code of a desa/kelurahan."), "rw_needs_village"
            )
        place = area_rw_get_or_create(village=place, number=rw)
    if rt is not None:
        if place.level != AreaLevel.RW:
            raise _invalid("rt", _("Give the RW of this RT as well."), "rt_needs_rw")
        place = area_rt_get_or_create(rw=place, number=rt)
    return place


def area_by_text(value: str, *, field: str = "area") -> Area:
    """An area named in a query string, where everything is text: its code, or failing
    that its id written in digits (a code such as "32" wins over the id 32)."""
    value = value.strip()
    if value.isascii() and value.isdigit() and not Area.objects.filter(code=value).exists():
        return area_by_reference(int(value), field=field)
    return area_by_reference(value, field=field)
