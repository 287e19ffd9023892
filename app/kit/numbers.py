"""Whole numbers typed by people, parsed without surprises."""

from __future__ import annotations


def whole_number(text: str, largest: int) -> int | None:
    """The number written in ASCII digits, if it is at most ``largest``; None for anything else
    (signs, superscripts and other digits ``int`` refuses, or thousands of digits)."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(largest)):
        return None
    value = int(text)
    return value if value <= largest else None
