"""Personal recommendations: goals, self-assessment gaps, grade band, subject and colleagues.

Deterministic: the same data always gives the same list, in the same order, with reasons.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import Invalid
from app.models import (
    Enrollment,
    EnrollmentStatus,
    LearnerProfile,
    Membership,
    Module,
    ModuleStandard,
    SelfRating,
    Standard,
    User,
)
from app.services.learning.catalog import visible_modules

LEVELS = {1: "beginning", 2: "developing", 3: "proficient", 4: "leading"}
GAP = 2
LIMIT = 5
STOPWORDS = frozenset(
    [
        "about",
        "after",
        "also",
        "and",
        "are",
        "for",
        "from",
        "have",
        "how",
        "into",
        "more",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "want",
        "what",
        "when",
        "with",
        "your",
        "use",
        "using",
        "better",
        "learn",
        "my",
        "our",
    ]
)
_WORD = re.compile(r"[a-z][a-z0-9-]{2,}")


@dataclass(frozen=True)
class Recommendation:
    """A module to suggest, and why."""

    module: Module
    score: float
    reasons: list[str]


def profile_of(db: Session, user: User) -> tuple[LearnerProfile | None, dict[uuid.UUID, int]]:
    """The teacher's profile and self-ratings by standard id."""
    profile = db.scalar(select(LearnerProfile).where(LearnerProfile.user_id == user.id))
    ratings = {
        r.standard_id: r.rating
        for r in db.scalars(select(SelfRating).where(SelfRating.user_id == user.id))
    }
    return profile, ratings


def save_profile(
    db: Session, user: User, *, goals: str, grade_band: str, subject: str, ratings: dict[str, str]
) -> None:
    """Store goals, grade band, subject and self-ratings (1-4 per standard code, or blank)."""
    if len(goals) > 2000:
        raise Invalid("Keep your goals under 2,000 characters.", field="goals")
    if len(grade_band) > 40 or len(subject) > 80:
        raise Invalid("Grade band or subject is too long.", field="grade_band")
    standards = {s.code: s for s in db.scalars(select(Standard))}
    parsed: dict[uuid.UUID, int | None] = {}
    for code, value in ratings.items():
        if code not in standards:
            raise Invalid("Rate yourself only on the standards listed.", field="_form")
        if value and value not in {"1", "2", "3", "4"}:
            raise Invalid(f"Choose a level for {code}.", field=f"rating-{code}")
        parsed[standards[code].id] = int(value) if value else None
    profile = db.scalar(select(LearnerProfile).where(LearnerProfile.user_id == user.id))
    if profile is None:
        profile = LearnerProfile(user_id=user.id)
        db.add(profile)
    profile.goals, profile.grade_band, profile.subject = (
        goals.strip(),
        grade_band.strip(),
        subject.strip(),
    )
    existing = {
        r.standard_id: r
        for r in db.scalars(select(SelfRating).where(SelfRating.user_id == user.id))
    }
    for standard_id, rating in parsed.items():
        row = existing.get(standard_id)
        if rating is None and row is not None:
            db.delete(row)
        elif rating is not None and row is None:
            db.add(SelfRating(user_id=user.id, standard_id=standard_id, rating=rating))
        elif rating is not None and row is not None:
            row.rating = rating


def _goal_words(goals: str) -> list[tuple[str, list[str]]]:
    """(goal line, its meaningful words) for each goal the teacher wrote (one per line)."""
    result: list[tuple[str, list[str]]] = []
    for line in goals.splitlines():
        words = [w for w in _WORD.findall(line.lower()) if w not in STOPWORDS]
        if words:
            result.append((line.strip(), words))
    return result


@dataclass(frozen=True)
class _Candidate:
    id: uuid.UUID
    family_id: uuid.UUID
    title: str
    search_text: str
    grade_band: str
    subject: str


def recommend(db: Session, user: User, limit: int = LIMIT) -> list[Recommendation]:
    """Modules the teacher has not taken, best first, each with the reasons it was chosen."""
    profile, ratings = profile_of(db, user)
    taken = select(Enrollment.family_id).where(Enrollment.user_id == user.id)
    visible = visible_modules(user).where(Module.family_id.not_in(taken)).subquery()
    candidates = [
        _Candidate(r.id, r.family_id, r.title, r.search_text, r.grade_band, r.subject)
        for r in db.execute(
            select(
                visible.c.id,
                visible.c.family_id,
                visible.c.title,
                visible.c.search_text,
                visible.c.grade_band,
                visible.c.subject,
            )
        )
    ]
    gaps = {sid: level for sid, level in ratings.items() if level <= GAP}
    aligned: dict[uuid.UUID, list[Standard]] = {}
    if gaps:
        for module_id, standard in db.execute(
            select(ModuleStandard.module_id, Standard)
            .join(Standard, Standard.id == ModuleStandard.standard_id)
            .where(
                ModuleStandard.standard_id.in_(gaps),
                ModuleStandard.module_id.in_(select(visible.c.id)),
            )
            .order_by(Standard.code)
        ):
            aligned.setdefault(module_id, []).append(standard)
    colleagues = _colleague_completions(db, user)
    goals = _goal_words(profile.goals) if profile else []
    scored = []
    for candidate in candidates:
        score, reasons = _score(
            candidate,
            aligned.get(candidate.id, []),
            profile,
            goals,
            gaps,
            colleagues.get(candidate.family_id, 0),
        )
        if score > 0:
            scored.append((score, candidate, reasons))
    scored.sort(key=lambda r: (-r[0], r[1].title.lower(), str(r[1].id)))
    top = scored[:limit]
    modules = {
        m.id: m for m in db.scalars(select(Module).where(Module.id.in_([c.id for _, c, _ in top])))
    }
    return [Recommendation(modules[c.id], score, reasons) for score, c, reasons in top]


def _score(
    module: _Candidate,
    standards: list[Standard],
    profile: LearnerProfile | None,
    goals: list[tuple[str, list[str]]],
    gaps: dict[uuid.UUID, int],
    colleagues: int,
) -> tuple[float, list[str]]:
    score, reasons = 0.0, []
    text = module.search_text.lower()
    for goal, words in goals:
        hits = [w for w in words if w in text]
        if hits:
            score += 3 + len(hits) * 0.5
            reasons.append(f"because you set the goal “{goal}”")
    for standard in standards:
        score += 3
        level = LEVELS[gaps[standard.id]]
        reasons.append(f"because you rated yourself {level} on {standard.code} {standard.name}")
    if profile and profile.grade_band and profile.grade_band == module.grade_band:
        score += 1
        reasons.append(f"it fits your grade band ({module.grade_band})")
    if profile and profile.subject and profile.subject.lower() == module.subject.lower():
        score += 1
        reasons.append(f"it is about your subject ({module.subject})")
    if colleagues:
        score += min(colleagues, 5) * 0.4
        people = "colleague" if colleagues == 1 else "colleagues"
        reasons.append(f"{colleagues} {people} in your organization completed it")
    return score, reasons


def _colleague_completions(db: Session, user: User) -> dict[uuid.UUID, int]:
    """Completions per module by other members of the teacher's organizations."""
    org_ids = [m.organization_id for m in user.memberships]
    rows = db.execute(
        select(Enrollment.family_id, func.count(func.distinct(Enrollment.user_id)))
        .join(Membership, Membership.user_id == Enrollment.user_id)
        .where(
            Membership.organization_id.in_(org_ids),
            Enrollment.status == EnrollmentStatus.COMPLETED,
            Enrollment.user_id != user.id,
        )
        .group_by(Enrollment.family_id)
    )
    return {row[0]: int(row[1]) for row in rows}
