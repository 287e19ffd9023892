"""Helpers for micro-credential tests: a valid definition's fields and a factory."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from sqlalchemy.orm import Session

from app.models import MicroCredential, Organization, Role, User
from app.services.microcredentials import definitions as microcredentials
from app.settings import Settings
from tests.support import make_user

LEVELS = ("Beginning", "Developing", "Proficient", "Exemplary")


def rubric(criteria: int = 3) -> list[dict[str, Any]]:
    """A rubric of ``criteria`` criteria by four levels (1 to 4 points)."""
    return [
        {
            "key": f"c{i}",
            "name": f"Criterion {i}",
            "description": f"What criterion {i} looks at.",
            "levels": [
                {"level": n, "label": label, "descriptor": f"{label} work on {i}", "points": n}
                for n, label in enumerate(LEVELS, 1)
            ],
        }
        for i in range(1, criteria + 1)
    ]


def fields(**overrides: Any) -> dict[str, Any]:
    """A valid reviewed definition's fields."""
    base: dict[str, Any] = {
        "name": "Formative Assessment in Practice",
        "description": "Uses quick checks for understanding to adjust teaching.",
        "criteria": "Submit a lesson plan, student work and a reflection.",
        "competencies": ["Formative assessment", "Feedback"],
        "evidence_requirements": [
            {"kind": "reflection", "label": "Reflection", "guidance": "500 words."},
            {"kind": "files", "label": "Lesson plan", "guidance": "PDF.", "required": True},
        ],
        "rubric": rubric(),
        "pass_rule": "min_level",
        "pass_value": 3,
        "alignments": [
            {
                "name": "ISTE Standards for Educators 7a",
                "url": "https://iste.org/standards/educators",
                "code": "7a",
                "framework": "ISTE",
            }
        ],
        "achievement_type": "MicroCredential",
        "award_rule": "review",
        "pd_hours": "3",
        "validity_months": "",
    }
    base.update(overrides)
    return base


def admin_of(db: Session, org: Organization) -> User:
    """An administrator of the organization (created once)."""
    email = f"mc-admin@{org.slug}.org"
    found = db.query(User).filter_by(email=email).one_or_none()
    return found or make_user(db, email, org=org, role=Role.ADMIN)


def make_definition(
    db: Session,
    org: Organization,
    settings: Settings | None = None,
    *,
    publish: bool = True,
    **overrides: Any,
) -> MicroCredential:
    """A definition of ``org`` (published unless told otherwise), committed."""
    admin = admin_of(db, org)
    definition = microcredentials.create(
        db, settings or Settings(), admin, org, fields(**overrides)
    )
    if publish:
        microcredentials.publish(db, admin, definition)
    db.commit()
    return definition


def png(size: int = 64, color: str = "teal") -> bytes:
    """A real PNG image."""
    out = io.BytesIO()
    Image.new("RGB", (size, size), color).save(out, "PNG")
    return out.getvalue()
