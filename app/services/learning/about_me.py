"""What a teacher tells Laurel about where and whom she teaches, beyond goals: her school in each
organization, and optional demographics that reports may count (off by default).

Demographics are counted only while ``share_demographics`` is on, and only in groups of at least
the organization's minimum cell size (never with her name). Turning sharing off deletes the
answers, so withdrawn data cannot be counted again by mistake."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Invalid
from app.models import LearnerProfile, Membership, User

GENDERS = ("Woman", "Man", "Non-binary", "Another gender", "Prefer not to say")
RACES = (
    "American Indian or Alaska Native",
    "Asian",
    "Black or African American",
    "Hispanic or Latino",
    "Native Hawaiian or Other Pacific Islander",
    "White",
    "Two or more races",
    "Another race or ethnicity",
    "Prefer not to say",
)
YEARS = ("0-2", "3-5", "6-10", "11-20", "21 or more", "Prefer not to say")
CHOICES = {"gender": GENDERS, "race_ethnicity": RACES, "years_experience": YEARS}
SCHOOL_MAX = 200


def memberships_of(user: User) -> list[Membership]:
    """The teacher's memberships, by organization name (for one school field each)."""
    return sorted(user.memberships, key=lambda m: m.organization.name.lower())


def save_about_me(
    db: Session,
    user: User,
    *,
    schools: dict[str, str],
    share: bool,
    answers: dict[str, str],
) -> None:
    """Store her school per membership (``schools`` maps membership ids to names; others are left
    as they are) and, when she shares, her demographic answers; when she does not, clear them."""
    mine = {str(m.id): m for m in user.memberships}
    for membership_id, school in schools.items():
        membership = mine.get(membership_id)
        if membership is None:
            raise Invalid("Give a school only for your own organizations.", field="_form")
        if len(school.strip()) > SCHOOL_MAX:
            raise Invalid(
                "Keep the school name under 200 characters.", field=f"school-{membership_id}"
            )
        membership.school = school.strip()
    for name, value in answers.items():
        if name not in CHOICES:
            raise Invalid("That is not one of the questions.", field="_form")
        if value and value not in CHOICES[name]:
            raise Invalid("Choose one of the options listed, or leave it blank.", field=name)
    profile = db.scalar(select(LearnerProfile).where(LearnerProfile.user_id == user.id))
    if profile is None:
        profile = LearnerProfile(user_id=user.id)
        db.add(profile)
    profile.share_demographics = share
    profile.gender = answers.get("gender", "") if share else ""
    profile.race_ethnicity = answers.get("race_ethnicity", "") if share else ""
    profile.years_experience = answers.get("years_experience", "") if share else ""
