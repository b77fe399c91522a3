"""The vulnerability index as a map layer (issue 9 point 4): one graduated symbol per
RW (or kelurahan without RWs) of the user's unit, at the area's centroid, sized by
its index over the map's period (the last 90 days when none is chosen).

Staff only. The index counts non-public cases, and a ranking of neighbourhoods as
"rawan" published without the officers' explanation can label the people who live
there; the public map shows the records themselves. Computing it costs the
picture's dozen queries for the user's unit, whatever the data size.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from kamtibmas.areas.models import POLICE_KINDS
from kamtibmas.core.timefmt import local_today
from kamtibmas.maps.layers import (
    Layer,
    LayerContext,
    LayerFeatures,
    Located,
    layer_register,
    point_feature,
)
from kamtibmas.safety.selectors import area_index

DEFAULT_DAYS = 90


def index_build(context: LayerContext) -> LayerFeatures:
    result = LayerFeatures()
    unit = getattr(context.user, "unit", None)
    if context.public or unit is None or unit.kind not in POLICE_KINDS:
        return result
    end = context.filters.end or local_today(unit.area)
    start = context.filters.start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        return result
    picture = area_index(actor=context.user, unit=unit, period_start=start, period_end=end)
    for score in picture.rws or picture.kelurahan:
        chain = [score.area.pk, score.kelurahan.pk]
        found = context.centroids.first(chain)
        if found is None:
            result.omitted += 1
            continue
        top = max(score.index.parts, key=lambda part: part.contribution)
        result.features.append(
            point_feature(
                feature_id=f"index-{score.area.pk}",
                located=Located(found[0], found[1], "area"),
                properties={
                    "title": f"{score.area.name} · {score.kelurahan.name}"
                    if score.is_rw
                    else score.area.name,
                    "index": round(score.index.value, 1),
                    "type": str(_("Index %(value)s of 100"))
                    % {"value": f"{score.index.value:.0f}"},
                    "status_label": str(_("Largest part: %(part)s")) % {"part": top.label},
                },
            )
        )
    return result


INDEX_LAYER = layer_register(
    Layer(code="index", title=_("Vulnerability index"), build=index_build, public=False)
)
