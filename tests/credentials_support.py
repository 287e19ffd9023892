"""Helpers for credential tests: issuing one through the service."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from app.models import IssuedCredential, Organization, User
from app.services.credentials import issuing as credentials
from app.settings import Settings


def spec(name: str = "Culturally Responsive Teaching") -> credentials.AchievementSpec:
    """A micro-credential definition."""
    return credentials.AchievementSpec(
        id=f"https://laurel.example/achievements/{uuid.uuid5(uuid.NAMESPACE_URL, name)}",
        name=name,
        description="Plans and teaches lessons that draw on students' cultures.",
        criteria="Submit a lesson plan and a reflection; a coach scores it against the rubric.",
        alignments=(("ISTE Standards for Educators 2.3", "https://iste.org/standards/educators"),),
        credits=3.0,
    )


def issue_to(
    db: Session,
    settings: Settings,
    org: Organization,
    user: User,
    *,
    name: str = "Culturally Responsive Teaching",
    key: str | None = None,
    valid_until: datetime | None = None,
    public: bool = False,
) -> IssuedCredential:
    """Issue a credential to a user and commit."""
    row = credentials.issue_credential(
        db,
        settings,
        credentials.IssueRequest(
            organization=org,
            recipient_email=user.email,
            recipient_user=user,
            achievement=spec(name),
            idempotency_key=key or f"test:{uuid.uuid4()}",
            valid_until=valid_until,
        ),
    )
    row.is_public = public
    db.commit()
    return row
