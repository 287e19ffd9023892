"""A small, known organization for the impact tests: three teachers in one school, a coach and an
admin; one module, one micro-credential, a survey answer, a review, a pathway and a post."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import (
    Community,
    Decision,
    Enrollment,
    EnrollmentStatus,
    EvidenceAttempt,
    LearnerProfile,
    Membership,
    Module,
    ModuleFeedback,
    Organization,
    Pathway,
    PathwayCompletion,
    PathwayStep,
    Post,
    Review,
    ReviewKind,
    Role,
    Submission,
    SubmissionStatus,
    Thread,
    User,
)
from app.services.identity import access_tokens
from tests.learning_support import published
from tests.review.support import make_definition
from tests.support import make_org, make_user

SCHOOL = "Hillcrest Elementary"
NUMBER = re.compile(r"^[\d,]+(\.\d+)?( %)?$")


@dataclass
class SmallOrg:
    """The cast and what they did."""

    org: Organization
    admin: User
    coach: User
    teachers: list[User]
    other_admin: User
    module: Module


def _membership(db: Session, org: Organization, user: User) -> Membership:
    return next(m for m in user.memberships if m.organization_id == org.id)


def small_org(db: Session, slug: str = "riverbend") -> SmallOrg:
    """Three teachers in one school: one completed the module (2 PD hours), rated it 5 with a
    comment, earned the micro-credential on the first try and finished the pathway; one is
    working on it; one did nothing. Dates are a few days ago (inside the default period)."""
    org = make_org(db, slug)
    other = make_org(db, f"{slug}-lakeside")
    admin = make_user(db, f"admin@{slug}.org", org=org, role=Role.ADMIN, name="Ada Admin")
    coach = make_user(db, f"coach@{slug}.org", org=org, role=Role.COACH, name="Cora Coach")
    other_admin = make_user(db, f"admin@lake-{slug}.org", org=other, role=Role.ADMIN)
    teachers = [
        make_user(db, f"t{n}@{slug}.org", org=org, name=f"Teacher Number{n}") for n in range(3)
    ]
    for n, teacher in enumerate(teachers):
        _membership(db, org, teacher).school = SCHOOL
        db.add(
            LearnerProfile(
                user_id=teacher.id,
                subject="Mathematics",
                grade_band="3-5",
                share_demographics=n == 0,
                gender="Woman" if n == 0 else "Man",
            )
        )
    module = published(db, org, "Exit Tickets That Work")
    now = utcnow()
    done = Enrollment(
        user_id=teachers[0].id,
        module_id=module.id,
        family_id=module.family_id,
        status=EnrollmentStatus.COMPLETED,
        enrolled_at=now - timedelta(days=10),
        completed_at=now - timedelta(days=3),
        pd_hours_awarded=Decimal("2.00"),
    )
    going = Enrollment(
        user_id=teachers[1].id,
        module_id=module.id,
        family_id=module.family_id,
        enrolled_at=now - timedelta(days=5),
    )
    db.add_all([done, going])
    db.flush()
    db.add(
        ModuleFeedback(
            enrollment_id=done.id, module_id=module.id, rating=5, comment="Loved the exit tickets"
        )
    )
    definition = make_definition(db, org)
    submission = Submission(
        organization_id=org.id,
        micro_credential_id=definition.id,
        user_id=teachers[0].id,
        status=SubmissionStatus.EARNED,
        submitted_at=now - timedelta(days=2),
        decided_at=now - timedelta(days=2) + timedelta(hours=2),
        reviewer_id=coach.id,
    )
    db.add(submission)
    db.flush()
    attempt = EvidenceAttempt(
        submission_id=submission.id, number=1, submitted_at=submission.submitted_at
    )
    db.add(attempt)
    db.flush()
    db.add(
        Review(
            organization_id=org.id,
            attempt_id=attempt.id,
            reviewer_id=coach.id,
            kind=ReviewKind.PRIMARY,
            decision=Decision.EARNED,
            decided_at=submission.decided_at,
            turnaround_seconds=7200,
        )
    )
    pathway = Pathway(organization_id=org.id, title="Assessment for learning")
    db.add(pathway)
    db.flush()
    db.add(PathwayStep(pathway_id=pathway.id, family_id=module.family_id, position=0))
    db.add(PathwayCompletion(user_id=teachers[0].id, pathway_id=pathway.id, completed_at=now))
    community = Community(organization_id=org.id, slug="math", name="Math teachers")
    db.add(community)
    db.flush()
    thread = Thread(community_id=community.id, author_id=teachers[0].id, title="Hello")
    db.add(thread)
    db.flush()
    db.add(
        Post(
            thread_id=thread.id,
            community_id=community.id,
            author_id=teachers[0].id,
            is_opening=True,
            body="Hello",
            body_html="<p>Hello</p>",
        )
    )
    db.commit()
    return SmallOrg(org, admin, coach, teachers, other_admin, module)


def bearer(db: Session, user: User, scopes: list[str] | None = None) -> dict[str, str]:
    """An Authorization header with a fresh token of the user's."""
    _, raw = access_tokens.create_token(
        db,
        user,
        name=f"t-{uuid.uuid4().hex[:6]}",
        scopes=scopes or ["impact:read"],
        expires_in_days=1,
    )
    db.commit()
    return {"Authorization": f"Bearer {raw}"}


def shown_numbers(texts: list[str]) -> list[float]:
    """The numbers among displayed texts ("1,234", "2.0", "45 %")."""
    out = []
    for text in texts:
        text = text.strip()
        if NUMBER.match(text):
            out.append(float(text.replace(",", "").replace(" %", "")))
    return out
