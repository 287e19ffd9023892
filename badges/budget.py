"""How much work one verification may do: limits, and the budget that enforces them.

Canonicalization (RDFC-1.0) is factorial in the worst case (blank nodes linked to each other)
and pyld's node merging is quadratic in the values of one property, so a small anonymous
credential could otherwise cost minutes of CPU. Every canonicalization of one verification
(the credential, its proof options, status lists, endorsements) spends one shared budget; a
verification that runs out answers "too complex to verify" instead of finishing.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from badges.errors import TooComplexError


@dataclass(frozen=True)
class Limits:
    """Per-verification limits (the defaults suit anonymous callers)."""

    max_chars: int = 1024 * 1024
    """Largest credential text (JSON or JWS) read at all."""
    max_hash_calls: int = 1000
    """RDFC-1.0 Hash N-Degree Quads calls (§4.8), over all canonicalizations."""
    max_value_comparisons: int = 500_000
    """Duplicate checks pyld makes while merging a document's nodes (quadratic per property)."""
    deadline_seconds: float = 10.0
    """Wall-clock time for the whole verification, checked between steps and during work."""


UNLIMITED = Limits(sys.maxsize, sys.maxsize, sys.maxsize, math.inf)


class WorkBudget:
    """The work a verification has left; every check raises :class:`TooComplexError` when spent."""

    def __init__(
        self, limits: Limits = UNLIMITED, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits
        self.hash_calls = 0
        self.value_comparisons = 0
        self._monotonic = monotonic
        self._deadline = monotonic() + limits.deadline_seconds

    def check_deadline(self) -> None:
        """Refuse once the deadline has passed."""
        if self._monotonic() >= self._deadline:
            raise TooComplexError(
                f"verification did not finish within {self.limits.deadline_seconds:g} s"
            )

    def spend_hash_calls(self, calls: int) -> None:
        """Count N-degree hash calls about to run; refuse rather than exceed the limit."""
        if self.hash_calls + calls > self.limits.max_hash_calls:
            raise TooComplexError(
                f"canonicalization needs more than {self.limits.max_hash_calls} N-degree hash "
                "calls (blank nodes linked to each other)"
            )
        self.hash_calls += calls
        self.check_deadline()

    def spend_value_comparisons(self, comparisons: int) -> None:
        """Count the duplicate checks pyld is about to make; refuse before exceeding."""
        if self.value_comparisons + comparisons > self.limits.max_value_comparisons:
            raise TooComplexError(
                f"JSON-LD processing needs more than {self.limits.max_value_comparisons} value "
                "comparisons (too many values of one property)"
            )
        self.value_comparisons += comparisons
        self.check_deadline()
