"""A credential in every form a holder can download: JSON-LD, VC-JWT, baked PNG and SVG."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from app.errors import NotFound
from app.models import IssuedCredential
from app.services.microcredentials import badge_images
from badges import bake_png, bake_svg

FORMATS = ("json", "jwt", "png", "svg")


@dataclass(frozen=True)
class Download:
    """Bytes to send, their media type and a file name."""

    content: bytes
    media_type: str
    filename: str


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "credential"


def render(credential: IssuedCredential, fmt: str) -> Download:
    """The credential in ``fmt``: ``json`` (JSON-LD), ``jwt``, or a baked ``png``/``svg``."""
    name = _slug(credential.achievement_name)
    if fmt == "json":
        body = json.dumps(credential.credential_json, indent=2).encode()
        return Download(body, "application/vc+ld+json", f"{name}.json")
    if fmt == "jwt":
        return Download(credential.credential_jwt.encode(), "text/plain", f"{name}.jwt")
    if fmt == "png":
        image = badge_images.embedded_png(credential.image_svg) or badge_images.default_png(
            credential.achievement_name
        )
        return Download(bake_png(image, credential.credential_json), "image/png", f"{name}.png")
    if fmt == "svg":
        baked = bake_svg(credential.image_svg.encode(), credential.credential_json)
        return Download(baked, "image/svg+xml", f"{name}.svg")
    raise NotFound(f"Unknown download format '{fmt}'; choose one of {', '.join(FORMATS)}.")
