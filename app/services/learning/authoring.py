"""Authoring modules: create from a document, edit drafts, version, publish and archive."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.kit import audit, once
from app.models import (
    Activity,
    Module,
    ModulePrerequisite,
    ModuleStatus,
    Organization,
    Section,
    User,
)
from app.services.learning import evidence_tasks, module_io
from app.services.learning.module_document import ActivityDoc, ModuleDoc


def get_for_author(db: Session, actor: User, org: Organization, module_id: uuid.UUID) -> Module:
    """A module version of ``org`` with its content, for its authors."""
    module_io.check_author(actor, org.id)
    module = db.scalar(
        select(Module)
        .where(Module.id == module_id, Module.organization_id == org.id)
        .options(
            selectinload(Module.sections).selectinload(Section.activities),
            selectinload(Module.standards),
            selectinload(Module.prerequisites),
        )
    )
    if module is None:
        raise NotFound("This organization has no such module.")
    return module


def list_for_author(db: Session, actor: User, org: Organization) -> list[Module]:
    """The newest version of each of the organization's modules."""
    module_io.check_author(actor, org.id)
    newest = (
        select(Module.family_id, func.max(Module.version).label("v"))
        .where(Module.organization_id == org.id)
        .group_by(Module.family_id)
        .subquery()
    )
    return list(
        db.scalars(
            select(Module)
            .join(newest, (Module.family_id == newest.c.family_id) & (Module.version == newest.c.v))
            .order_by(func.lower(Module.title))
        )
    )


def published_for_author(db: Session, actor: User, org: Organization) -> list[Module]:
    """The catalog versions of the organization's published modules, by title."""
    module_io.check_author(actor, org.id)
    return list(
        db.scalars(
            select(Module)
            .where(
                Module.organization_id == org.id,
                Module.status == ModuleStatus.PUBLISHED,
                Module.is_current.is_(True),
            )
            .order_by(func.lower(Module.title))
        )
    )


FROZEN = "Published and archived versions cannot change. Create a new version to edit it."


def _require_draft(module: Module) -> None:
    if module.status != ModuleStatus.DRAFT:
        raise Conflict(FROZEN)


def update_metadata(db: Session, actor: User, module: Module, fields: dict[str, Any]) -> None:
    """Change a draft's details; Invalid names the form field at fault."""
    module_io.check_author(actor, module.organization_id)
    _require_draft(module)
    current = module_io.export_document(module)
    current.update(fields)
    current["sections"] = []
    try:
        doc = ModuleDoc.model_validate(current)
    except ValidationError as exc:
        raise _first_problem(exc) from exc
    module_io.apply_metadata(db, module, doc)
    module.updated_at = utcnow()


def _section_title(title: str, field: str) -> str:
    if not title.strip() or len(title.strip()) > 200:
        raise Invalid("Give the section a title of up to 200 characters.", field=field)
    return title.strip()


def add_section(actor: User, module: Module, title: str) -> Section:
    """Append a section to a draft."""
    module_io.check_author(actor, module.organization_id)
    _require_draft(module)
    section = Section(position=len(module.sections), title=_section_title(title, "section_title"))
    module.sections.append(section)
    return section


def rename_section(actor: User, module: Module, section_id: uuid.UUID, title: str) -> Section:
    """Give a section of a draft a new title."""
    module_io.check_author(actor, module.organization_id)
    _require_draft(module)
    section = _section(module, section_id)
    section.title = _section_title(title, f"title-{section_id}")
    return section


def _section(module: Module, section_id: uuid.UUID) -> Section:
    for section in module.sections:
        if section.id == section_id:
            return section
    raise NotFound("This module has no such section.")


def _validated(fields: dict[str, Any]) -> ActivityDoc:
    """The activity fields checked like an imported activity; Invalid names the first problem."""
    try:
        return ActivityDoc.model_validate(fields)
    except ValidationError as exc:
        raise _first_problem(exc) from exc


def _first_problem(exc: ValidationError) -> Invalid:
    """The first validation problem as a message beside its field."""
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "_form"
    return Invalid(first["msg"].removeprefix("Value error, ") + ".", field=field)


