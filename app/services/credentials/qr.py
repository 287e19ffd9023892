"""QR codes (SVG) pointing to public pages."""

from __future__ import annotations

import io

import segno


def svg(url: str) -> str:
    """An SVG QR code of ``url`` with an accessible title, for embedding in a page.

    It has a ``viewBox`` and no fixed size, so CSS scales the whole code (quiet zone included)
    instead of cropping it; dark modules on a white background whatever the page's colours;
    ``role="img"`` so its title is its accessible name.
    """
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer,
        kind="svg",
        scale=1,
        border=4,
        dark="#000",
        light="#fff",
        omitsize=True,
        xmldecl=False,
        svgns=True,
        svgclass="qr-code",
        lineclass=None,
        title="QR code linking to this page",
    )
    return buffer.getvalue().decode().replace("<svg ", '<svg role="img" ', 1)
