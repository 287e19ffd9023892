"""Completion badges: micro-credentials earned by finishing linked modules or a pathway."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Award,
    AwardRule,
    DefinitionStatus,
    Enrollment,
    EnrollmentStatus,
    MicroCredential,
    MicroCredentialModule,
    PathwayCompletion,
    User,
)
from app.services.credentials import awards
from app.settings import Settings


def award_completions(
    db: Session,
    settings: Settings,
    user: User,
    family_id: uuid.UUID,
    pathway_ids: list[uuid.UUID],
) -> list[Award]:
    """Award every completion badge the user has now earned, in the caller's transaction.

    A badge linked to modules needs all of them completed; one linked to a pathway needs the
    pathway completed. Candidates are the published, current badges linked to the module just
    completed or to a pathway just completed.
    """
    linked = select(MicroCredentialModule.micro_credential_id).where(
        MicroCredentialModule.module_family_id == family_id
    )
    query = select(MicroCredential).where(
        MicroCredential.award_rule == AwardRule.COMPLETION,
        MicroCredential.status == DefinitionStatus.PUBLISHED,
        MicroCredential.is_current.is_(True),
        MicroCredential.id.in_(linked)
        | (MicroCredential.pathway_id.in_(pathway_ids) if pathway_ids else False),
    )
    candidates = list(db.scalars(query))
    if not candidates:
        return []
    completed = set(
        db.scalars(
            select(Enrollment.family_id).where(
                Enrollment.user_id == user.id, Enrollment.status == EnrollmentStatus.COMPLETED
            )
        )
    )
    finished_paths = set(
        db.scalars(select(PathwayCompletion.pathway_id).where(PathwayCompletion.user_id == user.id))
    )
    earned = []
    for definition in candidates:
        modules_done = all(m.module_family_id in completed for m in definition.modules)
        path_done = definition.pathway_id is None or definition.pathway_id in finished_paths
        if modules_done and path_done:
            earned.append(awards.record_award(db, settings, user=user, definition=definition))
    return earned