def add_activity(
    db: Session, actor: User, module: Module, section_id: uuid.UUID, fields: dict[str, Any]
) -> Activity:
    """Append an activity to a section of a draft, validated like an imported one; an evidence
    task names one of the organization's micro-credentials."""
    module_io.check_author(actor, module.organization_id)
    _require_draft(module)
    section = _section(module, section_id)
    doc = _validated(fields)
    if doc.kind == "evidence":
        doc.evidence_target = evidence_tasks.checked_target(db, module, doc.evidence_target, None)
    activity = module_io.activity_from_doc(doc, module, len(section.activities))
    section.activities.append(activity)
    return activity


def activity_fields(activity: Activity) -> dict[str, Any]:
    """An activity's editable fields, as its document form."""
    return module_io.activity_dict(activity)


def update_activity(
    db: Session, actor: User, module: Module, activity_id: uuid.UUID, fields: dict[str, Any]
) -> Activity:
    """Change an activity of a draft (validated like an imported one; its key is kept). An
    evidence task names one of the organization's micro-credentials, or keeps its older text."""
    module_io.check_author(actor, module.organization_id)
    _require_draft(module)
    activity = module_io.find_activity(module, activity_id)
    doc = _validated(fields)
    if doc.kind == "evidence":
        doc.evidence_target = evidence_tasks.checked_target(
            db, module, doc.evidence_target, activity.evidence_target
        )
    fresh = module_io.activity_from_doc(doc, module, activity.position)
    for name in (
        "kind",
        "title",
        "required",
        "body",
        "url",
        "transcript_url",
        "pass_mark",
        "evidence_target",
        "questions",
    ):
        setattr(activity, name, getattr(fresh, name))
    return activity


def move(actor: User, module: Module, item_id: uuid.UUID, direction: int) -> None:
    """Move a section or an activity up (-1) or down (+1) within its list."""
    module_io.check_author(actor, module.organization_id)
    _require_draft(module)
    lists: list[list[Any]] = [list(module.sections)] + [list(s.activities) for s in module.sections]
    for items in lists:
        ids = [i.id for i in items]
        if item_id in ids:
            index = ids.index(item_id)
            target = index + direction
            if 0 <= target < len(items):
                items[index], items[target] = items[target], items[index]
            for position, item in enumerate(items):
                item.position = position
            return
    raise NotFound("This module has no such section or activity.")


def remove(actor: User, module: Module, item_id: uuid.UUID) -> None:
    """Delete a section (with its activities) or an activity from a draft."""
    module_io.check_author(actor, module.organization_id)
    _require_draft(module)
    for section in module.sections:
        if section.id == item_id:
            module.sections.remove(section)
            return
        for activity in section.activities:
            if activity.id == item_id:
                section.activities.remove(activity)
                return
    raise NotFound("This module has no such section or activity.")


def publish(db: Session, actor: User, module: Module) -> None:
    """Publish a draft; it becomes the version the catalog shows (older ones stay for enrollees)."""
    module_io.check_author(actor, module.organization_id)
    _require_draft(module)
    if not any(s.activities for s in module.sections):
        raise Invalid("Add at least one activity before publishing.")
    for older in db.scalars(
        select(Module).where(Module.family_id == module.family_id, Module.id != module.id)
    ):
        older.is_current = False
    once.change_or_refuse(
        db,
        module,
        FROZEN,
        Module.status == ModuleStatus.DRAFT,
        status=ModuleStatus.PUBLISHED,
        is_current=True,
        published_at=utcnow(),
    )
    audit.record(db, "module.published", module, actor=actor, version=module.version)


def archive(db: Session, actor: User, module: Module) -> None:
    """Take a published version out of the catalog; enrolled teachers can still finish it."""
    module_io.check_author(actor, module.organization_id)
    refused = "Only a published module can be archived."
    if module.status != ModuleStatus.PUBLISHED:
        raise Conflict(refused)
    once.change_or_refuse(
        db, module, refused, Module.status == ModuleStatus.PUBLISHED, status=ModuleStatus.ARCHIVED
    )
    audit.record(db, "module.archived", module, actor=actor)


