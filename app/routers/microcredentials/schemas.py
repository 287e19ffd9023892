"""JSON shapes for micro-credential definitions."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.models import AwardRule, DefinitionStatus, MicroCredential

Short = Annotated[str, Field(max_length=200)]
Long = Annotated[str, Field(max_length=20_000)]


class RubricLevelIO(BaseModel):
    """One level of a criterion (1 is the lowest)."""

    level: Annotated[int, Field(ge=1, le=20)]
    label: Annotated[str, Field(max_length=100)]
    descriptor: Annotated[str, Field(max_length=2_000)] = ""
    points: Annotated[int, Field(ge=0, le=1000)] = 0


class RubricCriterionIO(BaseModel):
    """A rubric criterion with its levels."""

    key: Annotated[str, Field(min_length=1, max_length=40)]
    name: Short
    description: Annotated[str, Field(max_length=2_000)] = ""
    levels: Annotated[list[RubricLevelIO], Field(max_length=6)]


class EvidenceRequirementIO(BaseModel):
    """One part of the evidence teachers submit, with guidance."""

    kind: Literal["reflection", "files", "links"]
    label: Short
    guidance: Annotated[str, Field(max_length=2_000)] = ""
    required: bool = True


class AlignmentIO(BaseModel):
    """A standard or framework item the micro-credential aligns with."""

    name: Short
    url: Annotated[str, Field(max_length=2_000)]
    code: Annotated[str, Field(max_length=100)] = ""
    framework: Short = ""


class MicroCredentialWrite(BaseModel):
    """A definition to create, or (PATCH) the fields to change."""

    model_config = ConfigDict(extra="forbid")

    name: Short
    description: Long
    criteria: Long
    competencies: Annotated[list[Short], Field(max_length=30)] = []
    evidence_requirements: Annotated[list[EvidenceRequirementIO], Field(max_length=3)] = []
    rubric: Annotated[list[RubricCriterionIO], Field(max_length=12)] = []
    pass_rule: Literal["min_level", "min_points"] = "min_level"  # noqa: S105 - not a secret
    pass_value: Annotated[int, Field(ge=0, le=100_000)] = 3
    alignments: Annotated[list[AlignmentIO], Field(max_length=30)] = []
    achievement_type: Annotated[str, Field(max_length=40)] = "MicroCredential"
    award_rule: AwardRule = AwardRule.REVIEW
    pd_hours: Annotated[Decimal, Field(ge=0, le=999, max_digits=5, decimal_places=2)] = Decimal(0)
    validity_months: Annotated[int | None, Field(ge=1, le=240)] = None
    module_family_ids: Annotated[list[uuid.UUID], Field(max_length=50)] = []
    pathway_id: uuid.UUID | None = None

    def fields(self) -> dict[str, Any]:
        """The service's field dictionary."""
        return self.model_dump(mode="python")


class MicroCredentialPatch(MicroCredentialWrite):
    """Only the fields sent change; the rest keep their values."""

    name: Short = ""
    description: Long = ""
    criteria: Long = ""


class MicroCredentialRead(BaseModel):
    """One version of a micro-credential definition."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    family_id: uuid.UUID
    version: int
    is_current: bool
    status: DefinitionStatus
    organization_id: uuid.UUID
    name: str
    description: str
    criteria: str
    competencies: list[str]
    evidence_requirements: list[EvidenceRequirementIO]
    rubric: list[RubricCriterionIO]
    pass_rule: str
    pass_value: int
    pass_rule_text: str
    alignments: list[AlignmentIO]
    achievement_type: str
    award_rule: AwardRule
    pd_hours: Decimal
    validity_months: int | None
    module_family_ids: list[uuid.UUID]
    pathway_id: uuid.UUID | None
    image_url: str
    achievement_url: str
    published_at: datetime | None

    @classmethod
    def of(cls, definition: MicroCredential, base_url: str, rule_text: str) -> MicroCredentialRead:
        """The read shape of a definition."""
        url = f"{base_url}/micro-credentials/{definition.id}"
        return cls.model_validate(
            {
                **{
                    name: getattr(definition, name)
                    for name in cls.model_fields
                    if hasattr(definition, name)
                },
                "module_family_ids": [m.module_family_id for m in definition.modules],
                "pass_rule_text": rule_text,
                "image_url": f"{url}/image",
                "achievement_url": url,
            }
        )
