"""A micro-credential's image: checked uploads, stored and released with its versions, and
the generated default when there is none."""

from __future__ import annotations

from PIL import UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import Invalid
from app.kit.storage import storage_for
from app.kit.storage.sniffing import sniff_type
from app.kit.storage.transactions import delete_after_commit, discard_on_rollback
from app.kit.storage.uploads import Upload
from app.models import MicroCredential
from app.services.microcredentials import badge_images
from app.settings import Settings
from badges.imaging import TooManyPixels, open_image

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


def check_image(settings: Settings, upload: Upload) -> str:
    """The image's real type (PNG, JPEG or WebP, judged by content), or Invalid; its size in
    pixels is checked from the header, before any pixel is decoded."""
    limit_kb = settings.badge_image_max_bytes // 1024
    if not upload.size:
        raise Invalid("The image file is empty.", field="image")
    if upload.size > settings.badge_image_max_bytes:
        raise Invalid(f"The image is larger than {limit_kb} KB.", field="image")
    try:
        content_type = sniff_type(upload.rewound())
    except TooManyPixels as exc:
        raise Invalid(f"The image {exc}.", field="image") from exc
    if content_type is None or content_type not in IMAGE_TYPES.values():
        raise Invalid("The image must be a PNG, JPEG or WebP picture.", field="image")
    _check_pixels(settings, upload)
    return content_type


def _check_pixels(settings: Settings, upload: Upload) -> None:
    """Invalid unless the image is at most ``badge_image_max_pixels`` a side and decodes."""
    biggest = settings.badge_image_max_pixels
    try:
        with open_image(upload.rewound()) as image:
            width, height = image.size
            if width > biggest or height > biggest:
                raise Invalid(
                    f"The image must be at most {biggest} by {biggest} pixels.", field="image"
                )
            image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise Invalid(
            "The image could not be read; save it again and retry.", field="image"
        ) from exc


def store_image(
    db: Session, settings: Settings, definition: MicroCredential, upload: Upload
) -> None:
    """Check the upload and make it the version's image, releasing the one it had."""
    content_type = check_image(settings, upload)
    store = storage_for(settings)
    key = store.save(upload.rewound())
    discard_on_rollback(db, store, key)
    release_image(db, settings, definition)
    definition.image_key = key
    definition.image_content_type = content_type


def release_image(db: Session, settings: Settings, definition: MicroCredential) -> None:
    """Forget the version's image; the file goes once no other version shares it."""
    key = definition.image_key
    if key is None:
        return
    shared = db.scalar(
        select(func.count())
        .select_from(MicroCredential)
        .where(MicroCredential.image_key == key, MicroCredential.id != definition.id)
    )
    if not shared:
        delete_after_commit(db, storage_for(settings), key)
    definition.image_key = None
    definition.image_content_type = None


def image(settings: Settings, definition: MicroCredential) -> tuple[bytes, str]:
    """The definition's image and media type: the upload, or the generated default (SVG)."""
    if definition.image_key:
        try:
            with storage_for(settings).open(definition.image_key) as fh:
                return fh.read(), definition.image_content_type or "image/png"
        except FileNotFoundError:
            pass
    svg = badge_images.default_svg(definition.name, definition.organization.name)
    return svg.encode(), "image/svg+xml"


def image_png(settings: Settings, definition: MicroCredential) -> bytes | None:
    """The uploaded image as a PNG for baked credentials, or None to use the default."""
    if not definition.image_key:
        return None
    data, _ = image(settings, definition)
    try:
        return badge_images.to_png(data)
    except (UnidentifiedImageError, OSError, ValueError):
        return None
