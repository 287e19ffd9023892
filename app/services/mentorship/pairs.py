"""Mentorship: admins pair coaches with teachers; the pair sets goals and talks on a coaching page.

Only the coach and the teacher of a mentorship may see it (anyone else gets "not found").
This module assigns, ends and finds mentorships; ``goals`` and ``messages`` hold the page's
goals and conversation, ``progress`` the mentee's progress.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.kit import audit, links, once
from app.kit.keyset import Order, PageRequest, Slice, sort_key
from app.models import Membership, Mentorship, Organization, Role, User
from app.services.mentorship.progress import Progress, progress_of
from app.services.notifications import delivery as notifications
from app.settings import Settings

KIND = "coaching"
notifications.register_kind(
    KIND, "Your coach or mentee sends a message, sets a goal or is assigned"
)
COACH_ROLES = (Role.COACH, Role.ADMIN)
MENTORSHIP_ORDER = Order(
    sort_key(Mentorship.ended_at.is_not(None)),
    sort_key(Mentorship.created_at, descending=True),
    sort_key(Mentorship.id),
)


@dataclass(frozen=True)
class Mentee:
    """One of a coach's active mentorships and the teacher's progress."""

    mentorship: Mentorship
    progress: Progress


# Assigning and ending (organization administrators)


def _role_of(db: Session, org: Organization, user_id: uuid.UUID) -> tuple[User, Role] | None:
    row = db.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == org.id, User.id == user_id)
    ).first()
    return (row[0], row[1]) if row else None


def assign(
    db: Session,
    settings: Settings,
    org: Organization,
    actor: User,
    *,
    coach_id: uuid.UUID,
    teacher_id: uuid.UUID,
) -> Mentorship:
    """Pair a coach (a coach or admin of the organization) with a member of it."""
    coach = _role_of(db, org, coach_id)
    if coach is None or coach[1] not in COACH_ROLES:
        raise Invalid(f"Choose a coach or administrator of {org.name}.", field="coach_id")
    teacher = _role_of(db, org, teacher_id)
    if teacher is None:
        raise Invalid(f"Choose a member of {org.name}.", field="teacher_id")
    if coach_id == teacher_id:
        raise Invalid("A coach cannot mentor themselves.", field="teacher_id")
    mentorship = Mentorship(
        organization_id=org.id, coach_id=coach_id, teacher_id=teacher_id, assigned_by_id=actor.id
    )
    try:
        with db.begin_nested():
            if _active_pair(db, org, coach_id, teacher_id):
                raise Conflict(
                    f"{coach[0].display_name} already mentors {teacher[0].display_name}."
                )
            db.add(mentorship)
    except IntegrityError as exc:  # the same pair assigned at the same moment elsewhere
        raise Conflict(
            f"{coach[0].display_name} already mentors {teacher[0].display_name}."
        ) from exc
    audit.record(
        db,
        "mentorship.assigned",
        mentorship,
        actor=actor,
        coach_id=str(coach_id),
        teacher_id=str(teacher_id),
    )
    url = links.COACHING.path_for(mentorship_id=mentorship.id)
    notifications.notify(
        db,
        settings,
        teacher[0],
        KIND,
        f"{coach[0].display_name} is now your coach",
        url,
        actor=actor,
    )
    notifications.notify(
        db, settings, coach[0], KIND, f"You now coach {teacher[0].display_name}", url, actor=actor
    )
    return mentorship


def _active_pair(
    db: Session, org: Organization, coach_id: uuid.UUID, teacher_id: uuid.UUID
) -> bool:
    return (
        db.scalar(
            select(Mentorship.id).where(
                Mentorship.organization_id == org.id,
                Mentorship.coach_id == coach_id,
                Mentorship.teacher_id == teacher_id,
                Mentorship.ended_at.is_(None),
            )
        )
        is not None
    )


def end(db: Session, org: Organization, actor: User, mentorship_id: uuid.UUID) -> Mentorship:
    """End an active mentorship (its goals and conversation are kept)."""
    mentorship = db.get(Mentorship, mentorship_id)
    if mentorship is None or mentorship.organization_id != org.id:
        raise NotFound("There is no such mentorship in this organization.")
    now = utcnow()
    once.change_or_refuse(
        db,
        mentorship,
        "This mentorship has already ended.",
        Mentorship.ended_at.is_(None),
        ended_at=now,
    )
    audit.record(db, "mentorship.ended", mentorship, actor=actor)
    return mentorship


def for_organization(db: Session, org: Organization) -> list[Mentorship]:
    """The organization's mentorships, active ones first, newest first."""
    return list(
        db.scalars(
            select(Mentorship)
            .where(Mentorship.organization_id == org.id)
            .order_by(Mentorship.ended_at.is_not(None), Mentorship.created_at.desc())
        ).unique()
    )


