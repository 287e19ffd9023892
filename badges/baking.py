"""Baking: embed a credential (JSON or JWS) in a PNG or SVG image, and extract it."""

from __future__ import annotations

import contextlib
import io
import json
import re
import struct
import xml.parsers.expat
import zlib
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from PIL import UnidentifiedImageError

from badges.errors import BakingError
from badges.imaging import TooManyPixels, open_image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
PNG_KEYWORD_OB2 = b"openbadges"
OB3_NS = "https://purl.imsglobal.org/ob/v3p0"
OB2_NS = "http://openbadges.org"
SVG_TAG = f"{{{OB3_NS}}}credential"
SVG_TAG_OB2 = f"{{{OB2_NS}}}assertion"
MAX_TEXT = 4 * 1024 * 1024
_PREFIX = re.compile(rb"""xmlns:openbadges\s*=\s*(["'])(.*?)\1""", re.S)


def _payload_text(credential: dict[str, Any] | str) -> str:
    return credential if isinstance(credential, str) else json.dumps(credential)


# ---------------------------------------------------------------- PNG


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Split a PNG into (type, body) chunks, checking signature, lengths and CRCs."""
    if not data.startswith(PNG_SIGNATURE):
        raise BakingError("not a PNG file (bad signature)")
    chunks, pos = [], len(PNG_SIGNATURE)
    while pos < len(data):
        if pos + 12 > len(data):
            raise BakingError("truncated PNG chunk")
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if len(body) != length or pos + 12 + length > len(data):
            raise BakingError(f"truncated PNG chunk {ctype!r}")
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        if zlib.crc32(ctype + body) != crc:
            raise BakingError(f"PNG chunk {ctype!r} has a bad CRC")
        chunks.append((ctype, body))
        pos += 12 + length
        if ctype == b"IEND":
            break
    if not chunks or chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        raise BakingError("PNG must start with IHDR and end with IEND")
    return chunks


def _chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def _itxt_keyword(body: bytes) -> bytes:
    return body.split(b"\x00", 1)[0]


def bake_png(image: bytes, credential: dict[str, Any] | str) -> bytes:
    """Return ``image`` with one uncompressed ``iTXt`` chunk ``openbadgecredential``."""
    chunks = png_chunks(image)
    _check_decodes(image)
    kept = [c for c in chunks if not (c[0] == b"iTXt" and _itxt_keyword(c[1]) == PNG_KEYWORD)]
    text = _payload_text(credential).encode("utf-8")
    itxt = PNG_KEYWORD + b"\x00\x00\x00" + b"\x00" + b"\x00" + text
    out = [PNG_SIGNATURE] + [_chunk(t, b) for t, b in kept[:-1]]
    out += [_chunk(b"iTXt", itxt), _chunk(b"IEND", b"")]
    return b"".join(out)


def _check_decodes(image: bytes) -> None:
    try:
        with open_image(io.BytesIO(image)) as img:
            img.verify()
    except TooManyPixels as exc:
        raise BakingError(f"PNG image {exc}") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, IndexError) as exc:
        # Pillow's verify() raises IndexError for a PNG without image data (no IDAT chunk)
        raise BakingError(f"PNG image is malformed: {exc}") from exc


def _itxt_text(body: bytes) -> str:
    try:
        _keyword, rest = body.split(b"\x00", 1)
        compressed, _method, rest = rest[0], rest[1], rest[2:]
        _lang, rest = rest.split(b"\x00", 1)
        _translated, text = rest.split(b"\x00", 1)
        if compressed:
            inflater = zlib.decompressobj()
            text = inflater.decompress(text, MAX_TEXT)
            if inflater.unconsumed_tail:
                raise BakingError("baked credential is too large")
        return text.decode("utf-8")
    except (ValueError, IndexError, zlib.error, UnicodeDecodeError) as exc:
        raise BakingError(f"malformed iTXt chunk: {exc}") from exc


def unbake_png(image: bytes, *, ob2: bool = False) -> str:
    """The credential text in a baked PNG (OB 2.0 keyword ``openbadges`` with ``ob2=True``)."""
    keyword = PNG_KEYWORD_OB2 if ob2 else PNG_KEYWORD
    return _required(_png_text(png_chunks(image), keyword), _no_png_chunk(keyword))


def _png_text(chunks: list[tuple[bytes, bytes]], keyword: bytes) -> str | None:
    """The text of the one iTXt chunk with this keyword; None when there is none."""
    found = [b for t, b in chunks if t == b"iTXt" and _itxt_keyword(b) == keyword]
    if not found:
        return None
    if len(found) > 1:
        raise BakingError(f"PNG has {len(found)} {keyword.decode()!r} chunks; expected one")
    return _itxt_text(found[0])


def _no_png_chunk(keyword: bytes) -> str:
    return f"PNG has no iTXt chunk {keyword.decode()!r}"


def _required(text: str | None, missing: str) -> str:
    if text is None:
        raise BakingError(missing)
    return text


# ---------------------------------------------------------------- SVG


def _parse_svg(svg: bytes) -> Any:
    try:
        root = fromstring(svg, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        name = type(exc).__name__
        raise BakingError(f"SVG refused: {name} (DTDs and entities are not allowed)") from exc
    except Exception as exc:  # ElementTree.ParseError and friends
        raise BakingError(f"SVG is not well-formed XML: {exc}") from exc
    if root.tag != "{http://www.w3.org/2000/svg}svg":
        raise BakingError("root element is not an SVG <svg>")
    return root


def _root_tag_span(svg: bytes) -> tuple[int, int]:
    """Byte offsets of the root element's start tag."""
    start: list[int] = []
    parser = xml.parsers.expat.ParserCreate()

    def _on_start(_name: str, _attrs: dict[str, str]) -> None:
        if not start:
            start.append(parser.CurrentByteIndex)
            raise StopIteration

    parser.StartElementHandler = _on_start
    with contextlib.suppress(StopIteration):
        parser.Parse(svg, True)
    if not start:
        raise BakingError("SVG has no root element")
    pos, quote = start[0], 0
    while pos < len(svg):
        ch = svg[pos]
        if quote:
            quote = 0 if ch == quote else quote
        elif ch in b"\"'":
            quote = ch
        elif ch == ord(">"):
            break
        pos += 1
    if svg[start[0] : pos + 1].endswith(b"/>"):
        raise BakingError("SVG root element is empty")
    return start[0], pos + 1


