"""The layers of the area safety map (C5) as GeoJSON FeatureCollections (RFC 7946).

Every layer is a function of an audience (a staff user, or the public), a filter
(period and category) and the area centroids; it returns point features in WGS84
with ``[longitude, latitude]`` coordinates and no ``crs`` member. Layers live in a
registry (``LAYERS``, ``layer_register``) so that another app can add one, such as
the vulnerability index as graduated symbols, without touching this module.

Where a record is drawn:

* a dialogue or a public aspiration with coordinates: there;
* a police post: its coordinates (posts without them are left out and counted);
* a confidential or anonymous aspiration: never where it is. Staff see it at the
  centroid of its RW (or, when that is unknown, of its kelurahan), the public at the
  centroid of its kelurahan, the deepest area the public may see of it
  (``public_depth``). When no centroid is known it falls back to the case's
  neighbourhood grid cell (``public_coordinates``, as Open311 shows it); without
  coordinates either it is left out and counted;
* anything else without coordinates: the centroid of its own area, or of the
  nearest enclosing area that has one; otherwise left out and counted.

Areas carry no coordinates (the Kemendagri registry has none), so a centroid is the
mean of what is publicly known to lie inside the area: police posts, announced
dialogues and public aspirations with coordinates. Non-public points never feed a
centroid: a kelurahan whose only known point were an anonymous report would
otherwise put that report back where it came from.

Queries are bounded whatever the data size: four for the centroids and one per
layer (plus the scope, computed once per user). Each layer holds at most
``MAX_FEATURES`` features, the newest first; the collection says when it was cut.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import Count, Sum
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kamtibmas.areas.models import POLICE_KINDS, Area, AreaLevel, Unit, area_label
from kamtibmas.aspirations.models import Aspiration, Privacy, Status
from kamtibmas.aspirations.selectors import public_coordinates, public_depth
from kamtibmas.core.scope import visible_to
from kamtibmas.core.timefmt import resolve_zone
from kamtibmas.engagements.models import (
    Dialogue,
    DialogueStatus,
    FindingResult,
    InspectionFinding,
)
from kamtibmas.triage.taxonomy import Category

MAX_FEATURES = 5000
# Cases that are not real reports (spam, merged duplicates) stay off the map.
HIDDEN_STATUSES = (Status.REJECTED, Status.DUPLICATE)
# Digits kept of a coordinate: about 11 cm, as RFC 7946 section 11.2 suggests.
COORDINATE_DECIMALS = 6
EARLIEST = date(1900, 1, 1)
LATEST = date(9000, 12, 31)


@dataclass(frozen=True)
class MapFilter:
    """What the map shows: records of ``start``..``end`` (calendar days, inclusive,
    either open) and aspirations of ``category`` (all when empty)."""

    start: date | None = None
    end: date | None = None
    category: str = ""

    def __post_init__(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValueError("The end date is before the start date.")
        if self.category and self.category not in Category.values:
            raise ValueError(f"Unknown category {self.category!r}.")


@dataclass(frozen=True)
class Located:
    """Where a feature is drawn, and how it got there: ``exact``, ``area`` (a
    centroid) or ``grid`` (a neighbourhood grid cell)."""

    latitude: float
    longitude: float
    how: str


@dataclass
class LayerFeatures:
    features: list[dict[str, Any]] = field(default_factory=list)
    omitted: int = 0  # records with no place to draw them
    truncated: bool = False  # more than MAX_FEATURES matched


@dataclass(frozen=True)
class AreaRow:
    """An area as read with its record: its own id and level and its ancestors."""

    pk: int
    level: int
    rw: int | None
    village: int | None
    district: int | None
    regency: int | None

    def chain(
        self, *, deepest: int = AreaLevel.RT, shallowest: int = AreaLevel.REGENCY
    ) -> list[int]:
        """Ids of the area and its ancestors, most specific first, between the two
        levels (``deepest`` is the most specific allowed)."""
        levels = [
            (self.level, self.pk),
            (AreaLevel.RW, self.rw),
            (AreaLevel.VILLAGE, self.village),
            (AreaLevel.DISTRICT, self.district),
            (AreaLevel.REGENCY, self.regency),
        ]
        return [
            pk
            for level, pk in levels
            if pk is not None and shallowest <= level <= deepest and level <= self.level
        ]


def _area_columns(prefix: str) -> list[str]:
    return [f"{prefix}{name}" for name in ("", "__level", "__rw", "__village", "__district")] + [
        f"{prefix}__regency"
    ]


def _area_row(values: Sequence[Any]) -> AreaRow:
    pk, level, rw, village, district, regency = values
    return AreaRow(pk, level, rw, village, district, regency)


class Centroids:
    """The mean position of what is publicly known inside each area (module doc)."""

    def __init__(self, points: dict[int, tuple[float, float]]) -> None:
        self.points = points

    def first(self, area_ids: Iterable[int]) -> tuple[float, float] | None:
        for pk in area_ids:
            if pk in self.points:
                return self.points[pk]
        return None


def area_centroids() -> Centroids:
    """Centroids of every area with a publicly known point inside it. Four queries:
    the sums per directly attached area of posts, announced dialogues and public
    cases, and those areas' ancestors; the sums are rolled up in Python."""
    sources: list[models.QuerySet[Any]] = [
        Unit.objects.filter(
            kind__in=POLICE_KINDS,
            area__isnull=False,
            latitude__isnull=False,
            longitude__isnull=False,
        ),
        Dialogue.objects.filter(
            is_public=True, latitude__isnull=False, longitude__isnull=False
        ).exclude(status=DialogueStatus.CANCELLED),
        Aspiration.objects.filter(
            privacy=Privacy.PUBLIC, latitude__isnull=False, longitude__isnull=False
        ).exclude(status__in=HIDDEN_STATUSES),
    ]
    direct: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for source in sources:
        rows = (
            source.order_by()
            .values("area")
            .annotate(lat=Sum("latitude"), lon=Sum("longitude"), n=Count("pk"))
            .values_list("area", "lat", "lon", "n")
        )
        for area_id, lat, lon, n in rows:
            total = direct[area_id]
            total[0] += lat
            total[1] += lon
            total[2] += n
    rolled: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    if direct:
        areas = Area.objects.filter(pk__in=list(direct)).values_list(
            "pk", "level", "rw", "village", "district", "regency"
        )
        for values in areas:
            row = _area_row(values)
            lat, lon, n = direct[row.pk]
            for pk in row.chain():
                total = rolled[pk]
                total[0] += lat
                total[1] += lon
                total[2] += n
    return Centroids({pk: (lat / n, lon / n) for pk, (lat, lon, n) in rolled.items() if n})