def candidates(db: Session, org: Organization) -> tuple[list[User], list[User]]:
    """Who can be assigned: (coaches and admins, all members), alphabetically."""
    rows = db.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == org.id, User.is_active.is_(True))
        .order_by(func.lower(User.display_name))
    ).all()
    coaches = [user for user, role in rows if role in COACH_ROLES]
    return coaches, [user for user, _role in rows]


# Reading (the coach and the teacher only)


def get_for(db: Session, user: User, mentorship_id: uuid.UUID) -> Mentorship:
    """A mentorship the user is the coach or the teacher of; NotFound for anyone else."""
    mentorship = db.get(Mentorship, mentorship_id)
    if mentorship is None or user.id not in (mentorship.coach_id, mentorship.teacher_id):
        raise NotFound("There is no such coaching page.")
    return mentorship


def view(db: Session, user: User, mentorship_id: uuid.UUID) -> Mentorship:
    """``get_for`` to show the coaching page, which shows the teacher's progress: when the
    coach opens it, the view goes in the audit trail (``profile.viewed``, the teacher as
    subject); the teacher's own visits are not recorded."""
    mentorship = get_for(db, user, mentorship_id)
    if user.id != mentorship.teacher_id:
        audit.record(
            db,
            "profile.viewed",
            mentorship.teacher,
            actor=user,
            organization_id=mentorship.organization_id,
            page="coaching",
            mentorship_id=str(mentorship.id),
        )
    return mentorship


def _mine(user: User) -> Select[Mentorship]:
    return select(Mentorship).where(
        or_(Mentorship.coach_id == user.id, Mentorship.teacher_id == user.id)
    )


def mine(db: Session, user: User, *, active_only: bool = False) -> list[Mentorship]:
    """Mentorships where the user is coach or teacher (active first, newest first)."""
    query = _mine(user)
    if active_only:
        query = query.where(Mentorship.ended_at.is_(None))
    return list(db.scalars(query.order_by(*MENTORSHIP_ORDER.clauses())).unique())


def mine_page(db: Session, user: User, page: PageRequest) -> Slice[Mentorship]:
    """A page of ``mine`` after a cursor."""
    return MENTORSHIP_ORDER.scalars(db, _mine(user), page)


def mentees(db: Session, coach: User) -> list[Mentee]:
    """The coach's active mentees with their progress, in a fixed number of queries."""
    rows = [m for m in mine(db, coach, active_only=True) if m.coach_id == coach.id]
    rows.sort(key=lambda m: m.teacher.display_name.lower())
    progress = progress_of(db, [(m.organization_id, m.teacher_id) for m in rows])
    return [Mentee(m, progress.get((m.organization_id, m.teacher_id), Progress())) for m in rows]


def coaches(db: Session, teacher: User) -> list[Mentorship]:
    """The teacher's active mentorships (their coaches)."""
    return [m for m in mine(db, teacher, active_only=True) if m.teacher_id == teacher.id]


def require_open(mentorship: Mentorship) -> None:
    """Conflict once the mentorship has ended (its page stays readable)."""
    if mentorship.ended_at is not None:
        raise Conflict("This mentorship has ended; its page is kept for reference.")


def other_party(mentorship: Mentorship, user: User) -> User:
    """The coach for the teacher, the teacher for the coach."""
    return mentorship.teacher if user.id == mentorship.coach_id else mentorship.coach
