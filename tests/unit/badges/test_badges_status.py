"""Bitstring Status List encoding, decoding and allocation."""

from __future__ import annotations

import base64
import gzip

import pytest
from conftest import DB, EDTECH, load
from hypothesis import given, settings
from hypothesis import strategies as st

from badges import StatusAllocator, StatusError, StatusList, status_entry
from badges.status import MIN_BITS


def test_bit_zero_is_most_significant_bit_of_byte_zero() -> None:
    bits = StatusList()
    bits.set(0)
    bits.set(9)
    text = bits.encode()
    assert text.startswith("u")
    raw = gzip.decompress(base64.urlsafe_b64decode(text[1:] + "=="))
    assert len(raw) * 8 == MIN_BITS
    assert raw[0] == 0x80
    assert raw[1] == 0x40


def test_decodes_published_lists() -> None:
    edtech = load(EDTECH / "validator-bitstring-status-list-credential.json")
    bits = StatusList.decode(edtech["credentialSubject"]["encodedList"])
    assert bits.get(23)
    assert not bits.get(22)
    assert not bits.get(24)
    db = load(DB / "web" / "status" / "1.json")
    assert StatusList.decode(db["credentialSubject"]["encodedList"]).get(42)


@settings(max_examples=50, deadline=None)
@given(
    st.sets(st.integers(0, MIN_BITS - 1), max_size=64), st.sampled_from([MIN_BITS, 2 * MIN_BITS])
)
def test_round_trip(indexes: set[int], size: int) -> None:
    bits = StatusList(size)
    for i in indexes:
        bits.set(i)
    back = StatusList.decode(bits.encode())
    assert back.size == size
    assert {i for i in range(size) if back.get(i)} == indexes
    for i in indexes:
        back.clear(i)
    assert StatusList.decode(back.encode()).encode() == StatusList(size).encode()


def test_refuses_short_lists_bad_data_and_out_of_range() -> None:
    short = "u" + base64.urlsafe_b64encode(gzip.compress(b"\0" * 100)).decode().rstrip("=")
    with pytest.raises(StatusError, match="fewer"):
        StatusList.decode(short)
    with pytest.raises(StatusError):
        StatusList.decode("u!!!not-base64")
    with pytest.raises(StatusError):
        StatusList().get(MIN_BITS)
    with pytest.raises(StatusError):
        StatusList(1000)


def test_refuses_gzip_bombs() -> None:
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(b"\0" * (16 * 1024 * 1024))).decode()
    with pytest.raises(StatusError, match="too large"):
        StatusList.decode(bomb)


def test_allocator_never_reuses_an_index() -> None:
    alloc = StatusAllocator("https://laurel.example/status/3", size=MIN_BITS)
    taken: set[int] = set()
    for _ in range(200):
        entry = alloc.allocate(taken)
        index = int(entry["statusListIndex"])
        assert index not in taken
        taken.add(index)
    assert entry["statusListCredential"] == "https://laurel.example/status/3"
    assert entry["type"] == "BitstringStatusListEntry"


def test_status_entry_purposes() -> None:
    assert status_entry("https://x/s", 5, "suspension")["statusPurpose"] == "suspension"
    with pytest.raises(StatusError):
        status_entry("https://x/s", 5, "message")