@dataclass
class LayerContext:
    """One request for layers: who asks (``user`` None: the public), what they filter,
    and the centroids, computed once for all the layers of the request."""

    user: Any | None
    filters: MapFilter = field(default_factory=MapFilter)

    @property
    def public(self) -> bool:
        return self.user is None

    @cached_property
    def centroids(self) -> Centroids:
        return area_centroids()

    @cached_property
    def zone(self) -> ZoneInfo:
        """The zone in which the period's days are counted: the user's unit's, WIB for
        the public."""
        unit = getattr(self.user, "unit", None)
        return ZoneInfo(resolve_zone(unit.area if unit is not None and unit.area else None).value)

    def scoped(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        """Staff see what ``visible_to`` lets them; the public query is narrowed by
        each layer to public records."""
        return queryset if self.public else visible_to(queryset, self.user)

    def period(self, queryset: models.QuerySet[Any], path: str) -> models.QuerySet[Any]:
        start, end = self.filters.start, self.filters.end
        # Days at the ends of the calendar (0001-01-01, 9999-12-31) mean "open": their
        # instants would not survive the conversion to UTC.
        if start is not None and start < EARLIEST:
            start = None
        if end is not None and end > LATEST:
            end = None
        if start is not None:
            queryset = queryset.filter(
                **{f"{path}__gte": datetime.combine(start, time.min, tzinfo=self.zone)}
            )
        if end is not None:
            queryset = queryset.filter(
                **{
                    f"{path}__lt": datetime.combine(
                        end + timedelta(days=1), time.min, tzinfo=self.zone
                    )
                }
            )
        return queryset

    def local_date(self, value: datetime | None, zone: str) -> str | None:
        if value is None:
            return None
        return value.astimezone(ZoneInfo(resolve_zone(zone).value)).date().isoformat()

    def place(
        self, latitude: float | None, longitude: float | None, area: AreaRow | None
    ) -> Located | None:
        """Its own coordinates, else the nearest known centroid of its area."""
        if latitude is not None and longitude is not None:
            return Located(latitude, longitude, "exact")
        if area is not None and (found := self.centroids.first(area.chain())):
            return Located(found[0], found[1], "area")
        return None


LayerBuild = Callable[[LayerContext], LayerFeatures]


@dataclass(frozen=True)
class Layer:
    """A map layer. ``public``: offered on the public map too (its ``build`` then
    keeps to public records and public fields when ``context.public``)."""

    code: str
    title: str | Promise
    build: LayerBuild
    public: bool = True


LAYERS: dict[str, Layer] = {}


def layer_register(layer: Layer) -> Layer:
    """Add (or replace) a layer; the maps offer it from then on."""
    LAYERS[layer.code] = layer
    return layer


def layers_offered(*, public: bool) -> list[Layer]:
    return [layer for layer in LAYERS.values() if layer.public or not public]


def point_feature(
    *, feature_id: str, located: Located, properties: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": feature_id,
        "geometry": {
            "type": "Point",
            "coordinates": [
                round(located.longitude, COORDINATE_DECIMALS),
                round(located.latitude, COORDINATE_DECIMALS),
            ],
        },
        "properties": {**properties, "located": located.how},
    }


def layer_collection(layer: Layer, context: LayerContext) -> dict[str, Any]:
    """The layer as a FeatureCollection. What the map needs beyond the features goes
    into the foreign member ``kamtibmas`` (RFC 7946 section 6.1): a FeatureCollection
    must not have ``properties``."""
    built = layer.build(context)
    return {
        "type": "FeatureCollection",
        "features": built.features,
        "kamtibmas": {
            "layer": layer.code,
            "title": str(layer.title),
            "count": len(built.features),
            "omitted": built.omitted,
            "truncated": built.truncated,
            "max_features": MAX_FEATURES,
        },
    }


def _cut(rows: list[Any], result: LayerFeatures) -> list[Any]:
    if len(rows) > MAX_FEATURES:
        result.truncated = True
        return rows[:MAX_FEATURES]
    return rows


def _label(level: int, kind: str, name: str) -> str:
    return area_label(level=level, kind=kind, name=name)


# The layers ---------------------------------------------------------------------


def dialogues_build(context: LayerContext) -> LayerFeatures:
    """Dialogues planned or held (not cancelled) in the period, by planned start."""
    queryset = context.scoped(Dialogue.objects.all())
    if context.public:
        queryset = queryset.filter(is_public=True)
    queryset = context.period(queryset.exclude(status=DialogueStatus.CANCELLED), "planned_start")
    english = translation.get_language() == "en"
    rows = list(
        queryset.order_by("-planned_start", "-pk").values_list(
            "pk",
            "title",
            "type__name_en" if english else "type__name_id",
            "status",
            "planned_start",
            "venue_name",
            "latitude",
            "longitude",
            "area__timezone",
            "area__name",
            "area__kind",
            *_area_columns("area"),
        )[: MAX_FEATURES + 1]
    )
    result = LayerFeatures()
    statuses = dict(DialogueStatus.choices)
    for row in _cut(rows, result):
        pk, title, type_name, status, start, venue, lat, lon, zone, name, kind, *area = row
        area_row = _area_row(area)
        located = context.place(lat, lon, area_row)
        if located is None:
            result.omitted += 1
            continue
        result.features.append(
            point_feature(
                feature_id=f"dialogue-{pk}",
                located=located,
                properties={
                    "ref": pk,
                    "title": title,
                    "type": type_name,
                    "status": status,
                    "status_label": str(statuses.get(status, status)),
                    "date": context.local_date(start, zone),
                    "venue": venue,
                    "area": _label(area_row.level, kind, name),
                },
            )
        )
    return result


def aspirations_build(context: LayerContext) -> LayerFeatures:
    """Aspirations received in the period, of the category asked for. Never the
    reporter, never the words; non-public cases coarsened (module doc)."""
    queryset = context.scoped(Aspiration.objects.all()).exclude(status__in=HIDDEN_STATUSES)
    if context.filters.category:
        queryset = queryset.filter(category=context.filters.category)
    queryset = context.period(queryset, "received_at")
    rows = list(
        queryset.order_by("-received_at", "-pk").values_list(
            "pk",
            "number",
            "category",
            "urgency",
            "status",
            "privacy",
            "latitude",
            "longitude",
            "received_at",
            "area__timezone",
            "area__name",
            "area__kind",
            "area__village__name",
            "area__village__kind",
            *_area_columns("area"),
        )[: MAX_FEATURES + 1]
    )
    result = LayerFeatures()
    categories = dict(Category.choices)
    statuses = dict(Status.choices)
    for row in _cut(rows, result):
        (pk, number, category, urgency, status, privacy, lat, lon, received, zone) = row[:10]
        name, kind, village_name, village_kind = row[10:14]
        area_row = _area_row(row[14:])
        located = _aspiration_place(context, privacy, lat, lon, area_row)
        if located is None:
            result.omitted += 1
            continue
        if context.public and public_depth(privacy=privacy, level=area_row.level) < area_row.level:
            place = _label(AreaLevel.VILLAGE, village_kind, village_name) if village_name else ""
        else:
            place = _label(area_row.level, kind, name)
        properties: dict[str, Any] = {
            "number": number,
            "category": category,
            "category_label": str(categories.get(category, category)),
            "status": status,
            "status_label": str(statuses.get(status, status)),
            "date": context.local_date(received, zone),
            "area": place,
        }
        if not context.public:
            properties.update(ref=pk, urgency=urgency, privacy=privacy)
        result.features.append(
            point_feature(feature_id=f"aspiration-{number}", located=located, properties=properties)
        )
    return result


def _aspiration_place(
    context: LayerContext,
    privacy: str,
    latitude: float | None,
    longitude: float | None,
    area: AreaRow,
) -> Located | None:
    if privacy == Privacy.PUBLIC:
        return context.place(latitude, longitude, area)
    deepest = AreaLevel.VILLAGE if context.public else AreaLevel.RW
    found = context.centroids.first(area.chain(deepest=deepest, shallowest=AreaLevel.VILLAGE))
    if found is not None:
        return Located(found[0], found[1], "area")
    cell = public_coordinates(privacy=privacy, latitude=latitude, longitude=longitude)
    if cell is not None:
        return Located(cell[0], cell[1], "grid")
    return None


def posts_build(context: LayerContext) -> LayerFeatures:
    """Police offices and posts with their public contact details. Not filtered by
    period or category: a post is there whenever one looks."""
    queryset = context.scoped(Unit.objects.all()).filter(kind__in=POLICE_KINDS)
    rows = list(
        queryset.order_by("path", "pk").values_list(
            "pk", "name", "kind", "address", "phone", "opening_hours", "latitude", "longitude"
        )[: MAX_FEATURES + 1]
    )
    result = LayerFeatures()
    kinds = dict(Unit._meta.get_field("kind").choices or [])
    for pk, name, kind, address, phone, hours, lat, lon in _cut(rows, result):
        located = context.place(lat, lon, None)
        if located is None:
            result.omitted += 1
            continue
        result.features.append(
            point_feature(
                feature_id=f"unit-{pk}",
                located=located,
                properties={
                    "name": name,
                    "kind": kind,
                    "kind_label": str(kinds.get(kind, kind)),
                    "address": address,
                    "phone": phone,
                    "opening_hours": hours,
                },
            )
        )
    return result


def inspection_problems_build(context: LayerContext) -> LayerFeatures:
    """Checklist items found wanting in post-dialogue inspections of the period, where
    the dialogue took place. The inspector's note is left out: it may name people."""
    queryset = context.scoped(InspectionFinding.objects.all()).filter(result=FindingResult.PROBLEM)
    if context.public:
        queryset = queryset.filter(inspection__dialogue__is_public=True)
    queryset = context.period(queryset, "inspection__inspected_at")
    english = translation.get_language() == "en"
    prefix = "inspection__dialogue__"
    rows = list(
        queryset.order_by("-inspection__inspected_at", "-pk").values_list(
            "pk",
            "item__code",
            "item__name_en" if english else "item__name_id",
            "inspection__inspected_at",
            f"{prefix}id",
            f"{prefix}title",
            f"{prefix}latitude",
            f"{prefix}longitude",
            f"{prefix}area__timezone",
            f"{prefix}area__name",
            f"{prefix}area__kind",
            *_area_columns(f"{prefix}area"),
        )[: MAX_FEATURES + 1]
    )
    result = LayerFeatures()
    for row in _cut(rows, result):
        pk, code, item, inspected, dialogue_pk, title, lat, lon, zone, name, kind, *area = row
        area_row = _area_row(area)
        located = context.place(lat, lon, area_row)
        if located is None:
            result.omitted += 1
            continue
        result.features.append(
            point_feature(
                feature_id=f"finding-{pk}",
                located=located,
                properties={
                    "ref": dialogue_pk,
                    "item": code,
                    "item_label": item,
                    "dialogue": title,
                    "date": context.local_date(inspected, zone),
                    "area": _label(area_row.level, kind, name),
                },
            )
        )
    return result


DIALOGUES = layer_register(Layer("dialogues", _("Dialogues"), dialogues_build))
ASPIRATIONS = layer_register(Layer("aspirations", _("Aspirations"), aspirations_build))
POSTS = layer_register(Layer("posts", _("Police posts"), posts_build))
INSPECTION_PROBLEMS = layer_register(
    Layer("inspection-problems", _("Inspection problems"), inspection_problems_build)
)
