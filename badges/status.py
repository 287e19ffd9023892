"""W3C Bitstring Status List: bit arrays, encoding, list credentials and status entries."""

from __future__ import annotations

import gzip
import io
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from badges.errors import StatusError
from badges.keys import b64url, b64url_decode
from badges.loader import VC_V2
from badges.models import format_datetime, now_utc

MIN_BITS = 131_072
MAX_BITS = 1 << 26  # refuse lists that would inflate beyond 8 MiB
PURPOSES = ("revocation", "suspension")


class StatusList:
    """A mutable bitstring; bit 0 is the most significant bit of byte 0."""

    def __init__(self, size: int = MIN_BITS, data: bytes | None = None) -> None:
        if size < MIN_BITS or size % 8:
            raise StatusError(f"a status list needs at least {MIN_BITS} bits, a multiple of 8")
        self.size = size
        self._bits = bytearray(data if data is not None else size // 8)
        if len(self._bits) * 8 != size:
            raise StatusError("status list data does not match its size")

    def _locate(self, index: int) -> tuple[int, int]:
        if not 0 <= index < self.size:
            raise StatusError(f"status index {index} is outside 0..{self.size - 1}")
        return index // 8, 0x80 >> (index % 8)

    def get(self, index: int) -> bool:
        """Whether bit ``index`` is set."""
        byte, mask = self._locate(index)
        return bool(self._bits[byte] & mask)

    def set(self, index: int, value: bool = True) -> None:
        """Set (or clear, with ``value=False``) bit ``index``."""
        byte, mask = self._locate(index)
        if value:
            self._bits[byte] |= mask
        else:
            self._bits[byte] &= ~mask & 0xFF

    def clear(self, index: int) -> None:
        """Clear bit ``index``."""
        self.set(index, False)

    def to_bytes(self) -> bytes:
        """The raw bits, for storage."""
        return bytes(self._bits)

    def encode(self) -> str:
        """``u`` + base64url (no padding) of the GZIP-compressed bits."""
        packed = gzip.compress(bytes(self._bits), mtime=0)
        return "u" + b64url(packed)

    @classmethod
    def decode(cls, encoded: str) -> StatusList:
        """Parse an ``encodedList`` (multibase ``u`` prefix optional, as in StatusList2021)."""
        text = encoded[1:] if encoded.startswith("u") else encoded
        try:
            packed = b64url_decode(text)
            with gzip.GzipFile(fileobj=io.BytesIO(packed)) as fh:
                raw = fh.read(MAX_BITS // 8 + 1)
        except (ValueError, OSError, EOFError) as exc:
            raise StatusError(f"encodedList is not base64url GZIP data: {exc}") from exc
        if len(raw) > MAX_BITS // 8:
            raise StatusError("status list is too large")
        if len(raw) * 8 < MIN_BITS:
            raise StatusError(f"status list has {len(raw) * 8} bits, fewer than {MIN_BITS}")
        return cls(len(raw) * 8, raw)


def random_index(size: int, taken: set[int]) -> int:
    """Pick an unused index at random (herd privacy); raise StatusError when the list is full."""
    if len(taken) >= size:
        raise StatusError("status list is full")
    while True:
        index = secrets.randbelow(size)
        if index not in taken:
            return index


@dataclass(frozen=True)
class StatusAllocator:
    """Allocate indexes in a list at ``list_url``; the app persists ``taken``."""

    list_url: str
    size: int = MIN_BITS

    def allocate(self, taken: set[int], purpose: str = "revocation") -> dict[str, Any]:
        """Return a new ``BitstringStatusListEntry`` at a free random index."""
        return status_entry(self.list_url, random_index(self.size, taken), purpose)


def status_entry(list_url: str, index: int, purpose: str = "revocation") -> dict[str, Any]:
    """A ``BitstringStatusListEntry`` pointing at bit ``index`` of ``list_url``."""
    if purpose not in PURPOSES:
        raise StatusError(f"unsupported status purpose {purpose!r}")
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    list_url: str,
    issuer: str,
    bits: StatusList,
    purpose: str = "revocation",
    valid_from: datetime | None = None,
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential`` (sign it with the issuer's key)."""
    return {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": format_datetime(valid_from or now_utc()),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": bits.encode(),
        },
    }