def new_version(db: Session, actor: User, module: Module) -> Module:
    """A draft copy of a published version to edit; activities keep their keys."""
    module_io.check_author(actor, module.organization_id)
    newest = db.scalar(select(func.max(Module.version)).where(Module.family_id == module.family_id))
    if newest != module.version:
        raise Conflict("A newer version of this module exists already; edit that one.")
    if module.status == ModuleStatus.DRAFT:
        raise Conflict("This version is still a draft; edit it directly.")
    copy = Module(
        id=uuid.uuid4(),
        organization_id=module.organization_id,
        family_id=module.family_id,
        version=module.version + 1,
        status=ModuleStatus.DRAFT,
        is_current=False,
        created_by_id=actor.id,
        tags=list(module.tags),
    )
    db.add(copy)
    module_io.apply_metadata(
        db, copy, ModuleDoc.model_validate({**module_io.export_document(module), "sections": []})
    )
    for section in module.sections:
        new_section = Section(position=section.position, title=section.title)
        for activity in section.activities:
            clone = module_io.activity_from_doc(
                ActivityDoc.model_validate(module_io.activity_dict(activity)),
                copy,
                activity.position,
            )
            clone.key = activity.key
            new_section.activities.append(clone)
        copy.sections.append(new_section)
    copy.prerequisites = [
        ModulePrerequisite(required_family_id=p.required_family_id) for p in module.prerequisites
    ]
    db.flush()
    return copy


def prerequisite_choices(db: Session, actor: User, module: Module) -> list[Module]:
    """The organization's other modules (newest version of each) an author can require."""
    return [
        m
        for m in list_for_author(db, actor, module.organization)
        if m.family_id != module.family_id
    ]


def _requirements(db: Session, organization_id: uuid.UUID) -> dict[uuid.UUID, set[uuid.UUID]]:
    """Which module families each family requires, across its current and draft versions."""
    graph: dict[uuid.UUID, set[uuid.UUID]] = {}
    rows = db.execute(
        select(Module.family_id, ModulePrerequisite.required_family_id)
        .join(ModulePrerequisite, ModulePrerequisite.module_id == Module.id)
        .where(
            Module.organization_id == organization_id,
            (Module.is_current.is_(True)) | (Module.status == ModuleStatus.DRAFT),
        )
    )
    for family, required in rows:
        graph.setdefault(family, set()).add(required)
    return graph


def _reaches(graph: dict[uuid.UUID, set[uuid.UUID]], start: uuid.UUID, goal: uuid.UUID) -> bool:
    seen: set[uuid.UUID] = set()
    todo = [start]
    while todo:
        family = todo.pop()
        if family == goal:
            return True
        if family not in seen:
            seen.add(family)
            todo.extend(graph.get(family, ()))
    return False


def add_prerequisite(db: Session, actor: User, module: Module, family_id: uuid.UUID) -> Module:
    """Require another module of the same organization before enrolling in a draft; never the
    module itself, never twice, never a loop (A before B before A). Returns the required one."""
    module_io.check_author(actor, module.organization_id)
    _require_draft(module)
    if family_id == module.family_id:
        raise Invalid("A module cannot be its own prerequisite.", field="prerequisite")
    required = next(
        (m for m in prerequisite_choices(db, actor, module) if m.family_id == family_id), None
    )
    if required is None:
        raise Invalid("Choose one of this organization's modules.", field="prerequisite")
    if any(p.required_family_id == family_id for p in module.prerequisites):
        raise Invalid(f"“{required.title}” is already a prerequisite.", field="prerequisite")
    if _reaches(_requirements(db, module.organization_id), family_id, module.family_id):
        raise Invalid(
            f"“{required.title}” already requires this module (directly or through others), "
            "so requiring it here would make a loop nobody can start.",
            field="prerequisite",
        )
    module.prerequisites.append(ModulePrerequisite(required_family_id=family_id))
    module.updated_at = utcnow()
    return required


def remove_prerequisite(actor: User, module: Module, family_id: uuid.UUID) -> None:
    """Stop requiring a module before enrolling in a draft."""
    module_io.check_author(actor, module.organization_id)
    _require_draft(module)
    row = next((p for p in module.prerequisites if p.required_family_id == family_id), None)
    if row is None:
        raise NotFound("This module does not require that one.")
    module.prerequisites.remove(row)
    module.updated_at = utcnow()
