"""Rubrics: checking a definition's rubric and pass rule, and scoring a review against them.

A rubric is a list of criteria ``{"key", "name", "description", "levels": [{"level", "label",
"descriptor", "points"}]}``; levels are numbered from 1 (lowest). The pass rule is
``min_level`` (every criterion at ``threshold`` or above) or ``min_points`` (the total at
least ``threshold``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.errors import Invalid

MIN_LEVEL = "min_level"
MIN_POINTS = "min_points"
RULES = (MIN_LEVEL, MIN_POINTS)


@dataclass(frozen=True)
class Scored:
    """The outcome of scoring every criterion: total points and whether the pass rule is met."""

    points: int
    passes: bool
    levels: dict[str, int]


def level_of(item: dict[str, Any], level: int) -> dict[str, Any]:
    """The level entry of one criterion (Invalid if it has no such level)."""
    for entry in item["levels"]:
        if entry["level"] == level:
            return dict(entry)
    raise Invalid(f"'{item['name']}' has no level {level}.", field=f"level_{item['key']}")


def validate(rubric: list[dict[str, Any]], rule: str, threshold: int) -> None:
    """Invalid unless the rubric is usable: named criteria, distinct keys, numbered levels."""
    if not rubric:
        raise Invalid("A rubric needs at least one criterion.", field="rubric")
    keys = [item.get("key") for item in rubric]
    if len(set(keys)) != len(keys) or not all(keys):
        raise Invalid("Every rubric criterion needs its own key.", field="rubric")
    for item in rubric:
        if not str(item.get("name", "")).strip():
            raise Invalid("Every rubric criterion needs a name.", field="rubric")
        levels = [entry.get("level") for entry in item.get("levels", [])]
        if len(levels) < 2 or sorted(levels) != list(range(1, len(levels) + 1)):
            raise Invalid(
                f"'{item['name']}' needs at least two levels numbered 1, 2, 3 …", field="rubric"
            )
    if rule not in RULES:
        raise Invalid("Choose a pass rule.", field="pass_rule")
    top = min(len(item["levels"]) for item in rubric)
    if rule == MIN_LEVEL and not 1 <= threshold <= top:
        raise Invalid(f"The required level must be between 1 and {top}.", field="pass_value")
    if rule == MIN_POINTS and not 0 < threshold <= max_points(rubric):
        raise Invalid(
            f"The required points must be between 1 and {max_points(rubric)}.", field="pass_value"
        )


def max_points(rubric: list[dict[str, Any]]) -> int:
    """The most points the rubric can give."""
    return sum(max(int(entry.get("points", 0)) for entry in item["levels"]) for item in rubric)


def score(
    rubric: list[dict[str, Any]], rule: str, threshold: int, levels: dict[str, int]
) -> Scored:
    """Score a level for every criterion; Invalid names the first criterion left unscored."""
    for item in rubric:
        if item["key"] not in levels:
            raise Invalid(f"Score '{item['name']}' before deciding.", field=f"level_{item['key']}")
    unknown = set(levels) - {item["key"] for item in rubric}
    if unknown:
        raise Invalid(f"The rubric has no criterion '{sorted(unknown)[0]}'.", field="scores")
    points = 0
    for item in rubric:
        points += int(level_of(item, levels[item["key"]]).get("points", 0))
    if rule == MIN_LEVEL:
        passes = all(levels[item["key"]] >= threshold for item in rubric)
    else:
        passes = points >= threshold
    return Scored(points=points, passes=passes, levels=dict(levels))


def describe_rule(rubric: list[dict[str, Any]], rule: str, threshold: int) -> str:
    """The pass rule in words, e.g. 'Every criterion at level 3 (Proficient) or above'."""
    if rule == MIN_POINTS:
        return f"At least {threshold} of {max_points(rubric)} points"
    labels = {entry["level"]: entry.get("label", "") for entry in rubric[0]["levels"]}
    label = f" ({labels[threshold]})" if labels.get(threshold) else ""
    return f"Every criterion at level {threshold}{label} or above"
