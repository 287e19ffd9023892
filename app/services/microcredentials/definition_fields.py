"""The fields of a micro-credential definition: checked and normalized from what authors
submit (``clean``), and read back for editing (``fields_of``)."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Invalid
from app.kit import numbers, urls
from app.models import AwardRule, MicroCredential, Module, Organization, Pathway
from app.services.microcredentials import rubrics

EVIDENCE_KINDS = ("reflection", "files", "links")
ACHIEVEMENT_TYPES = (
    "MicroCredential",
    "Badge",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "Competency",
    "Course",
    "LearningProgram",
    "Achievement",
    "Award",
)
MAX_NAME = 200
MAX_TEXT = 20_000
MAX_SHORT = 2_000
MAX_CRITERIA = 12
MAX_LEVELS = 6
MAX_LIST = 30
EDITABLE = (
    "name",
    "description",
    "criteria",
    "competencies",
    "evidence_requirements",
    "rubric",
    "pass_rule",
    "pass_value",
    "alignments",
    "achievement_type",
    "award_rule",
    "pd_hours",
    "validity_months",
    "pathway_id",
)


def _text(fields: dict[str, Any], name: str, limit: int, label: str, required: bool) -> str:
    value = str(fields.get(name) or "").strip()
    if required and not value:
        raise Invalid(f"Give the micro-credential {label}.", field=name)
    if len(value) > limit:
        raise Invalid(f"Keep {label} to {limit} characters.", field=name)
    return value


def _strings(value: Any, field: str, label: str) -> list[str]:
    if isinstance(value, str):
        value = [part for line in value.splitlines() for part in line.split(",")]
    if not isinstance(value, list):
        raise Invalid(f"List the {label}, one per line.", field=field)
    items = [str(v).strip() for v in value if str(v).strip()]
    if len(items) > MAX_LIST or any(len(v) > MAX_NAME for v in items):
        raise Invalid(
            f"Give at most {MAX_LIST} {label} of up to {MAX_NAME} characters.", field=field
        )
    return list(dict.fromkeys(items))


def _https(url: str, field: str, what: str) -> str:
    if not urls.is_web(url):
        raise Invalid(f"{what} needs a web address starting with https://.", field=field)
    return url


def _alignments(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise Invalid("Alignments must be a list.", field="alignments")
    cleaned = []
    for entry in value[:MAX_LIST]:
        if not isinstance(entry, dict):
            raise Invalid("Each alignment needs a name and a web address.", field="alignments")
        name = str(entry.get("name") or "").strip()[:MAX_NAME]
        url = str(entry.get("url") or "").strip()[:MAX_SHORT]
        if not name or not url:
            raise Invalid("Each alignment needs a name and a web address.", field="alignments")
        cleaned.append(
            {
                "name": name,
                "url": _https(url, "alignments", f"The alignment '{name}'"),
                "code": str(entry.get("code") or "").strip()[:100],
                "framework": str(entry.get("framework") or "").strip()[:MAX_NAME],
            }
        )
    return cleaned


def _evidence(value: Any, award_rule: AwardRule) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise Invalid("Evidence requirements must be a list.", field="evidence_requirements")
    cleaned: list[dict[str, Any]] = []
    for entry in value:
        kind = str(entry.get("kind") if isinstance(entry, dict) else "")
        if kind not in EVIDENCE_KINDS or any(e["kind"] == kind for e in cleaned):
            raise Invalid(
                "Evidence parts are a reflection, files and links, each at most once.",
                field="evidence_requirements",
            )
        assert isinstance(entry, dict)
        label = str(entry.get("label") or "").strip()
        if not label or len(label) > MAX_NAME:
            raise Invalid(
                f"Give the {kind} part a label of up to {MAX_NAME} characters.",
                field=f"ev_{kind}_label",
            )
        guidance = str(entry.get("guidance") or "").strip()
        if len(guidance) > MAX_SHORT:
            raise Invalid(
                f"Keep the {kind} guidance to {MAX_SHORT} characters.", field=f"ev_{kind}_guidance"
            )
        cleaned.append(
            {
                "key": kind,
                "kind": kind,
                "label": label,
                "guidance": guidance,
                "required": bool(entry.get("required", True)),
            }
        )
    if award_rule == AwardRule.REVIEW and not cleaned:
        raise Invalid(
            "A reviewed micro-credential needs at least one evidence part.",
            field="evidence_requirements",
        )
    return cleaned


def _rubric(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise Invalid("The rubric must be a list of criteria.", field="rubric")
    if len(value) > MAX_CRITERIA:
        raise Invalid(f"A rubric has at most {MAX_CRITERIA} criteria.", field="rubric")
    cleaned = []
    for number, item in enumerate(value, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("levels"), list):
            raise Invalid(f"Criterion {number} needs a list of levels.", field="rubric")
        if len(item["levels"]) > MAX_LEVELS:
            raise Invalid(f"A criterion has at most {MAX_LEVELS} levels.", field="rubric")
        cleaned.append(
            {
                "key": str(item.get("key") or f"c{number}")[:40],
                "name": str(item.get("name") or "").strip()[:MAX_NAME],
                "description": str(item.get("description") or "").strip()[:MAX_SHORT],
                "levels": [_level(number, lv) for lv in item["levels"]],
            }
        )
    return cleaned


def _level(number: int, level: Any) -> dict[str, Any]:
    try:
        value = int(level["level"])
        points = int(level.get("points", 0))
    except (KeyError, TypeError, ValueError) as exc:
        raise Invalid(
            f"Every level of criterion {number} needs a number and whole points.", field="rubric"
        ) from exc
    label = str(level.get("label") or "").strip()[:100]
    descriptor = str(level.get("descriptor") or "").strip()[:MAX_SHORT]
    if not label:
        raise Invalid(f"Name every level (level {value} has no name).", field="rubric")
    if not 0 <= points <= 1000:
        raise Invalid("Points must be between 0 and 1000.", field="rubric")
    return {"level": value, "label": label, "descriptor": descriptor, "points": points}


def _number(value: Any, field: str, message: str) -> Decimal:
    try:
        number = Decimal(str(value).strip() or "0")
    except InvalidOperation as exc:
        raise Invalid(message, field=field) from exc
    if not number.is_finite() or not 0 <= number <= 999:
        raise Invalid(message, field=field)
    return number.quantize(Decimal("0.01"))


def _validity(value: Any) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    months = numbers.whole_number(text, 240)
    if not months:
        raise Invalid(
            "Validity is a whole number of months from 1 to 240, or empty for no expiry.",
            field="validity_months",
        )
    return months


def _pass_value(value: Any) -> int:
    try:
        return int(str(value).strip())
    except ValueError as exc:
        raise Invalid("The pass rule needs a whole number.", field="pass_value") from exc


def clean(db: Session, org: Organization, fields: dict[str, Any]) -> dict[str, Any]:
    """Checked, normalized definition fields; Invalid names the field at fault."""
    try:
        award_rule = AwardRule(str(fields.get("award_rule") or AwardRule.REVIEW.value))
    except ValueError as exc:
        raise Invalid("Choose how it is earned: review or completion.", field="award_rule") from exc
    achievement_type = str(fields.get("achievement_type") or "MicroCredential")
    if achievement_type not in ACHIEVEMENT_TYPES:
        raise Invalid("Choose an achievement type from the list.", field="achievement_type")
    values: dict[str, Any] = {
        "name": _text(fields, "name", MAX_NAME, "a name", True),
        "description": _text(fields, "description", MAX_TEXT, "a description", True),
        "criteria": _text(fields, "criteria", MAX_TEXT, "a criteria narrative", True),
        "competencies": _strings(fields.get("competencies") or [], "competencies", "competencies"),
        "alignments": _alignments(fields.get("alignments") or []),
        "achievement_type": achievement_type,
        "award_rule": award_rule,
        "pd_hours": _number(
            fields.get("pd_hours", "0"), "pd_hours", "PD hours are a number from 0 to 999."
        ),
        "validity_months": _validity(fields.get("validity_months")),
        "evidence_requirements": _evidence(fields.get("evidence_requirements") or [], award_rule),
        "rubric": _rubric(fields.get("rubric") or []),
        "pass_rule": str(fields.get("pass_rule") or rubrics.MIN_LEVEL),
        "pass_value": _pass_value(fields.get("pass_value", 3)),
    }
    if award_rule == AwardRule.REVIEW or values["rubric"]:
        rubrics.validate(values["rubric"], values["pass_rule"], values["pass_value"])
    values["module_family_ids"] = _module_families(db, org, fields.get("module_family_ids") or [])
    values["pathway_id"] = _pathway(db, org, fields.get("pathway_id"))
    if award_rule == AwardRule.COMPLETION and not (
        values["module_family_ids"] or values["pathway_id"]
    ):
        raise Invalid(
            "A completion badge needs at least one linked module or a pathway.",
            field="module_family_ids",
        )
    return values


def _uuid(value: Any, field: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError as exc:
        raise Invalid("That is not one of this organization's choices.", field=field) from exc


def _module_families(db: Session, org: Organization, value: Any) -> list[uuid.UUID]:
    if not isinstance(value, list):
        raise Invalid("Linked modules must be a list.", field="module_family_ids")
    wanted = list(dict.fromkeys(_uuid(v, "module_family_ids") for v in value))
    if not wanted:
        return []
    known = set(
        db.scalars(
            select(Module.family_id).where(
                Module.organization_id == org.id, Module.family_id.in_(wanted)
            )
        )
    )
    if set(wanted) - known:
        raise Invalid("Link only modules of this organization.", field="module_family_ids")
    return wanted


def _pathway(db: Session, org: Organization, value: Any) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    pathway = db.get(Pathway, _uuid(value, "pathway_id"))
    if pathway is None or pathway.organization_id != org.id:
        raise Invalid("Link a pathway of this organization.", field="pathway_id")
    return pathway.id


def fields_of(definition: MicroCredential) -> dict[str, Any]:
    """The version's editable fields, as ``update`` takes them."""
    fields = {name: getattr(definition, name) for name in EDITABLE}
    fields["award_rule"] = definition.award_rule.value
    fields["module_family_ids"] = [m.module_family_id for m in definition.modules]
    return fields
