"""Shared settings of the fuzzing suites: bounded and reproducible by default, longer at night.

By default every target runs a few examples, derandomized (the same inputs on every run, so CI
is reproducible). ``LAUREL_FUZZ_EXAMPLES=N`` (nightly) sets every target's example count to N
and lets Hypothesis draw new random inputs each run.
"""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, settings

NIGHTLY = os.environ.get("LAUREL_FUZZ_EXAMPLES")

CASES_RUN: Counter[str] = Counter()


def examples(default: int) -> int:
    """The example count for one target: ``default`` unless the nightly variable raises it."""
    return int(NIGHTLY) if NIGHTLY else default


def fuzz_settings(default: int) -> settings:
    """Deadline-free Hypothesis settings, derandomized unless this is a nightly run."""
    return settings(
        max_examples=examples(default),
        deadline=None,
        database=None,
        derandomize=not NIGHTLY,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


def count(target: str) -> None:
    """Record one case run against ``target`` (reported by the suites and asserted > 0)."""
    CASES_RUN[target] += 1
