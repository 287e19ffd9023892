"""Helpers for the learning tests: module documents and published modules."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Module, ModuleStatus, Organization
from app.services.learning import module_io
from app.services.learning.module_document import ModuleDoc

QUIZ = {
    "kind": "quiz",
    "title": "Check your understanding",
    "pass_mark": 100,
    "questions": [
        {
            "id": "q1",
            "text": "What is an exit ticket?",
            "choices": [
                {"id": "a", "text": "A quick end-of-lesson check", "correct": True},
                {"id": "b", "text": "A hall pass"},
            ],
        },
        {
            "id": "q2",
            "text": "Which help? Choose all that apply.",
            "multiple": True,
            "choices": [
                {"id": "a", "text": "One question", "correct": True},
                {"id": "b", "text": "Tied to the goal", "correct": True},
                {"id": "c", "text": "Graded harshly"},
            ],
        },
    ],
}


def module_doc(title: str = "Exit Tickets That Work", **overrides: Any) -> dict[str, Any]:
    """A small valid module document."""
    doc: dict[str, Any] = {
        "title": title,
        "summary": "Quick formative checks at the end of a lesson.",
        "subject": "Assessment",
        "grade_band": "6-8",
        "estimated_minutes": 30,
        "pd_hours": "1.5",
        "tags": ["formative", "feedback"],
        "standards": [
            {"code": "ISTE-E-2.7", "name": "Analyst", "url": "https://iste.org/standards"}
        ],
        "sections": [
            {
                "title": "Learn",
                "activities": [
                    {
                        "kind": "reading",
                        "title": "Key ideas",
                        "body": "# Exit tickets\n\nOne question.",
                    },
                    {"kind": "reflection", "title": "Your plan", "body": "What will you try?"},
                    QUIZ,
                    {"kind": "evidence", "title": "Show it", "evidence_target": "Assessment badge"},
                ],
            }
        ],
    }
    doc.update(overrides)
    return doc


def published(
    db: Session, org: Organization, title: str = "Exit Tickets That Work", **overrides: Any
) -> Module:
    """A published module of ``org``."""
    module = module_io.import_module(
        db, org, None, ModuleDoc.model_validate(module_doc(title, **overrides))
    )
    module.status = ModuleStatus.PUBLISHED
    module.published_at = utcnow()
    db.commit()
    return module