def bake_svg(svg: bytes, credential: dict[str, Any] | str) -> bytes:
    """Insert ``<openbadges:credential>`` right after the ``<svg>`` start tag."""
    root = _parse_svg(svg)
    if root.find(SVG_TAG) is not None:
        raise BakingError("SVG already holds a credential")
    begin, end = _root_tag_span(svg)
    tag = svg[begin:end]
    bound = _PREFIX.search(tag)
    if bound is None:
        tag = tag[:-1] + f' xmlns:openbadges="{OB3_NS}">'.encode()
    elif bound.group(2) != OB3_NS.encode():
        raise BakingError("SVG binds the openbadges prefix to another namespace")
    return svg[:begin] + tag + _credential_element(credential) + svg[end:]


def _credential_element(credential: dict[str, Any] | str) -> bytes:
    if isinstance(credential, str):
        attr = credential.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        return f'<openbadges:credential verify="{attr}"/>'.encode()
    body = json.dumps(credential).replace("]]>", "]]]]><![CDATA[>")
    return f"<openbadges:credential><![CDATA[{body}]]></openbadges:credential>".encode()


def unbake_svg(svg: bytes, *, ob2: bool = False) -> str:
    """The credential text in a baked SVG (OB 2.0 ``openbadges:assertion`` with ``ob2=True``)."""
    tag = SVG_TAG_OB2 if ob2 else SVG_TAG
    return _required(_svg_text(_parse_svg(svg), tag), _no_svg_element(tag))


def _svg_text(root: Any, tag: str) -> str | None:
    """The credential in the one element with this tag; None when there is none."""
    found = root.findall(tag)
    if not found:
        return None
    if len(found) > 1:
        raise BakingError(f"SVG has {len(found)} {tag} elements; expected one")
    element = found[0]
    text = element.get("verify") or (element.text or "").strip()
    if not text:
        raise BakingError("the baked credential element is empty")
    return str(text)


def _no_svg_element(tag: str) -> str:
    return f"SVG has 0 {tag} elements; expected one"


def unbake(image: bytes) -> str:
    """Extract the credential (JSON or JWS text) from a PNG or SVG, OB 3.0 or else OB 2.0.

    The image is parsed once; the OB 2.0 form is read only when no OB 3.0 one is present."""
    if image.startswith(PNG_SIGNATURE):
        chunks = png_chunks(image)
        text = _png_text(chunks, PNG_KEYWORD)
        if text is None:
            text = _png_text(chunks, PNG_KEYWORD_OB2)
        return _required(text, _no_png_chunk(PNG_KEYWORD_OB2))
    if image.lstrip()[:1] == b"<":
        root = _parse_svg(image)
        text = _svg_text(root, SVG_TAG)
        if text is None:
            text = _svg_text(root, SVG_TAG_OB2)
        return _required(text, _no_svg_element(SVG_TAG_OB2))
    raise BakingError("not a PNG or SVG image")


def bake(image: bytes, credential: dict[str, Any] | str) -> bytes:
    """Bake into a PNG or SVG, chosen by the image's content."""
    if image.startswith(PNG_SIGNATURE):
        return bake_png(image, credential)
    if image.lstrip()[:1] == b"<":
        return bake_svg(image, credential)
    raise BakingError("not a PNG or SVG image")
