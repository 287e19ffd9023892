"""Baking and extracting credentials in PNG and SVG."""

from __future__ import annotations

import io
import json
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from badges import BakingError, bake, bake_png, bake_svg, unbake, unbake_png, unbake_svg

SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
    b'width="10" height="10"><circle r="4"/></svg>'
)


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (200, 30, 30, 255)).save(out, "PNG")
    return out.getvalue()


PNG = png_bytes()
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)
payloads = st.dictionaries(st.text(), json_values, max_size=4) | st.from_regex(
    r"\A[A-Za-z0-9_-]{4,40}\.[A-Za-z0-9_-]{4,60}\.[A-Za-z0-9_-]{4,40}\Z"
)


def _text(payload: dict[str, object] | str) -> str:
    return payload if isinstance(payload, str) else json.dumps(payload)


@settings(max_examples=60, deadline=None)
@given(payloads)
def test_png_round_trip(payload: dict[str, object] | str) -> None:
    baked = bake_png(PNG, payload)
    assert unbake(baked) == _text(payload)
    with Image.open(io.BytesIO(baked)) as img:
        assert img.size == (8, 8)
    assert unbake(bake_png(baked, "a.b.c")) == "a.b.c"  # re-baking replaces


@settings(max_examples=60, deadline=None)
@given(payloads)
def test_svg_round_trip(payload: dict[str, object] | str) -> None:
    baked = bake_svg(SVG, payload)
    assert b'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in baked
    text = unbake(baked)
    assert (json.loads(text) == payload) if isinstance(payload, dict) else text == payload


def test_bake_chooses_format() -> None:
    assert unbake(bake(PNG, {"a": 1})) == '{"a": 1}'
    assert unbake(bake(SVG, "x.y.z")) == "x.y.z"
    with pytest.raises(BakingError, match="not a PNG or SVG"):
        bake(b"GIF89a", {})


def test_png_errors() -> None:
    with pytest.raises(BakingError, match="signature"):
        unbake_png(b"not a png")
    with pytest.raises(BakingError, match="truncated"):
        unbake_png(PNG[:30])
    corrupt = bytearray(bake_png(PNG, {"a": 1}))
    corrupt[-20] ^= 0xFF
    with pytest.raises(BakingError, match=r"CRC|truncated"):
        unbake_png(bytes(corrupt))
    with pytest.raises(BakingError, match="no iTXt"):
        unbake_png(PNG)


def test_baking_a_png_without_image_data_is_a_baking_error() -> None:
    """Found by tests/security/test_fuzz_badges.py: Pillow raised IndexError (a 500 upstream)."""
    ihdr_and_iend = PNG[:33] + PNG[-12:]  # signature, IHDR, IEND: no IDAT chunk
    with pytest.raises(BakingError, match="PNG image is malformed"):
        bake_png(ihdr_and_iend, {"a": 1})


def test_baking_a_png_declaring_billions_of_pixels_is_a_baking_error() -> None:
    """Found by tests/security/test_fuzz_badges.py: Pillow's DecompressionBombError escaped."""
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", 100_000, 100_000, 8, 6, 0, 0, 0)
    huge = PNG[:8] + PNG[8:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + PNG[33:]
    with pytest.raises(BakingError, match="PNG image has too many pixels"):
        bake_png(huge, {"a": 1})


def _with_itxt(keyword: bytes, text: bytes, compressed: bool = False) -> bytes:
    body = keyword + b"\0" + (b"\1\0" if compressed else b"\0\0") + b"\0\0"
    body += zlib.compress(text) if compressed else text
    chunk = (
        struct.pack(">I", len(body))
        + b"iTXt"
        + body
        + struct.pack(">I", zlib.crc32(b"iTXt" + body))
    )
    return PNG[:-12] + chunk + PNG[-12:]


def test_ob2_png_and_compressed_itxt() -> None:
    assert unbake(_with_itxt(b"openbadges", b'{"type": "Assertion"}')) == '{"type": "Assertion"}'
    assert unbake(_with_itxt(b"openbadgecredential", b"a.b.c", compressed=True)) == "a.b.c"


def test_ob2_svg() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        b'<openbadges:assertion verify="h.p.s"/></svg>'
    )
    assert unbake(svg) == "h.p.s"


@pytest.mark.parametrize(
    "svg",
    [
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg">&e;</svg>',
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
        b'<svg xmlns="http://www.w3.org/2000/svg"/>',
    ],
)
def test_svg_dtds_are_refused(svg: bytes) -> None:
    with pytest.raises(BakingError, match="refused"):
        unbake_svg(svg)
    with pytest.raises(BakingError, match="refused"):
        bake_svg(svg, {"a": 1})


def test_svg_errors() -> None:
    with pytest.raises(BakingError, match="well-formed"):
        unbake_svg(b"<svg")
    with pytest.raises(BakingError, match="not an SVG"):
        unbake_svg(b'<html xmlns="http://www.w3.org/1999/xhtml"/>')
    with pytest.raises(BakingError, match="already"):
        bake_svg(bake_svg(SVG, {"a": 1}), {"b": 2})
    with pytest.raises(BakingError, match="expected one"):
        unbake_svg(SVG)


def test_svg_with_existing_prefix_binding() -> None:
    same = (
        b"<svg xmlns='http://www.w3.org/2000/svg' "
        b"xmlns:openbadges = 'https://purl.imsglobal.org/ob/v3p0'><g/></svg>"
    )
    baked = bake_svg(same, "a.b.c")
    assert baked.count(b"xmlns:openbadges") == 1
    assert unbake(baked) == "a.b.c"
    other = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="urn:other"/>'
    with pytest.raises(BakingError, match="another namespace"):
        bake_svg(other.replace(b"/>", b"><g/></svg>"), "a.b.c")
