"""A large synthetic data set for performance tests and benchmarks (`laurel seed-scale`)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import (
    Activity,
    ActivityKind,
    Enrollment,
    EnrollmentStatus,
    Membership,
    Module,
    ModuleStandard,
    ModuleStatus,
    Organization,
    Role,
    Section,
    Standard,
    User,
)
from app.services.identity.passwords import hash_password
from app.services.orgs import organizations

SUBJECTS = (
    "Mathematics",
    "Science",
    "English language arts",
    "Assessment",
    "Inclusion",
    "Leadership",
)
BANDS = ("K-2", "3-5", "6-8", "9-12", "K-12")
WORDS = [
    "formative",
    "feedback",
    "inquiry",
    "literacy",
    "discourse",
    "collaboration",
    "coding",
    "data",
    "equity",
    "projects",
    "assessment",
    "reading",
    "writing",
    "fractions",
    "ecosystems",
    "citizenship",
    "planning",
    "questioning",
]
SCALE_PASSWORD = "laurel-scale-teacher"  # noqa: S105 - synthetic accounts for benchmarks
CHUNK = 5000


@dataclass(frozen=True)
class ScaleResult:
    """What was created, and a teacher to sign in as."""

    organization_slug: str
    modules: int
    teachers: int
    enrollments: int
    sample_email: str
    password: str = SCALE_PASSWORD


def _bulk(db: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.execute(insert(model), rows[start : start + CHUNK])


def _standards(db: Session) -> list[uuid.UUID]:
    ids = []
    for n in range(1, 8):
        code = f"ISTE-E-2.{n}"
        standard = db.scalar(select(Standard).where(Standard.code == code))
        if standard is None:
            standard = Standard(code=code, name=f"Educator standard 2.{n}", url=None)
            db.add(standard)
            db.flush()
        ids.append(standard.id)
    return ids


def _module_rows(
    rng: random.Random, org_id: uuid.UUID, count: int, standard_ids: list[uuid.UUID]
) -> tuple[list[dict[str, Any]], ...]:
    modules, sections, activities, alignments = [], [], [], []
    now = utcnow()
    for n in range(count):
        module_id = uuid.uuid4()
        words = rng.sample(WORDS, 4)
        title = f"{words[0].title()} and {words[1]} #{n + 1}"
        summary = f"Practical {words[2]} strategies with {words[3]} for busy teachers."
        subject = rng.choice(SUBJECTS)
        chosen = rng.sample(standard_ids, 2)
        modules.append(
            {
                "id": module_id,
                "organization_id": org_id,
                "family_id": uuid.uuid4(),
                "version": 1,
                "status": ModuleStatus.PUBLISHED,
                "is_current": True,
                "title": title,
                "summary": summary,
                "grade_band": rng.choice(BANDS),
                "subject": subject,
                "language": "en",
                "estimated_minutes": rng.choice((20, 30, 45, 60, 90, 120)),
                "pd_hours": Decimal(rng.choice(("0.5", "1.0", "1.5", "2.0"))),
                "tags": words[:2],
                "search_text": f"{title}\n{summary}\n{subject}\n{' '.join(words[:2])}",
                "published_at": now - timedelta(days=n),
                "created_at": now,
                "updated_at": now,
            }
        )
        alignments += [{"module_id": module_id, "standard_id": s} for s in chosen]
        for s_pos in range(2):
            section_id = uuid.uuid4()
            sections.append(
                {
                    "id": section_id,
                    "module_id": module_id,
                    "position": s_pos,
                    "title": f"Part {s_pos + 1}",
                }
            )
            for a_pos, kind in enumerate(
                (ActivityKind.READING, ActivityKind.REFLECTION, ActivityKind.READING)
            ):
                activities.append(
                    {
                        "id": uuid.uuid4(),
                        "section_id": section_id,
                        "module_id": module_id,
                        "key": uuid.uuid4(),
                        "position": a_pos,
                        "kind": kind,
                        "title": f"{kind.value.title()} {s_pos + 1}.{a_pos + 1}",
                        "required": True,
                        "body": f"About {words[0]}.",
                        "questions": [],
                    }
                )
    return modules, sections, activities, alignments


def seed_scale(
    db: Session,
    *,
    modules: int = 500,
    teachers: int = 5000,
    enrollments: int = 50_000,
    seed: int = 1,
    org: Organization | None = None,
) -> ScaleResult:
    """Add an organization with many modules, teachers and enrollments (fast bulk inserts)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    slug = org.slug if org else f"scale-{uuid.uuid4().hex[:6]}"
    if org is None:
        org = organizations.create_organization(db, None, slug=slug, name=f"Scale District {slug}")
    module_rows, sections, activities, alignments = _module_rows(
        rng, org.id, modules, _standards(db)
    )
    _bulk(db, Module, module_rows)
    _bulk(db, Section, sections)
    _bulk(db, Activity, activities)
    _bulk(db, ModuleStandard, alignments)
    password_hash = hash_password(SCALE_PASSWORD)
    now = utcnow()
    users = [
        {
            "id": uuid.uuid4(),
            "email": f"teacher{n}-{seed}@{slug}.example",
            "display_name": f"Teacher {n}",
            "password_hash": password_hash,
            "email_verified_at": now,
            "is_platform_admin": False,
            "is_active": True,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(teachers)
    ]
    _bulk(db, User, users)
    _bulk(
        db,
        Membership,
        [
            {
                "id": uuid.uuid4(),
                "user_id": u["id"],
                "organization_id": org.id,
                "role": Role.TEACHER,
                "created_at": now,
                "updated_at": now,
            }
            for u in users
        ],
    )
    pairs: set[tuple[int, int]] = set()
    limit = min(enrollments, teachers * modules)
    while len(pairs) < limit:
        pairs.add((rng.randrange(teachers), rng.randrange(modules)))
    rows = []
    for t, m in sorted(pairs):
        done = rng.random() < 0.4
        module = module_rows[m]
        rows.append(
            {
                "id": uuid.uuid4(),
                "user_id": users[t]["id"],
                "module_id": module["id"],
                "family_id": module["family_id"],
                "status": EnrollmentStatus.COMPLETED if done else EnrollmentStatus.ACTIVE,
                "enrolled_at": now - timedelta(days=30),
                "completed_at": now - timedelta(days=1) if done else None,
                "pd_hours_awarded": module["pd_hours"] if done else None,
                "created_at": now,
                "updated_at": now,
            }
        )
    _bulk(db, Enrollment, rows)
    db.flush()
    db.execute(text("ANALYZE"))  # fresh planner statistics, as autovacuum would give later
    return ScaleResult(slug, modules, teachers, len(rows), str(users[0]["email"]) if users else "")
