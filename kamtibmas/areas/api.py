"""The area registry in the REST API (§6): find the kelurahan, RW or RT a report or a
dialogue is about, by name or Kemendagri code, and walk the tree. The registry is
public reference data: every holder of a token may read it, residents included."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from kamtibmas.api.areas import area_by_text
from kamtibmas.api.auth import StaffToken
from kamtibmas.api.errors import ERROR_RESPONSES
from kamtibmas.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from kamtibmas.api.schemas import AreaOut, StrictQuery
from kamtibmas.areas.models import Area
from kamtibmas.areas.selectors import area_remembered

router = Router(tags=["areas"], auth=StaffToken(residents=True))


class AreaListQuery(StrictQuery):
    q: str | None = Field(
        None,
        min_length=2,
        max_length=80,
        description="The start of a word of the name (any case), or of a code such as `32.75.04`.",
    )
    parent: str | None = Field(
        None,
        min_length=1,
        max_length=24,
        description="Area id or code: only the areas directly inside it. Without `q` "
        "and `parent`: the provinces.",
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(
        None, min_length=1, max_length=24, description="The `next_cursor` of the page before."
    )


class AreaPageOut(Schema):
    items: list[AreaOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class AreaDetailOut(AreaOut):
    parent_id: int | None
    ancestors: list[AreaOut] = Field(description="From the province down to the parent.")


@router.get(
    "",
    response={200: AreaPageOut, **ERROR_RESPONSES},
    operation_id="AreaList",
    url_name="AreaList",
    summary="Areas by name or code, or the areas inside one, in code order",
)
def list_areas(request: HttpRequest, query: Query[AreaListQuery]) -> dict[str, Any]:
    areas = Area.objects.all()
    if query.parent:
        areas = areas.filter(parent=area_by_text(query.parent, field="parent"))
    elif not query.q:
        areas = areas.filter(parent__isnull=True)
    if query.q:
        text = query.q.strip()
        if text[:1].isdigit():
            areas = areas.filter(code__startswith=text)
        else:
            # "bekasi" finds "Kota Bekasi" too: the start of any word of the name.
            areas = areas.filter(Q(name__istartswith=text) | Q(name__icontains=f" {text}"))
    if query.cursor:
        areas = areas.filter(code__gt=query.cursor)
    found = list(areas.order_by("code")[: query.limit + 1])
    more = len(found) > query.limit
    items = found[: query.limit]
    return {"items": items, "next_cursor": items[-1].code if more else None}


@router.get(
    "/{area_id}",
    response={200: AreaDetailOut, **ERROR_RESPONSES},
    operation_id="AreaGet",
    url_name="AreaGet",
    summary="One area with the areas above it",
)
def get_area(request: HttpRequest, area_id: int) -> dict[str, Any]:
    area = area_remembered(pk=area_id)
    if area is None:
        raise Http404
    return {
        **{f: getattr(area, f) for f in ("id", "code", "name", "kind", "level", "timezone")},
        "parent_id": area.parent_id,
        "ancestors": area.ancestors(),
    }
