"""The demo district: idempotent seed data so `make run` shows a living Laurel."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.demo.communities import seed_communities
from app.demo.learning import link_evidence_tasks, seed_learning
from app.demo.mentorship import seed_mentorship
from app.demo.microcredentials import seed_microcredentials
from app.demo.review import seed_review
from app.models import Organization, OrgKind, Role, User
from app.services.identity.passwords import hash_password, verify_password
from app.services.orgs import organizations
from app.settings import Settings

DEMO_ORG_SLUG = "riverbend"


@dataclass(frozen=True)
class DemoAccount:
    """A demo login printed by `make run`."""

    role: Role
    email: str
    display_name: str
    password: str


DEMO_ACCOUNTS = (
    DemoAccount(Role.ADMIN, "admin@riverbend.example", "Dana Whitfield", "laurel-demo-admin"),
    DemoAccount(Role.COACH, "coach@riverbend.example", "Marcus Oyelaran", "laurel-demo-coach"),
    DemoAccount(Role.TEACHER, "teacher@riverbend.example", "Priya Raman", "laurel-demo-teacher"),
    DemoAccount(Role.TEACHER, "teacher2@riverbend.example", "Luis Ortega", "laurel-demo-teacher2"),
)


def seed_demo(db: Session, settings: Settings) -> list[DemoAccount]:
    """Create (or repair) the demo district and its accounts; running it twice changes nothing."""
    org = db.scalar(select(Organization).where(Organization.slug == DEMO_ORG_SLUG))
    if org is None:
        org = organizations.create_organization(
            db,
            None,
            slug=DEMO_ORG_SLUG,
            name="Riverbend Unified School District",
            kind=OrgKind.DISTRICT,
            url="https://riverbend.example",
            email="pd@riverbend.example",
        )
    people = []
    for account in DEMO_ACCOUNTS:
        user = db.scalar(select(User).where(User.email == account.email))
        if user is None:
            user = User(email=account.email, display_name=account.display_name)
            db.add(user)
        if not verify_password(user.password_hash, account.password):
            user.password_hash = hash_password(account.password)
        user.email_verified_at = user.email_verified_at or utcnow()
        db.flush()
        organizations.add_member(db, org, user, account.role)
        people.append(user)
    seed_communities(db, settings, org, people)
    seed_learning(db, org)
    seed_microcredentials(db, settings, org, people)
    link_evidence_tasks(db, org)
    seed_review(db, settings, org, people)
    seed_mentorship(db, settings, org, people)
    return list(DEMO_ACCOUNTS)
