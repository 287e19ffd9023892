"""Opening untrusted images with Pillow, refusing decompression bombs before any pixel is decoded.

A few hundred bytes of PNG can declare 40,000 x 40,000 pixels (1.6 billion; gigabytes once
decoded). Every image Laurel reads from outside goes through ``open_image``, which refuses more
than ``MAX_PIXELS`` pixels from the header alone. Pillow's own limit is set to the same figure and
its warning made an error, so any other caller is refused too.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from PIL import Image

MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo (8064 x 6048 = 48.8 million) passes
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.simplefilter("error", Image.DecompressionBombWarning)


class TooManyPixels(ValueError):
    """The image declares more than ``MAX_PIXELS`` pixels; the message completes "The image ..."."""

    def __init__(self) -> None:
        super().__init__(
            f"has too many pixels; images may have at most {MAX_PIXELS // 1_000_000} million"
        )


@contextmanager
def open_image(stream: BinaryIO) -> Iterator[Image.Image]:
    """The image Pillow recognises in ``stream`` (not yet decoded); TooManyPixels for a bomb,
    Pillow's own errors (UnidentifiedImageError, OSError, ...) for anything unreadable."""
    try:
        image = Image.open(stream)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooManyPixels() from exc
    with image:
        width, height = image.size
        if width * height > MAX_PIXELS:  # also when the warning filter was changed since
            raise TooManyPixels()
        yield image
