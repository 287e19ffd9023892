"""Modules to and from their document form: import, export and the shared field mapping."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Forbidden, NotFound
from app.kit import audit
from app.models import (
    Activity,
    ActivityKind,
    Module,
    ModuleFormat,
    ModuleStatus,
    Organization,
    Section,
    Standard,
    User,
)
from app.services.learning.module_document import ActivityDoc, ModuleDoc, StandardDoc
from app.services.learning.permissions import can_author_modules


def _standards(db: Session, docs: list[StandardDoc]) -> list[Standard]:
    found = {
        s.code: s
        for s in db.scalars(select(Standard).where(Standard.code.in_([d.code for d in docs])))
    }
    result = []
    for doc in docs:
        standard = found.get(doc.code)
        if standard is None:
            standard = Standard(code=doc.code, name=doc.name, url=doc.url)
            db.add(standard)
            found[doc.code] = standard
        result.append(standard)
    return result


def refresh_search_text(module: Module) -> None:
    """The text the catalog searches: title, summary, subject, tags and standards."""
    parts = [module.title, module.summary, module.subject, " ".join(module.tags)]
    parts += [f"{s.code} {s.name}" for s in module.standards]
    module.search_text = "\n".join(p for p in parts if p)


def apply_metadata(db: Session, module: Module, doc: ModuleDoc) -> None:
    """Copy a document's details (not its sections) onto a module version."""
    for name in ("title", "summary", "cover_image_url", "grade_band", "subject", "language"):
        setattr(module, name, getattr(doc, name))
    module.estimated_minutes = doc.estimated_minutes
    module.pd_hours = doc.pd_hours
    module.format = ModuleFormat(doc.format)
    cohort = doc.format == "cohort"
    module.starts_on = doc.starts_on if cohort else None
    module.ends_on = doc.ends_on if cohort else None
    module.capacity = doc.capacity if cohort else None
    module.tags = list(dict.fromkeys(t.strip().lower() for t in doc.tags))
    module.standards = _standards(db, doc.standards)
    refresh_search_text(module)


def activity_from_doc(doc: ActivityDoc, module: Module, position: int) -> Activity:
    """A new activity row from its document form."""
    kind = ActivityKind(doc.kind)
    return Activity(
        module_id=module.id,
        position=position,
        kind=kind,
        title=doc.title,
        required=doc.required and kind != ActivityKind.EVIDENCE,
        body=doc.body,
        url=doc.url,
        transcript_url=doc.transcript_url,
        pass_mark=(doc.pass_mark or 80) if kind == ActivityKind.QUIZ else None,
        evidence_target=doc.evidence_target if kind == ActivityKind.EVIDENCE else None,
        questions=[q.model_dump() for q in doc.questions],
    )


def check_author(actor: User | None, org_id: uuid.UUID) -> None:
    """Forbidden unless the actor (None: the system) may author the organization's modules."""
    if actor is not None and not can_author_modules(actor, org_id):
        raise Forbidden("Only administrators of this organization author its modules.")


def import_module(db: Session, org: Organization, actor: User | None, doc: ModuleDoc) -> Module:
    """Create a draft module (version 1) from a validated document."""
    check_author(actor, org.id)
    module = Module(
        id=uuid.uuid4(),
        organization_id=org.id,
        family_id=uuid.uuid4(),
        version=1,
        status=ModuleStatus.DRAFT,
        is_current=True,
        created_by_id=actor.id if actor else None,
        tags=[],
    )
    with db.no_autoflush:
        apply_metadata(db, module, doc)
    db.add(module)
    for s_pos, section_doc in enumerate(doc.sections):
        section = Section(position=s_pos, title=section_doc.title)
        for a_pos, activity_doc in enumerate(section_doc.activities):
            section.activities.append(activity_from_doc(activity_doc, module, a_pos))
        module.sections.append(section)
    db.flush()
    audit.record(db, "module.created", module, actor=actor)
    return module


def export_document(module: Module) -> dict[str, Any]:
    """The module as one JSON-ready document (the import format)."""
    doc = ModuleDoc.model_validate(
        {
            **{
                name: getattr(module, name)
                for name in (
                    "title",
                    "summary",
                    "cover_image_url",
                    "grade_band",
                    "subject",
                    "language",
                    "estimated_minutes",
                    "pd_hours",
                    "starts_on",
                    "ends_on",
                    "capacity",
                    "tags",
                )
            },
            "format": module.format.value,
            "standards": [{"code": s.code, "name": s.name, "url": s.url} for s in module.standards],
            "sections": [
                {"title": s.title, "activities": [activity_dict(a) for a in s.activities]}
                for s in module.sections
            ],
        }
    )
    return doc.model_dump(mode="json", by_alias=True, exclude_none=True)


def activity_dict(activity: Activity) -> dict[str, Any]:
    """An activity in its document form."""
    return {
        "kind": activity.kind.value,
        "title": activity.title,
        "required": activity.required,
        "body": activity.body,
        "url": activity.url,
        "transcript_url": activity.transcript_url,
        "pass_mark": activity.pass_mark,
        "evidence_target": activity.evidence_target,
        "questions": activity.questions,
    }


def find_activity(module: Module, activity_id: uuid.UUID) -> Activity:
    """An activity of this module version, or NotFound."""
    for activity in module.activities:
        if activity.id == activity_id:
            return activity
    raise NotFound("This module has no such activity.")
