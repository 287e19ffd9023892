"""What a search box's text means: its words (letters and digits, any script).

Symbols around words are ignored; text that is only symbols, punctuation or emoji is refused with
a reason instead of quietly finding nothing (or, in SQLite's FTS5 syntax, failing).
"""

from __future__ import annotations

import re

from app.errors import Invalid

WORD = re.compile(r"\w+", re.UNICODE)
NO_WORDS = (
    "Search for at least one word or number: symbols, punctuation and emoji on their own are "
    "not searched."
)


def words(raw: str, limit: int) -> list[str]:
    """The first ``limit`` words of ``raw``; Invalid when it holds text but no word."""
    found = WORD.findall(raw)
    if raw.strip() and not found:
        raise Invalid(NO_WORDS, field="q")
    return found[:limit]
