"""The micro-credential editor form: a fixed grid of criteria by levels that works without script.

``from_definition`` and ``from_submitted`` give the template's view of the form;
``to_fields`` turns a submitted form into the fields ``services.microcredentials`` checks.
Levels are shared by every criterion (label and points per level, a descriptor per cell).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.kit import numbers
from app.models import MicroCredential
from app.services.microcredentials.definition_fields import EVIDENCE_KINDS, MAX_CRITERIA, MAX_LEVELS

DEFAULT_LEVELS = ("Beginning", "Developing", "Proficient", "Exemplary")
EVIDENCE_DEFAULTS = {
    "reflection": "Reflection",
    "files": "Classroom artifacts",
    "links": "Links to your work",
}
SCALARS = (
    "name",
    "description",
    "criteria",
    "achievement_type",
    "award_rule",
    "pd_hours",
    "validity_months",
    "pass_rule",
    "pass_value",
    "pathway_id",
)


@dataclass
class RubricForm:
    """Everything the editor shows: scalar values, the grid, evidence parts and links."""

    values: dict[str, str]
    levels: list[dict[str, str]]
    criteria: list[dict[str, Any]]
    evidence: dict[str, dict[str, Any]]
    alignments_text: str = ""
    competencies_text: str = ""
    module_family_ids: set[str] = field(default_factory=set)


def blank() -> RubricForm:
    """A new definition's form: three empty criteria, four named levels, a reflection part."""
    levels = [{"label": label, "points": str(n)} for n, label in enumerate(DEFAULT_LEVELS, 1)]
    return RubricForm(
        values={
            "achievement_type": "MicroCredential",
            "award_rule": "review",
            "pd_hours": "0",
            "pass_rule": "min_level",
            "pass_value": "3",
        },
        levels=levels,
        criteria=[_empty_criterion(n, len(levels)) for n in range(1, 4)],
        evidence={
            kind: {
                "include": kind == "reflection",
                "required": True,
                "label": label,
                "guidance": "",
            }
            for kind, label in EVIDENCE_DEFAULTS.items()
        },
    )


def _empty_criterion(number: int, levels: int) -> dict[str, Any]:
    return {"key": f"c{number}", "name": "", "description": "", "descriptors": [""] * levels}


def from_definition(definition: MicroCredential) -> RubricForm:
    """The form filled from a saved version (levels taken from its first criterion)."""
    form = blank()
    form.values = {name: _str(getattr(definition, name)) for name in SCALARS}
    form.values["award_rule"] = definition.award_rule.value
    if definition.rubric:
        first = sorted(definition.rubric[0]["levels"], key=lambda lv: lv["level"])
        form.levels = [{"label": lv["label"], "points": str(lv["points"])} for lv in first]
        form.criteria = [
            {
                "key": item["key"],
                "name": item["name"],
                "description": item.get("description", ""),
                "descriptors": [
                    lv.get("descriptor", "")
                    for lv in sorted(item["levels"], key=lambda lv: lv["level"])
                ],
            }
            for item in definition.rubric
        ]
    else:
        form.criteria = []
    parts = {e["kind"]: e for e in definition.evidence_requirements}
    for kind in EVIDENCE_KINDS:
        part = parts.get(kind)
        form.evidence[kind] = {
            "include": part is not None,
            "required": part["required"] if part else True,
            "label": part["label"] if part else EVIDENCE_DEFAULTS[kind],
            "guidance": part["guidance"] if part else "",
        }
    form.alignments_text = "\n".join(
        " | ".join(filter(None, (a["name"], a["url"], a.get("code"), a.get("framework"))))
        for a in definition.alignments
    )
    form.competencies_text = "\n".join(definition.competencies)
    form.module_family_ids = {str(m.module_family_id) for m in definition.modules}
    return form


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def from_submitted(data: dict[str, Any], action: str) -> RubricForm:
    """The form as submitted, with a criterion or level added when asked."""
    form = blank()
    form.values = {name: str(data.get(name, "")) for name in SCALARS}
    level_count = _count(data.get("level_count"), MAX_LEVELS)
    criterion_count = _count(data.get("criterion_count"), MAX_CRITERIA)
    form.levels = [
        {
            "label": str(data.get(f"level_label_{j}", "")),
            "points": str(data.get(f"level_points_{j}", "")),
        }
        for j in range(1, level_count + 1)
    ]
    form.criteria = [
        {
            "key": str(data.get(f"criterion_key_{i}") or f"c{i}")[:40],
            "name": str(data.get(f"criterion_name_{i}", "")),
            "description": str(data.get(f"criterion_description_{i}", "")),
            "descriptors": [
                str(data.get(f"descriptor_{i}_{j}", "")) for j in range(1, level_count + 1)
            ],
        }
        for i in range(1, criterion_count + 1)
    ]
    if action == "add_level" and level_count < MAX_LEVELS:
        form.levels.append({"label": "", "points": str(level_count + 1)})
        for item in form.criteria:
            item["descriptors"].append("")
    if action == "add_criterion" and criterion_count < MAX_CRITERIA:
        used = {item["key"] for item in form.criteria}
        number = criterion_count + 1
        while f"c{number}" in used:
            number += 1
        form.criteria.append(_empty_criterion(number, len(form.levels)))
    for kind in EVIDENCE_KINDS:
        form.evidence[kind] = {
            "include": bool(data.get(f"ev_{kind}_include")),
            "required": bool(data.get(f"ev_{kind}_required")),
            "label": str(data.get(f"ev_{kind}_label", "")),
            "guidance": str(data.get(f"ev_{kind}_guidance", "")),
        }
    form.alignments_text = str(data.get("alignments", ""))
    form.competencies_text = str(data.get("competencies", ""))
    form.module_family_ids = {str(v) for v in data.get("module_family_ids", [])}
    return form


def _count(value: Any, top: int) -> int:
    return min(numbers.whole_number(str(value or ""), 1_000_000) or 0, top)


def to_fields(form: RubricForm) -> dict[str, Any]:
    """The submitted form as service fields (blank criteria rows are left out)."""
    fields: dict[str, Any] = dict(form.values)
    fields["rubric"] = [
        {
            "key": item["key"],
            "name": item["name"],
            "description": item["description"],
            "levels": [
                {
                    "level": j,
                    "label": level["label"],
                    "points": level["points"] or "0",
                    "descriptor": item["descriptors"][j - 1],
                }
                for j, level in enumerate(form.levels, 1)
            ],
        }
        for item in form.criteria
        if item["name"].strip() or any(d.strip() for d in item["descriptors"])
    ]
    fields["evidence_requirements"] = [
        {"kind": kind, **{k: v for k, v in part.items() if k != "include"}}
        for kind, part in form.evidence.items()
        if part["include"]
    ]
    fields["alignments"] = [_alignment(line) for line in form.alignments_text.splitlines()]
    fields["alignments"] = [a for a in fields["alignments"] if a]
    fields["competencies"] = form.competencies_text
    fields["module_family_ids"] = sorted(form.module_family_ids)
    return fields


def _alignment(line: str) -> dict[str, str] | None:
    parts = [p.strip() for p in line.split("|")]
    if not any(parts):
        return None
    parts += [""] * (4 - len(parts))
    return {"name": parts[0], "url": parts[1], "code": parts[2], "framework": parts[3]}
