"""Reading web addresses people type in, without crashing on malformed ones."""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit


def split(url: str) -> SplitResult | None:
    """The parts of an address, or None when it cannot be parsed (e.g. an unclosed IPv6 bracket)."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def is_web(url: str, schemes: frozenset[str] = frozenset({"http", "https"})) -> bool:
    """Whether the address parses, uses one of ``schemes`` and names a host."""
    parts = split(url)
    return parts is not None and parts.scheme in schemes and bool(parts.netloc)
