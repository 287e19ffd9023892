"""Pathways: ordered modules, each teacher's progress along them, and recorded completions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.db import utcnow
from app.errors import Forbidden, Invalid, NotFound
from app.kit import audit
from app.models import (
    Award,
    AwardRule,
    DefinitionStatus,
    Enrollment,
    EnrollmentStatus,
    MicroCredential,
    Module,
    ModuleStatus,
    Pathway,
    PathwayCompletion,
    PathwayStep,
    User,
)
from app.services.learning.permissions import can_author_modules
from app.services.orgs.permissions import is_member


@dataclass(frozen=True)
class StepView:
    """One module in a pathway and where the teacher is with it."""

    module: Module | None
    status: str  # "completed", "in progress" or "not started"


@dataclass(frozen=True)
class PathwayView:
    """A pathway with the teacher's progress."""

    pathway: Pathway
    steps: list[StepView]
    completed_at: object | None
    credential: MicroCredential | None = None  # the pathway's stacked (completion) credential
    earned: Award | None = None  # the teacher's award of it, once issued to her

    @property
    def done_count(self) -> int:
        """How many modules are completed."""
        return sum(s.status == "completed" for s in self.steps)


def record_completions(db: Session, user: User, family_id: uuid.UUID) -> list[uuid.UUID]:
    """After a module is completed, record every pathway containing it that is now complete.

    Returns the pathways completed by this module (for their completion badges).
    """
    candidates = db.scalars(
        select(Pathway)
        .join(PathwayStep, PathwayStep.pathway_id == Pathway.id)
        .where(PathwayStep.family_id == family_id)
        .options(selectinload(Pathway.steps))
    ).unique()
    done: list[uuid.UUID] = []
    completed = set(
        db.scalars(
            select(Enrollment.family_id).where(
                Enrollment.user_id == user.id, Enrollment.status == EnrollmentStatus.COMPLETED
            )
        )
    )
    for pathway in candidates:
        if not all(step.family_id in completed for step in pathway.steps):
            continue
        exists = db.scalar(
            select(PathwayCompletion.id).where(
                PathwayCompletion.user_id == user.id, PathwayCompletion.pathway_id == pathway.id
            )
        )
        if exists is None:
            done.append(pathway.id)
            db.add(PathwayCompletion(user_id=user.id, pathway_id=pathway.id, completed_at=utcnow()))
            audit.record(db, "pathway.completed", pathway, actor=user)
    return done


def _label(status: EnrollmentStatus | None) -> str:
    if status == EnrollmentStatus.COMPLETED:
        return "completed"
    return "in progress" if status == EnrollmentStatus.ACTIVE else "not started"


def _views(db: Session, user: User, pathways: list[Pathway]) -> list[PathwayView]:
    families = {s.family_id for p in pathways for s in p.steps}
    modules = {
        m.family_id: m
        for m in db.scalars(
            select(Module).where(
                Module.family_id.in_(families),
                Module.is_current.is_(True),
                Module.status == ModuleStatus.PUBLISHED,
            )
        )
    }
    statuses = {
        e.family_id: e.status
        for e in db.scalars(
            select(Enrollment).where(
                Enrollment.user_id == user.id, Enrollment.family_id.in_(families)
            )
        )
    }
    done = {
        c.pathway_id: c.completed_at
        for c in db.scalars(select(PathwayCompletion).where(PathwayCompletion.user_id == user.id))
    }
    credentials = {
        d.pathway_id: d
        for d in db.scalars(
            select(MicroCredential).where(
                MicroCredential.pathway_id.in_([p.id for p in pathways]),
                MicroCredential.award_rule == AwardRule.COMPLETION,
                MicroCredential.status == DefinitionStatus.PUBLISHED,
                MicroCredential.is_current.is_(True),
            )
        )
    }
    families = {d.family_id for d in credentials.values()}
    awards = {
        a.micro_credential.family_id: a
        for a in db.scalars(
            select(Award)
            .join(MicroCredential, Award.micro_credential_id == MicroCredential.id)
            .where(Award.user_id == user.id, MicroCredential.family_id.in_(families))
        )
    }
    return [
        PathwayView(
            pathway=p,
            steps=[
                StepView(modules.get(s.family_id), _label(statuses.get(s.family_id)))
                for s in p.steps
            ],
            completed_at=done.get(p.id),
            credential=credentials.get(p.id),
            earned=awards.get(credentials[p.id].family_id) if p.id in credentials else None,
        )
        for p in pathways
    ]


def list_for(
    db: Session, user: User, organization_id: uuid.UUID | None = None
) -> list[PathwayView]:
    """Published pathways of the teacher's organizations (or of one), with progress."""
    org_ids = [m.organization_id for m in user.memberships]
    query = select(Pathway).where(Pathway.status == ModuleStatus.PUBLISHED)
    if organization_id is not None:
        query = query.where(Pathway.organization_id == organization_id)
    elif not user.is_platform_admin:
        query = query.where(Pathway.organization_id.in_(org_ids))
    pathways = list(db.scalars(query.options(selectinload(Pathway.steps)).order_by(Pathway.title)))
    return _views(db, user, pathways)


def get_for(db: Session, user: User, pathway_id: uuid.UUID) -> PathwayView:
    """One pathway with the teacher's progress."""
    pathway = db.scalar(
        select(Pathway).where(Pathway.id == pathway_id).options(selectinload(Pathway.steps))
    )
    if pathway is None or not is_member(user, pathway.organization_id):
        raise NotFound("There is no such pathway.")
    return _views(db, user, [pathway])[0]


def author_pathway(
    db: Session,
    actor: User,
    organization_id: uuid.UUID,
    *,
    title: str,
    summary: str,
    family_ids: list[uuid.UUID],
) -> Pathway:
    """An admin creates a published pathway over the organization's published modules, in order."""
    if not can_author_modules(actor, organization_id):
        raise Forbidden("Only administrators of this organization create pathways.")
    if not 3 <= len(title.strip()) <= 200:
        raise Invalid("Give the pathway a title of 3 to 200 characters.", field="title")
    if len(summary) > 2000:
        raise Invalid("Keep the summary under 2,000 characters.", field="summary")
    if not family_ids:
        raise Invalid("Choose at least one module, with its position.", field="modules")
    if len(set(family_ids)) != len(family_ids):
        raise Invalid("Each module can appear once.", field="modules")
    known = set(
        db.scalars(
            select(Module.family_id).where(
                Module.organization_id == organization_id,
                Module.family_id.in_(family_ids),
                Module.status == ModuleStatus.PUBLISHED,
            )
        )
    )
    if known != set(family_ids):
        raise Invalid("Choose published modules of this organization.", field="modules")
    pathway = create_pathway(db, organization_id, title.strip(), summary.strip(), family_ids)
    audit.record(db, "pathway.created", pathway, actor=actor)
    return pathway


def create_pathway(
    db: Session, organization_id: uuid.UUID, title: str, summary: str, family_ids: list[uuid.UUID]
) -> Pathway:
    """A published pathway over modules (used by the demo seed)."""
    pathway = Pathway(organization_id=organization_id, title=title, summary=summary)
    pathway.steps = [PathwayStep(family_id=f, position=i) for i, f in enumerate(family_ids)]
    db.add(pathway)
    db.flush()
    return pathway
