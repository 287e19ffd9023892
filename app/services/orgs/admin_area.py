"""The organization's admin area: which organizations a person administers, and the small
counts its hub shows beside each section (one grouped query per table, whatever the size)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Forbidden
from app.models import (
    Invitation,
    IssuedCredential,
    Membership,
    MicroCredential,
    Module,
    Organization,
    Role,
    Submission,
    SubmissionStatus,
    User,
)
from app.services.orgs.permissions import can_manage_members, listed_member


@dataclass(frozen=True)
class Overview:
    """What the hub counts for one organization."""

    members: dict[Role, int]
    pending_invitations: int
    modules: int
    micro_credentials: int
    credentials_active: int
    credentials_revoked: int
    waiting_review: int

    @property
    def member_total(self) -> int:
        """Everyone, whatever their role."""
        return sum(self.members.values())


def administered(db: Session, user: User) -> list[Organization]:
    """The organizations whose admin area the person may open, by name: every one for a
    platform administrator, otherwise those where they hold the admin role."""
    if user.is_platform_admin:
        return list(db.scalars(select(Organization).order_by(func.lower(Organization.name))))
    orgs = [m.organization for m in user.memberships if can_manage_members(user, m.organization_id)]
    return sorted(orgs, key=lambda org: org.name.lower())


def _count(db: Session, model: type, *where: object) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def overview(db: Session, viewer: User, org: Organization) -> Overview:
    """The hub's counts (administrators of the organization and platform administrators)."""
    if not can_manage_members(viewer, org.id):
        raise Forbidden("Only administrators open the admin area.")
    roles = dict(
        db.execute(
            select(Membership.role, func.count())
            .join(User, User.id == Membership.user_id)
            .where(Membership.organization_id == org.id, listed_member())
            .group_by(Membership.role)
        ).all()
    )
    revoked = IssuedCredential.revoked_at.is_not(None)
    credentials = {
        bool(is_revoked): count
        for is_revoked, count in db.execute(
            select(revoked, func.count())
            .where(
                IssuedCredential.organization_id == org.id,
                IssuedCredential.superseded_at.is_(None),
            )
            .group_by(revoked)
        ).all()
    }
    return Overview(
        members={role: roles.get(role, 0) for role in Role},
        pending_invitations=_count(
            db,
            Invitation,
            Invitation.organization_id == org.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        ),
        modules=_count(db, Module, Module.organization_id == org.id, Module.is_current),
        micro_credentials=_count(
            db,
            MicroCredential,
            MicroCredential.organization_id == org.id,
            MicroCredential.is_current,
        ),
        credentials_active=credentials.get(False, 0),
        credentials_revoked=credentials.get(True, 0),
        waiting_review=_count(
            db,
            Submission,
            Submission.organization_id == org.id,
            Submission.status == SubmissionStatus.SUBMITTED,
        ),
    )
