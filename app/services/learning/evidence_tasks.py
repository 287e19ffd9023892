"""Evidence tasks: the micro-credential a module's evidence activity leads to.

An evidence activity's ``evidence_target`` holds the ``family_id`` of a micro-credential of the
module's organization (so it follows the credential's new versions). Older modules and imported
documents may hold free text instead; that text is shown as written, without a link.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import Invalid
from app.models import AwardRule, DefinitionStatus, MicroCredential, Module

UNKNOWN = "Choose one of this organization's micro-credentials (reviewed against evidence)."


@dataclass(frozen=True)
class EvidenceTarget:
    """What an evidence activity names: a micro-credential (linked) or the author's text."""

    text: str
    definition: MicroCredential | None = None

    @property
    def linked(self) -> bool:
        """Whether teachers can open the micro-credential's evidence page."""
        return self.definition is not None and self.definition.status == DefinitionStatus.PUBLISHED


def choices(db: Session, organization_id: uuid.UUID) -> list[MicroCredential]:
    """The organization's micro-credentials an evidence task can lead to: the current version
    of each family that is earned by evidence review and not archived, by name."""
    return list(
        db.scalars(
            select(MicroCredential)
            .where(
                MicroCredential.organization_id == organization_id,
                MicroCredential.is_current.is_(True),
                MicroCredential.award_rule == AwardRule.REVIEW,
                MicroCredential.status != DefinitionStatus.ARCHIVED,
            )
            .order_by(func.lower(MicroCredential.name))
        )
    )


def _family(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def resolve(db: Session, module: Module, value: str | None) -> EvidenceTarget | None:
    """The micro-credential an activity's ``evidence_target`` names (None when it names none)."""
    if not value:
        return None
    family = _family(value)
    if family is not None:
        definition = db.scalar(
            select(MicroCredential).where(
                MicroCredential.family_id == family,
                MicroCredential.organization_id == module.organization_id,
                MicroCredential.is_current.is_(True),
            )
        )
        if definition is not None:
            return EvidenceTarget(definition.name, definition)
        return EvidenceTarget("a micro-credential that no longer exists")
    return EvidenceTarget(value)


def checked_target(db: Session, module: Module, value: str | None, kept: str | None) -> str | None:
    """The ``evidence_target`` to store: empty, a micro-credential of the module's organization
    (by family id) or the value already stored (an older free-text name, kept as it was).
    Invalid (beside the field) for anything else."""
    if not value:
        return None
    if value == kept:
        return value
    family = _family(value)
    if family is None or family not in {d.family_id for d in choices(db, module.organization_id)}:
        raise Invalid(UNKNOWN, field="evidence_target")
    return str(family)
