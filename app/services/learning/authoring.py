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
    ModuleStatus,
    Organization,
    Section,
    User,
)
from app.services.learning import module_io
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
    actor: User, module: Module, section_id: uuid.UUID, fields: dict[str, Any]
) -> Activity:
    """Append an activity to a section of a draft, validated like an imported one."""
    module_io.check_author(actor, module.organization_id)
    _require_draft(module)
    section = _section(module, section_id)
    doc = _validated(fields)
    activity = module_io.activity_from_doc(doc, module, len(section.activities))
    section.activities.append(activity)
    return activity


def activity_fields(activity: Activity) -> dict[str, Any]:
    """An activity's editable fields, as its document form."""
    return module_io.activity_dict(activity)


def update_activity(
    actor: User, module: Module, activity_id: uuid.UUID, fields: dict[str, Any]
) -> Activity:
    """Change an activity of a draft (validated like an imported one; its key is kept)."""
    module_io.check_author(actor, module.organization_id)
    _require_draft(module)
    activity = module_io.find_activity(module, activity_id)
    doc = _validated(fields)
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
    db.flush()
    return copy
