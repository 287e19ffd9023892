"""QR codes (SVG) pointing to public pages."""

from __future__ import annotations

import io

import segno


def svg(url: str) -> str:
    """An SVG QR code of ``url`` with an accessible title, for embedding in a page."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=4, xmldecl=False, svgns=True, title="QR code linking to this page"
    )
    return buffer.getvalue().decode()
