"""Pathways: ordered modules, each teacher's progress along them, and recorded completions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.db import utcnow
from app.errors import NotFound
from app.models import (
    Enrollment,
    EnrollmentStatus,
    Module,
    ModuleStatus,
    Pathway,
    PathwayCompletion,
    PathwayStep,
    User,
)
from app.security import policy
from app.services import audit


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

    @property
    def done_count(self) -> int:
        """How many modules are completed."""
        return sum(s.status == "completed" for s in self.steps)


def record_completions(db: Session, user_id: uuid.UUID, family_id: uuid.UUID) -> None:
    """After a module is completed, record every pathway containing it that is now complete."""
    candidates = db.scalars(
        select(Pathway)
        .join(PathwayStep, PathwayStep.pathway_id == Pathway.id)
        .where(PathwayStep.family_id == family_id)
        .options(selectinload(Pathway.steps))
    ).unique()
    completed = set(
        db.scalars(
            select(Enrollment.family_id).where(
                Enrollment.user_id == user_id, Enrollment.status == EnrollmentStatus.COMPLETED
            )
        )
    )
    for pathway in candidates:
        if not all(step.family_id in completed for step in pathway.steps):
            continue
        exists = db.scalar(
            select(PathwayCompletion.id).where(
                PathwayCompletion.user_id == user_id, PathwayCompletion.pathway_id == pathway.id
            )
        )
        if exists is None:
            db.add(PathwayCompletion(user_id=user_id, pathway_id=pathway.id, completed_at=utcnow()))
            audit.record(
                db,
                "pathway.completed",
                actor_id=user_id,
                organization_id=pathway.organization_id,
                target_type="pathway",
                target_id=pathway.id,
            )


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
    return [
        PathwayView(
            pathway=p,
            steps=[
                StepView(modules.get(s.family_id), _label(statuses.get(s.family_id)))
                for s in p.steps
            ],
            completed_at=done.get(p.id),
        )
        for p in pathways
    ]


def list_for(db: Session, user: User) -> list[PathwayView]:
    """Published pathways of the teacher's organizations, with progress."""
    org_ids = [m.organization_id for m in user.memberships]
    query = select(Pathway).where(Pathway.status == ModuleStatus.PUBLISHED)
    if not user.is_platform_admin:
        query = query.where(Pathway.organization_id.in_(org_ids))
    pathways = list(db.scalars(query.options(selectinload(Pathway.steps)).order_by(Pathway.title)))
    return _views(db, user, pathways)


def get_for(db: Session, user: User, pathway_id: uuid.UUID) -> PathwayView:
    """One pathway with the teacher's progress."""
    pathway = db.scalar(
        select(Pathway).where(Pathway.id == pathway_id).options(selectinload(Pathway.steps))
    )
    if pathway is None or not policy.is_member(user, pathway.organization_id):
        raise NotFound("There is no such pathway.")
    return _views(db, user, [pathway])[0]


def create_pathway(
    db: Session, organization_id: uuid.UUID, title: str, summary: str, family_ids: list[uuid.UUID]
) -> Pathway:
    """A published pathway over modules (used by the demo seed)."""
    pathway = Pathway(organization_id=organization_id, title=title, summary=summary)
    pathway.steps = [PathwayStep(family_id=f, position=i) for i, f in enumerate(family_ids)]
    db.add(pathway)
    db.flush()
    return pathway
