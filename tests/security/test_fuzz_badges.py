"""Fuzzing the badges/ parsers: each returns a result or raises the library's own error
(badges/errors.py), never another exception, within bounded time and memory."""

from __future__ import annotations

import gzip
import json
import struct
import time
import tracemalloc
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from badges import (
    BadgeError,
    BakingError,
    StatusError,
    bake,
    canonicalize,
    unbake,
    unbake_png,
    unbake_svg,
    verify,
)
from badges.keys import b64url
from badges.loader import known_context_urls
from badges.status import StatusList
from badges.vcjwt import decode_unverified
from tests.security.fuzzing import CASES_RUN, count, fuzz_settings

MAX_SECONDS = 5.0  # per call, on a loaded 2-core machine
MAX_BYTES = 64 * 1024 * 1024  # peak Python allocations per call

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
IHDR = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)


def bounded(target: str, call: Callable[[], Any], *allowed: type[BaseException]) -> Any:
    """Run ``call``; only ``allowed`` errors may escape, and it must stay in time and memory."""
    count(target)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        return call()
    except allowed:
        return None
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert elapsed < MAX_SECONDS, (target, elapsed)
        assert peak < MAX_BYTES, (target, peak)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=30,
)
CREDENTIAL_KEYS = [
    "@context",
    "id",
    "type",
    "issuer",
    "validFrom",
    "validUntil",
    "credentialSubject",
    "credentialStatus",
    "proof",
    "name",
    "evidence",
    "endorsement",
    "refreshService",
    "@id",
    "@type",
    "@graph",
    "@vocab",
    "achievement",
    "identifier",
    "awardedDate",
]
contexts = st.sampled_from(sorted(known_context_urls())) | st.text(max_size=30) | json_values
credentials = st.fixed_dictionaries(
    {"@context": st.lists(contexts, min_size=1, max_size=3)},
    optional=dict.fromkeys(CREDENTIAL_KEYS[1:], json_values),
) | st.dictionaries(
    st.sampled_from(CREDENTIAL_KEYS) | st.text(max_size=10), json_values, max_size=8
)
jws_segment = st.from_regex(r"\A[A-Za-z0-9_=+/.-]{0,60}\Z") | st.builds(
    lambda v: b64url(json.dumps(v).encode()), json_values
)
jws_strings = st.builds(
    lambda parts: ".".join(parts), st.lists(jws_segment, min_size=1, max_size=5)
)


def png_chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def itxt(keyword: bytes, text: bytes, compressed: bool) -> bytes:
    payload = zlib.compress(text) if compressed else text
    return keyword + b"\x00" + bytes([compressed, 0]) + b"\x00\x00" + payload


itxt_bodies = st.builds(
    itxt,
    st.sampled_from([b"openbadgecredential", b"openbadges", b"other"]),
    st.binary(max_size=200) | st.text(max_size=200).map(str.encode),
    st.booleans(),
) | st.binary(max_size=100)
chunks = st.tuples(
    st.sampled_from([b"IHDR", b"IDAT", b"iTXt", b"tEXt", b"IEND", b"zzzz"]), itxt_bodies
)
pngs = st.builds(
    lambda middle, end: (
        PNG_SIGNATURE + png_chunk(b"IHDR", IHDR) + b"".join(png_chunk(*c) for c in middle) + end
    ),
    st.lists(chunks, max_size=4),
    st.sampled_from([png_chunk(b"IEND", b""), b"", b"\x00\x00"]),
) | st.builds(lambda s: PNG_SIGNATURE + s, st.binary(max_size=200))
svg_text = st.text(max_size=60)
SVG_TEMPLATE = (
    "<svg xmlns='http://www.w3.org/2000/svg' {}>{}"
    "<openbadges:credential {}>{}</openbadges:credential></svg>"
)
svgs = (
    st.builds(
        SVG_TEMPLATE.format,
        st.sampled_from(
            ["", "xmlns:openbadges='https://purl.imsglobal.org/ob/v3p0'", "xmlns:openbadges='x'"]
        ),
        svg_text,
        svg_text,
        svg_text,
    ).map(str.encode)
    | st.builds(str.encode, st.text(max_size=200))
    | st.builds(
        lambda body: (
            b"<?xml version='1.0'?><!DOCTYPE svg [<!ENTITY a '" + body + b"'>]><svg>&a;</svg>"
        ),
        st.binary(max_size=40),
    )
)
images = pngs | svgs | st.binary(max_size=300)
encoded_lists = (
    st.text(max_size=80)
    | st.builds(lambda raw: "u" + b64url(gzip.compress(raw)), st.binary(max_size=200))
    | st.builds(lambda n: "u" + b64url(gzip.compress(bytes(n))), st.integers(0, 20_000_000))
    | st.builds(lambda raw: "u" + b64url(raw), st.binary(max_size=100))
)


@fuzz_settings(60)
@given(st.one_of(credentials, json_values, jws_strings, images, st.text(max_size=200)))
def verify_never_raises(value: Any) -> None:
    result = bounded("verify", lambda: verify(value))
    assert result.checks


@fuzz_settings(40)
@given(credentials)
def canonicalize_raises_only_badge_errors(document: dict[str, Any]) -> None:
    bounded("canonicalize", lambda: canonicalize(document), BadgeError)


@fuzz_settings(80)
@given(jws_strings | st.text(max_size=200))
def vc_jwt_parsing_raises_only_format_errors(token: str) -> None:
    bounded("decode_unverified", lambda: decode_unverified(token), BadgeError)


@fuzz_settings(60)
@given(images)
def unbaking_raises_only_baking_errors(image: bytes) -> None:
    for name, unbaker in (
        ("unbake", unbake),
        ("unbake_png", unbake_png),
        ("unbake_svg", unbake_svg),
    ):
        text = bounded(name, lambda u=unbaker: u(image), BakingError)
        assert text is None or isinstance(text, str)


@fuzz_settings(40)
@given(images, credentials | st.text(max_size=100))
def baking_raises_only_baking_errors(image: bytes, credential: dict[str, Any] | str) -> None:
    baked = bounded("bake", lambda: bake(image, credential), BakingError)
    assert baked is None or isinstance(baked, bytes)


@fuzz_settings(40)
@given(encoded_lists)
def status_list_decoding_raises_only_status_errors(encoded: str) -> None:
    decoded = bounded("StatusList.decode", lambda: StatusList.decode(encoded), StatusError)
    assert decoded is None or decoded.size >= 131_072


@pytest.mark.parametrize(
    ("target", "fuzz"),
    [
        ("verify", verify_never_raises),
        ("canonicalize", canonicalize_raises_only_badge_errors),
        ("decode_unverified", vc_jwt_parsing_raises_only_format_errors),
        ("unbake", unbaking_raises_only_baking_errors),
        ("bake", baking_raises_only_baking_errors),
        ("StatusList.decode", status_list_decoding_raises_only_status_errors),
    ],
)
def test_badges_parser_survives_fuzzing(target: str, fuzz: Callable[[], None]) -> None:
    before = CASES_RUN[target]
    fuzz()
    print(f"{target}: {CASES_RUN[target] - before} cases")
    assert CASES_RUN[target] - before > 0
