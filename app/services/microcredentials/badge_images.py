"""Default badge artwork (SVG and PNG) for credentials whose achievement has no image."""

from __future__ import annotations

import base64
import io
import re
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

from badges.imaging import open_image

SIZE = 256
GREEN = (31, 95, 63)
CREAM = (244, 241, 228)
EMBEDDED = re.compile(r'<image [^>]*href="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def initials(name: str) -> str:
    """Up to three initials of the achievement's name."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:3]).upper() or "L"


def default_svg(achievement: str, organization: str) -> str:
    """A round badge with the achievement's initials and a title naming it."""
    title = escape(f"{achievement}, issued by {organization}")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256" width="256" height="256" '
        f'role="img" aria-label="{escape(achievement, {chr(34): "&quot;"})}">'
        f"<title>{title}</title>"
        '<circle cx="128" cy="128" r="120" fill="#1f5f3f"/>'
        '<circle cx="128" cy="128" r="104" fill="none" stroke="#f4f1e4" stroke-width="6"/>'
        '<text x="128" y="150" text-anchor="middle" font-family="sans-serif" font-size="64" '
        f'font-weight="700" fill="#f4f1e4">{escape(initials(achievement))}</text>'
        "</svg>"
    )


def default_png(achievement: str) -> bytes:
    """The same badge as a PNG image (for baking)."""
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, SIZE - 8, SIZE - 8), fill=GREEN)
    draw.ellipse((24, 24, SIZE - 24, SIZE - 24), outline=CREAM, width=6)
    font = ImageFont.load_default(size=64)
    draw.text((SIZE / 2, SIZE / 2), initials(achievement), fill=CREAM, font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def to_png(data: bytes, size: int = SIZE) -> bytes:
    """An uploaded raster image (PNG, JPEG, WebP) as a square-fitting PNG of at most ``size``."""
    with open_image(io.BytesIO(data)) as source:
        image = source.convert("RGBA")
    image.thumbnail((size, size))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def credential_svg(achievement: str, organization: str, png: bytes | None = None) -> str:
    """The credential's SVG artwork: the achievement's own image if it has one, else the default.

    An own image is embedded as a PNG ``data:`` URI so the SVG stays a single, portable file.
    """
    if png is None:
        return default_svg(achievement, organization)
    title = escape(f"{achievement}, issued by {organization}")
    encoded = base64.b64encode(png).decode()
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256" width="256" height="256" '
        f'role="img" aria-label="{escape(achievement, {chr(34): "&quot;"})}">'
        f"<title>{title}</title>"
        f'<image width="256" height="256" href="data:image/png;base64,{encoded}"/>'
        "</svg>"
    )


def embedded_png(svg: str) -> bytes | None:
    """The PNG that ``credential_svg`` embedded, or None for the default artwork."""
    match = EMBEDDED.search(svg)
    return base64.b64decode(match.group(1)) if match else None
