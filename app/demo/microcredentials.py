"""Demo micro-credentials for the "riverbend" organization (see ``seed_microcredentials``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import MicroCredential, Module, Organization, Pathway, User
from app.services.microcredentials import definitions as microcredentials
from app.settings import Settings

LEVELS = ("Beginning", "Developing", "Proficient", "Exemplary")
ISTE = "https://iste.org/standards/educators"
Criterion = tuple[str, str, tuple[str, str, str, str]]

FORMATIVE: list[Criterion] = [
    (
        "Clear learning goals",
        "Success criteria students can act on.",
        (
            "Goals are not shared with students.",
            "Goals are posted but rarely referred to.",
            "Goals and success criteria are shared and revisited during the lesson.",
            "Students explain the goal and judge their own work against the criteria.",
        ),
    ),
    (
        "Checks for understanding",
        "Quick, planned checks during and at the end of the lesson.",
        (
            "Checks are occasional questions to volunteers.",
            "Checks are planned but reach only some students.",
            "Every student responds to planned checks (exit tickets, whiteboards).",
            "Checks are varied, reach every student and reveal misconceptions.",
        ),
    ),
    (
        "Responsive teaching",
        "What the evidence changes in the next lesson.",
        (
            "Teaching continues as planned regardless of the evidence.",
            "Some reteaching follows, for the whole class.",
            "Groups or next steps change in response to the evidence.",
            "Adjustments are targeted and their effect is checked again.",
        ),
    ),
    (
        "Feedback to students",
        "Feedback that moves learning forward.",
        (
            "Feedback is a grade or praise only.",
            "Feedback names errors without next steps.",
            "Feedback is specific, timely and names a next step.",
            "Students act on feedback and the teacher sees the improvement.",
        ),
    ),
]
RESPONSIVE: list[Criterion] = [
    (
        "Knowing students",
        "Learning about students' cultures, languages and communities.",
        (
            "Little information about students' backgrounds is gathered.",
            "Information is gathered but not used in planning.",
            "Planning draws on what was learned about students.",
            "Students and families contribute to planning.",
        ),
    ),
    (
        "Relevant materials",
        "Texts, examples and problems that reflect students' lives.",
        (
            "Materials reflect a single perspective.",
            "Some diverse examples are added to existing materials.",
            "Materials regularly connect to students' experiences.",
            "Students help choose and create materials.",
        ),
    ),
    (
        "High expectations",
        "Rigorous work with support for every student.",
        (
            "Expectations differ by group without reason.",
            "Expectations are stated but supports are uneven.",
            "Every student works on rigorous tasks with scaffolds.",
            "Students hold each other to high expectations.",
        ),
    ),
]
DIGITAL: list[Criterion] = [
    (
        "Safe and responsible use",
        "Privacy, passwords and digital footprint.",
        (
            "Safety rules are mentioned in passing.",
            "A lesson covers safety rules without practice.",
            "Students practice protecting their privacy in real tasks.",
            "Students teach peers or families about online safety.",
        ),
    ),
    (
        "Evaluating information",
        "Judging sources and recognising misinformation.",
        (
            "Sources are used without evaluation.",
            "Students are told which sources to trust.",
            "Students apply a routine (lateral reading) to judge sources.",
            "Students explain and defend their judgements of sources.",
        ),
    ),
    (
        "Respectful participation",
        "Norms for online discussion and collaboration.",
        (
            "No norms for online interaction.",
            "Norms exist but are not taught.",
            "Norms are taught, practised and revisited.",
            "Students set and moderate their own norms.",
        ),
    ),
]


def _rubric(criteria: list[Criterion]) -> list[dict[str, Any]]:
    return [
        {
            "key": f"c{i}",
            "name": name,
            "description": description,
            "levels": [
                {"level": n, "label": label, "descriptor": text, "points": n}
                for n, (label, text) in enumerate(zip(LEVELS, descriptors, strict=True), 1)
            ],
        }
        for i, (name, description, descriptors) in enumerate(criteria, 1)
    ]


def _evidence(reflection: str, files: str, links: str | None = None) -> list[dict[str, Any]]:
    parts = [
        {"kind": "reflection", "label": "Reflection", "guidance": reflection, "required": True},
        {"kind": "files", "label": "Classroom artifacts", "guidance": files, "required": True},
    ]
    if links:
        parts.append({"kind": "links", "label": "Links", "guidance": links, "required": False})
    return parts


def _definitions() -> list[dict[str, Any]]:
    return [
        {
            "name": "Formative Assessment in Practice",
            "description": "Uses evidence of learning, gathered during lessons, to adjust "
            "teaching and give feedback that moves students forward.",
            "criteria": "Submit a lesson plan with planned checks for understanding, samples "
            "of student responses, and a reflection on what you changed. A coach scores the "
            "evidence against the rubric.",
            "competencies": ["Formative assessment", "Feedback", "Data-informed instruction"],
            "evidence_requirements": _evidence(
                "In 400-800 words: what did the checks show, and what did you change?",
                "A lesson plan and three anonymised samples of student work (PDF or images).",
            ),
            "rubric": _rubric(FORMATIVE),
            "alignments": [
                {
                    "name": "ISTE Educator 7a: Analyst",
                    "url": ISTE,
                    "code": "7a",
                    "framework": "ISTE",
                }
            ],
            "pd_hours": "6",
            "validity_months": 36,
        },
        {
            "name": "Culturally Responsive Teaching",
            "description": "Plans and teaches lessons that draw on students' cultures, "
            "languages and communities while holding high expectations.",
            "criteria": "Submit a unit plan, materials you adapted and a reflection on student "
            "responses. A coach scores the evidence against the rubric.",
            "competencies": ["Cultural competence", "Family partnership", "Equity"],
            "evidence_requirements": _evidence(
                "Describe how you learned about your students and how it shaped the unit.",
                "The unit plan and two adapted materials.",
                "Optional: a link to a short classroom video (shared with permission).",
            ),
            "rubric": _rubric(RESPONSIVE),
            "alignments": [
                {
                    "name": "ISTE Educator 3b: Citizen",
                    "url": ISTE,
                    "code": "3b",
                    "framework": "ISTE",
                }
            ],
            "pd_hours": "5",
        },
        {
            "name": "Digital Citizenship Instruction",
            "description": "Teaches students to be safe, critical and respectful participants "
            "in digital spaces.",
            "criteria": "Submit a lesson sequence, student work and a reflection. A coach scores "
            "the evidence against the rubric.",
            "competencies": ["Digital citizenship", "Media literacy"],
            "evidence_requirements": _evidence(
                "What did students find hardest, and how did you respond?",
                "The lesson sequence and samples of student work.",
            ),
            "rubric": _rubric(DIGITAL),
            "alignments": [
                {
                    "name": "ISTE Educator 3a: Citizen",
                    "url": ISTE,
                    "code": "3a",
                    "framework": "ISTE",
                }
            ],
            "pd_hours": "4",
            "validity_months": 24,
            "achievement_type": "Badge",
        },
    ]


def _completion_badge(db: Session, org: Organization) -> dict[str, Any] | None:
    pathway = db.scalar(
        select(Pathway).where(
            Pathway.organization_id == org.id, Pathway.title == "Assessment for Learning"
        )
    )
    base: dict[str, Any] = {
        "criteria": "Awarded automatically on completing the linked learning.",
        "competencies": ["Formative assessment"],
        "award_rule": "completion",
        "achievement_type": "Badge",
        "pd_hours": "0",
    }
    if pathway is not None:
        return base | {
            "name": "Assessment for Learning Pathway",
            "description": "Completed every module of the Assessment for Learning pathway.",
            "pathway_id": pathway.id,
        }
    module = db.scalar(
        select(Module).where(Module.organization_id == org.id, Module.is_current.is_(True))
    )
    if module is None:
        return None
    return base | {
        "name": f"{module.title}: Completed",
        "description": f"Completed the module {module.title}.",
        "module_family_ids": [module.family_id],
    }


def seed_microcredentials(
    db: Session, settings: Settings, org: Organization, people: list[User]
) -> None:
    """Publish three reviewed micro-credentials and a completion badge once (idempotent)."""
    admin = people[0]
    existing = set(
        db.scalars(select(MicroCredential.name).where(MicroCredential.organization_id == org.id))
    )
    wanted = _definitions()
    badge = _completion_badge(db, org)
    if badge is not None:
        wanted.append(badge)
    for fields in wanted:
        if fields["name"] in existing:
            continue
        definition = microcredentials.create(db, settings, admin, org, fields)
        microcredentials.publish(db, admin, definition)
    db.flush()
