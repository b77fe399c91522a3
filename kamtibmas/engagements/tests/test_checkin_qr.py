"""The check-in QR as inline SVG (``engagements.qr``): the modules drawn are exactly the
QR symbol of the URL, dark on white with a quiet zone, and the markup obeys the CSP."""

from __future__ import annotations

import re

import pytest
import segno
from hypothesis import given
from hypothesis import strategies as st

from kamtibmas.engagements.qr import qr_svg

QUIET_ZONE = 4  # modules, as ISO/IEC 18004 asks


def drawn_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules an SVG from ``qr_svg`` draws, read back from its path."""
    match = re.search(r'<path stroke="#000" d="([^"]+)"', svg)
    assert match, "no dark path"
    x = y = 0.0
    dark: set[tuple[int, int]] = set()
    for command, arguments in re.findall(r"([Mmh])([^Mmh]+)", match.group(1)):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", arguments)]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:  # a horizontal run of dark modules on the row whose centre line is y
            length = int(numbers[0])
            dark.update((int(x) + step, int(y - 0.5)) for step in range(length))
            x += length
    return dark


def symbol_modules(data: str) -> set[tuple[int, int]]:
    matrix = segno.make(data, error="m", micro=False).matrix
    return {
        (column + QUIET_ZONE, row + QUIET_ZONE)
        for row, line in enumerate(matrix)
        for column, value in enumerate(line)
        if value
    }


def test_the_svg_draws_the_qr_symbol_of_the_url():
    url = "https://kamtibmas.example/checkin/q1w2e3r4t5y6u7i8o9p0aa/"
    svg = qr_svg(url)
    assert drawn_modules(svg) == symbol_modules(url)


def test_a_check_in_url_makes_a_small_symbol_that_reads_from_afar():
    url = "https://kamtibmas.polri.go.id/checkin/" + "x" * 22 + "/"
    symbol = segno.make(url, error="m", micro=False)
    assert isinstance(symbol.version, int) and symbol.version <= 5
    side = symbol.symbol_size()[0]  # with the quiet zone
    assert f'viewBox="0 0 {side} {side}"' in qr_svg(url)


def test_dark_modules_on_a_white_square_whatever_the_page_colours():
    svg = qr_svg("https://kamtibmas.example/checkin/abc/")
    side = re.search(r'viewBox="0 0 (\d+) \1"', svg)
    assert side
    assert f'<path fill="#fff" d="M0 0h{side.group(1)}v{side.group(1)}h-{side.group(1)}z"/>' in svg
    assert '<path stroke="#000"' in svg


def test_the_markup_is_sized_by_css_and_needs_no_inline_style():
    svg = qr_svg("https://kamtibmas.example/checkin/abc/", title="Kode QR", css_class="qr")
    assert svg.startswith('<svg role="img" viewBox=')
    assert 'class="qr"' in svg
    assert "<title>Kode QR</title>" in svg
    assert "width=" not in svg.split(">", 1)[0], "CSS decides the size"
    assert "style" not in svg
    assert "<?xml" not in svg
    assert "<script" not in svg


@given(title=st.text(max_size=60))
def test_the_title_cannot_break_out_of_the_svg(title):
    svg = qr_svg("https://kamtibmas.example/checkin/abc/", title=title)
    assert svg.count("<title>") == (1 if title else 0)
    assert svg.count("<svg") == 1
    assert svg.endswith("</svg>")
    if title:
        inner = svg.split("<title>", 1)[1].split("</title>", 1)[0]
        assert "<" not in inner


def test_empty_data_is_a_programming_error():
    with pytest.raises(ValueError, match="something to encode"):
        qr_svg("")
