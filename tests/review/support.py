"""Helpers for evidence and review tests: a published definition, small real files, people."""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass
from typing import Any

from PIL import Image
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import DefinitionStatus, MicroCredential, Organization, Role, User
from tests.support import WebClient, make_org, make_user

LEVELS = [
    (1, "Beginning", "Little evidence yet."),
    (2, "Developing", "Some evidence, unevenly."),
    (3, "Proficient", "Clear, consistent evidence."),
    (4, "Exemplary", "Rich evidence others can learn from."),
]
CRITERIA = [("plan", "Planning"), ("practice", "Classroom practice"), ("reflect", "Reflection")]
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def make_definition(
    db: Session, org: Organization, name: str = "Formative Assessment", **overrides: Any
) -> MicroCredential:
    """A published, current micro-credential with a 3-criterion, 4-level rubric."""
    definition = MicroCredential(
        organization_id=org.id,
        family_id=uuid.uuid4(),
        version=1,
        is_current=True,
        status=DefinitionStatus.PUBLISHED,
        name=name,
        description=f"{name}: uses evidence of learning to adjust teaching.",
        criteria="Plan, teach and reflect on a lesson; a coach scores it against the rubric.",
        evidence_requirements=[
            {
                "key": "reflection",
                "kind": "reflection",
                "label": "Reflection",
                "guidance": "What did you try, what happened, what will you change?",
                "required": True,
            },
            {
                "key": "artifacts",
                "kind": "files",
                "label": "Lesson artifacts",
                "guidance": "A lesson plan or student work (no names or faces).",
                "required": True,
            },
            {
                "key": "links",
                "kind": "links",
                "label": "Links",
                "guidance": "Optional: a video or slides online.",
                "required": False,
            },
        ],
        rubric=[
            {
                "key": key,
                "name": label,
                "description": f"{label} of the lesson.",
                "levels": [
                    {"level": n, "label": lab, "descriptor": desc, "points": n}
                    for n, lab, desc in LEVELS
                ],
            }
            for key, label in CRITERIA
        ],
        pass_rule="min_level",
        pass_value=3,
        published_at=utcnow(),
        **overrides,
    )
    db.add(definition)
    db.commit()
    return definition


def png_bytes(color: str = "green") -> bytes:
    """A small real PNG image."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, "PNG")
    return buffer.getvalue()


def docx_bytes() -> bytes:
    """A minimal Word document (a ZIP with the right content types and main part)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types><Override PartName="/word/document.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@dataclass
class World:
    """An organization with an admin, two coaches, two teachers and a definition."""

    org: Organization
    admin: User
    coach: User
    coach2: User
    teacher: User
    teacher2: User
    definition: MicroCredential


def make_world(db: Session, slug: str = "riverbend") -> World:
    """The usual cast."""
    org = make_org(db, slug)
    return World(
        org=org,
        admin=make_user(db, f"admin@{slug}.org", org=org, role=Role.ADMIN, name="Ada Admin"),
        coach=make_user(db, f"coach@{slug}.org", org=org, role=Role.COACH, name="Cora Coach"),
        coach2=make_user(db, f"coach2@{slug}.org", org=org, role=Role.COACH, name="Cal Coach"),
        teacher=make_user(db, f"teacher@{slug}.org", org=org, name="Tess Teacher"),
        teacher2=make_user(db, f"teacher2@{slug}.org", org=org, name="Theo Teacher"),
        definition=make_definition(db, org),
    )


def evidence_form(
    reflection: str = "I tried exit tickets.\nStudents wrote one thing they learned.",
    links: str = "",
    action: str = "submit",
    privacy: bool = True,
) -> dict[str, str]:
    """The evidence form's text fields."""
    form = {"response_reflection": reflection, "links_links": links, "action": action}
    if privacy:
        form["privacy"] = "yes"
    return form


def submit_evidence(
    web: WebClient,
    definition: MicroCredential,
    files: list[tuple[str, bytes]] | None = None,
    **form: Any,
) -> Any:
    """Post the evidence form for a new submission (signed in as the teacher)."""
    uploads = [("files_artifacts", (name, data)) for name, data in (files or [])]
    if files is None:
        uploads = [("files_artifacts", ("plan.pdf", MINIMAL_PDF))]
    return web.post(
        f"/micro-credentials/{definition.id}/evidence", evidence_form(**form), files=uploads
    )


def review_form(
    attempt_no: int, decision: str, levels: tuple[int, int, int] = (3, 3, 3), feedback: str = ""
) -> dict[str, str]:
    """The review form: a level per criterion, the decision and feedback."""
    form = {"attempt_no": str(attempt_no), "decision": decision, "feedback": feedback}
    for (key, _), level in zip(CRITERIA, levels, strict=True):
        form[f"level_{key}"] = str(level)
    return form
