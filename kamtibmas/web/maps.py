"""The area safety map (C5): ``/map/`` for everyone, ``/staff/map/`` for staff in their
scope, and every layer as GeoJSON (RFC 7946) at ``<map>/<layer>.geojson``.

The layers come from ``kamtibmas.maps.layers`` (their registry decides which exist);
these views only parse the filter, pick the audience and serialise. The public map
shows public records and public fields only; the staff map is scoped by
``visible_to`` and answered ``no-store``. Neither carries personal data (no names,
contacts or words of reports; non-public cases coarsened), so exporting a layer reads
no personal data and writes no audit row.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_safe

from kamtibmas.core.replicas import replica_reads
from kamtibmas.maps.layers import (
    LAYERS,
    Layer,
    LayerContext,
    MapFilter,
    layer_collection,
    layers_offered,
)
from kamtibmas.triage.taxonomy import Category
from kamtibmas.web.decorators import staff_required
from kamtibmas.web.forms_dialogues import DATE_WIDGET

GEOJSON_CONTENT_TYPE = "application/geo+json"
# Public layers change as cases move; a minute of caching spares the database.
PUBLIC_MAX_AGE = 60

# Where a feature's ``ref`` leads: (layer, staff?) → URL name taking the ref.
DETAIL_URLS = {
    ("dialogues", True): "web:dialogue",
    ("dialogues", False): "web:event",
    ("aspirations", True): "web:aspiration",
    ("inspection-problems", True): "web:dialogue",
    ("inspection-problems", False): "web:event",
}
_REF_PLACEHOLDER = 987654321


class MapFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET)
    end = forms.DateField(label=_("Until"), required=False, widget=DATE_WIDGET)
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *Category.choices],
        help_text=_("Applies to aspirations."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            self.add_error("end", gettext("The end date is before the start date."))
        return cleaned

    def map_filter(self) -> MapFilter:
        """The filter of a valid form."""
        data = self.cleaned_data
        return MapFilter(start=data["start"], end=data["end"], category=data["category"] or "")

    def query(self) -> str:
        """The valid filter as a query string ("" without a filter)."""
        data = self.cleaned_data
        values = {name: data[name] for name in ("start", "end", "category") if data.get(name)}
        return urlencode({name: str(value) for name, value in values.items()})


def _form_errors(form: MapFilterForm) -> dict[str, list[str]]:
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


def _link(collection: dict[str, Any], layer: Layer, *, staff: bool) -> None:
    """Give each feature with a ``ref`` the address of its page."""
    name = DETAIL_URLS.get((layer.code, staff))
    if name is None:
        return
    template = reverse(name, args=[_REF_PLACEHOLDER])
    for feature in collection["features"]:
        ref = feature["properties"].get("ref")
        if ref is not None:
            feature["properties"]["url"] = template.replace(str(_REF_PLACEHOLDER), str(ref))


def _page(request: HttpRequest, *, staff: bool) -> HttpResponse:
    form = MapFilterForm(request.GET)
    rows: list[dict[str, Any]] = []
    status = 400
    if form.is_valid():
        status = 200
        context = LayerContext(user=request.user if staff else None, filters=form.map_filter())
        query = form.query()
        url_name = "web:map-staff-layer" if staff else "web:map-layer"
        for layer in layers_offered(public=not staff):
            about = layer_collection(layer, context)["kamtibmas"]
            url = reverse(url_name, args=[layer.code])
            rows.append({**about, "url": f"{url}?{query}" if query else url})
    return render(
        request,
        "web/maps/map.html",
        {
            "form": form,
            "rows": rows,
            "staff": staff,
            "tiles": settings.KAMTIBMAS_MAP_TILES,
            "attribution": settings.KAMTIBMAS_MAP_ATTRIBUTION,
        },
        status=status,
    )


def _geojson(request: HttpRequest, code: str, *, staff: bool) -> HttpResponse:
    layer = LAYERS.get(code)
    if layer is None or not (staff or layer.public):
        raise Http404
    form = MapFilterForm(request.GET)
    if not form.is_valid():
        errors = _form_errors(form)
        message = " ".join(text for messages in errors.values() for text in messages)
        return JsonResponse({"error": message, "errors": errors}, status=400)
    context = LayerContext(user=request.user if staff else None, filters=form.map_filter())
    collection = layer_collection(layer, context)
    _link(collection, layer, staff=staff)
    response = HttpResponse(
        json.dumps(collection, ensure_ascii=False, separators=(",", ":")),
        content_type=GEOJSON_CONTENT_TYPE,
    )
    response["Content-Disposition"] = f'inline; filename="kamtibmas-{layer.code}.geojson"'
    if not staff:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return response


@require_safe
def map_public(request: HttpRequest) -> HttpResponse:
    return _page(request, staff=False)


@require_safe
@gzip_page
def map_public_layer(request: HttpRequest, layer: str) -> HttpResponse:
    """Compressed (§9 P9: a city's cases are megabytes of GeoJSON, a tenth of that
    gzipped). No BREACH exposure: a public layer carries no secret, no CSRF token and
    nothing of the visitor's."""
    return _geojson(request, layer, staff=False)


@staff_required
@never_cache
@require_safe
def map_staff(request: HttpRequest) -> HttpResponse:
    return _page(request, staff=True)


@staff_required
@never_cache
@require_safe
@replica_reads
def map_staff_layer(request: HttpRequest, layer: str) -> HttpResponse:
    return _geojson(request, layer, staff=True)


urlpatterns: list[URLPattern] = [
    path("map/", map_public, name="map"),
    path("map/<slug:layer>.geojson", map_public_layer, name="map-layer"),
    path("staff/map/", map_staff, name="map-staff"),
    path("staff/map/<slug:layer>.geojson", map_staff_layer, name="map-staff-layer"),
]
