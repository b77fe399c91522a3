"""QR codes as inline SVG markup, for the check-in code shown at a dialogue's venue.

Inline SVG needs no image request and no ``style`` attribute, so it passes the strict
Content-Security-Policy and scales to any screen without blurring. Dark modules on a
white square with the standard four-module quiet zone, whatever the page's colours:
phone cameras read it from a screen held up across a room.
"""

from __future__ import annotations

import segno

# Medium error correction (15 %): survives glare on a phone screen and stays small
# enough (version 4 for a check-in URL) to read from a few metres away.
ERROR_CORRECTION = "m"


def qr_svg(data: str, *, title: str = "", css_class: str = "qr") -> str:
    """``data`` as an ``<svg>`` element sized by its ``viewBox`` only (CSS sets the size).

    ``title`` becomes the SVG's accessible name; it is XML-escaped. The result is safe to
    insert into HTML as it is. Raises ``ValueError`` for empty ``data``.
    """
    if not data:
        raise ValueError("A QR code needs something to encode.")
    code = segno.make(data, error=ERROR_CORRECTION, micro=False)
    svg = code.svg_inline(
        omitsize=True,
        svgclass=css_class or None,
        lineclass=None,
        title=title or None,
        dark="#000",
        light="#fff",
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)
