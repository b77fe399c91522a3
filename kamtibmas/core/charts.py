"""Charts drawn on the server as SVG: no third-party assets, nothing to download, and
they print. Presentation attributes only (``fill``, ``stroke``): the Content-Security-
Policy forbids inline ``style``. Every chart has a table behind it on its page; the
SVG carries a title and a description for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 640
HEIGHT = 240
LEFT = 40
RIGHT = 16
TOP = 16
BOTTOM = 36


@dataclass(frozen=True)
class Point:
    label: str
    value: float


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def line_chart_svg(
    points: Sequence[Point],
    *,
    title: str,
    description: str,
    maximum: float = 100.0,
    ticks: Sequence[float] = (0, 25, 50, 75, 100),
    chart_id: str = "chart",
) -> SafeString:
    """A line through ``points`` (left to right) on a 0..``maximum`` scale, each
    point marked and labelled below; scales to its container's width."""
    inner_width = WIDTH - LEFT - RIGHT
    inner_height = HEIGHT - TOP - BOTTOM
    step = inner_width / max(len(points) - 1, 1)

    def x(index: int) -> float:
        return LEFT + index * step if len(points) > 1 else LEFT + inner_width / 2

    def y(value: float) -> float:
        return TOP + inner_height * (1 - min(max(value, 0.0), maximum) / maximum)

    grid = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#ccc" stroke-width="1"/>'
        '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#555">{}</text>',
        (
            (LEFT, WIDTH - RIGHT, f"{y(t):.1f}", f"{y(t):.1f}", LEFT - 6, f"{y(t) + 4:.1f}", t)
            for t in ticks
        ),
    )
    path = " ".join(
        f"{'M' if index == 0 else 'L'}{x(index):.1f},{y(point.value):.1f}"
        for index, point in enumerate(points)
    )
    every = max(1, len(points) // 8)
    marks = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="3.5" fill="#3d2b1f"><title>{}: {}</title></circle>{}',
        (
            (
                f"{x(index):.1f}",
                f"{y(point.value):.1f}",
                point.label,
                _number(point.value),
                format_html(
                    '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#333">{}</text>',
                    f"{x(index):.1f}",
                    HEIGHT - BOTTOM + 18,
                    point.label,
                )
                if index % every == 0 or index == len(points) - 1
                else "",
            )
            for index, point in enumerate(points)
        ),
    )
    line = (
        format_html('<path d="{}" fill="none" stroke="#3d2b1f" stroke-width="2"/>', path)
        if points
        else ""
    )
    return format_html(
        '<svg class="chart" id="{}" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="{}-title {}-desc" preserveAspectRatio="xMidYMid meet">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}{}{}</svg>',
        chart_id,
        WIDTH,
        HEIGHT,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        description,
        grid,
        line,
        marks,
    )


# Narrower than the line chart: bars are read on a phone, where the drawing shrinks to
# about 360 px and its 13-unit text must stay near 11 px.
BAR_WIDTH = 440
BAR_ROW = 28
BAR_LABEL = 190


def bar_chart_svg(
    points: Sequence[Point],
    *,
    title: str,
    description: str,
    chart_id: str = "chart",
) -> SafeString:
    """One horizontal bar per point, top to bottom, labelled on the left and with its
    value at its end; the scale runs from 0 to the largest value. Horizontal, so long
    labels stay readable on a phone; scales to its container's width."""
    height = TOP + BAR_ROW * max(len(points), 1) + 8
    inner_width = BAR_WIDTH - BAR_LABEL - RIGHT - 40
    largest = max((point.value for point in points), default=0.0)

    def length(value: float) -> float:
        return inner_width * max(value, 0.0) / largest if largest > 0 else 0.0

    bars = format_html_join(
        "",
        '<text x="{}" y="{}" font-size="13" text-anchor="end" fill="#333">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="#3d2b1f"><title>{}: {}</title></rect>'
        '<text x="{}" y="{}" font-size="13" fill="#333">{}</text>',
        (
            (
                BAR_LABEL - 8,
                f"{TOP + index * BAR_ROW + 18.5:.1f}",
                point.label,
                BAR_LABEL,
                TOP + index * BAR_ROW + 4,
                f"{length(point.value):.1f}",
                BAR_ROW - 8,
                point.label,
                _number(point.value),
                f"{BAR_LABEL + length(point.value) + 6:.1f}",
                f"{TOP + index * BAR_ROW + 18.5:.1f}",
                _number(point.value),
            )
            for index, point in enumerate(points)
        ),
    )
    return format_html(
        '<svg class="chart chart--bars" id="{}" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="{}-title {}-desc" preserveAspectRatio="xMidYMid meet">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#ccc" stroke-width="1"/>{}</svg>',
        chart_id,
        BAR_WIDTH,
        height,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        description,
        BAR_LABEL,
        BAR_LABEL,
        TOP,
        height - 8,
        bars,
    )
