"""Micro-credential definitions: authoring, versioning, publishing and reading them.

Administrators of an organization author definitions. A version that anyone has submitted
evidence for (or been awarded) is frozen: editing it creates the next version of the same
family and moves ``is_current`` to it, so earlier submissions and credentials keep pointing
at exactly what they were judged against.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, func, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Forbidden, NotFound
from app.kit import audit, once
from app.kit.keyset import Order, PageRequest, Slice, sort_key
from app.kit.storage.uploads import Upload
from app.models import (
    Award,
    DefinitionStatus,
    Membership,
    MicroCredential,
    MicroCredentialModule,
    Module,
    Organization,
    Pathway,
    Submission,
    User,
)
from app.services.microcredentials import definition_fields, definition_images, rubrics
from app.services.microcredentials.permissions import can_author_microcredentials
from app.settings import Settings

BY_NAME = Order(
    sort_key(func.lower(MicroCredential.name, type_=String)), sort_key(MicroCredential.id)
)


@dataclass(frozen=True)
class Saved:
    """The version an edit wrote to, and whether it is a new version."""

    definition: MicroCredential
    new_version: bool


# ---------------------------------------------------------------- authoring


def _check_author(actor: User, org_id: uuid.UUID) -> None:
    if not can_author_microcredentials(actor, org_id):
        raise Forbidden("Only administrators of this organization author its micro-credentials.")


def _apply(definition: MicroCredential, values: dict[str, Any]) -> None:
    for name in definition_fields.EDITABLE:
        setattr(definition, name, values[name])
    definition.modules = [
        MicroCredentialModule(module_family_id=family) for family in values["module_family_ids"]
    ]


def create(
    db: Session,
    settings: Settings,
    actor: User,
    org: Organization,
    fields: dict[str, Any],
    upload: Upload | None = None,
) -> MicroCredential:
    """A new draft definition (version 1 of a new family)."""
    _check_author(actor, org.id)
    values = definition_fields.clean(db, org, fields)
    definition = MicroCredential(
        organization_id=org.id,
        organization=org,
        family_id=uuid.uuid4(),
        version=1,
        is_current=True,
        status=DefinitionStatus.DRAFT,
        created_by_id=actor.id,
    )
    _apply(definition, values)
    if upload is not None:
        definition_images.store_image(db, settings, definition, upload)
    db.add(definition)
    db.flush()
    _audit(db, actor, definition, "microcredential.created")
    return definition


def is_frozen(db: Session, definition: MicroCredential) -> bool:
    """Whether anyone has submitted evidence for, or been awarded, this version."""
    submitted = db.scalar(
        select(Submission.id).where(Submission.micro_credential_id == definition.id).limit(1)
    )
    awarded = db.scalar(select(Award.id).where(Award.micro_credential_id == definition.id).limit(1))
    return submitted is not None or awarded is not None


def update(
    db: Session,
    settings: Settings,
    actor: User,
    definition: MicroCredential,
    fields: dict[str, Any],
    upload: Upload | None = None,
    remove_image: bool = False,
) -> Saved:
    """Edit the current version in place, or (if it is frozen) as the next version."""
    _check_author(actor, definition.organization_id)
    if not definition.is_current:
        raise Conflict("Only the current version can be edited; open the newest one.")
    if definition.status == DefinitionStatus.ARCHIVED:
        raise Conflict("Archived micro-credentials cannot change; publish it again first.")
    values = definition_fields.clean(db, definition.organization, fields)
    if upload is not None:
        definition_images.check_image(settings, upload)
    target = definition
    if is_frozen(db, definition):
        target = _next_version(db, actor, definition)
    _apply(target, values)
    if remove_image and upload is None:
        if target is definition:
            definition_images.release_image(db, settings, target)
        else:
            target.image_key = target.image_content_type = None
    if upload is not None:
        if target is not definition:
            target.image_key = None  # the frozen version keeps its file
        definition_images.store_image(db, settings, target, upload)
    target.updated_at = utcnow()
    db.flush()
    _audit(db, actor, target, "microcredential.updated", version=target.version)
    return Saved(definition=target, new_version=target is not definition)


def _next_version(db: Session, actor: User, old: MicroCredential) -> MicroCredential:
    old.is_current = False
    db.flush()  # only one current version per family, even mid-transaction
    new = MicroCredential(
        organization_id=old.organization_id,
        organization=old.organization,
        family_id=old.family_id,
        version=old.version + 1,
        is_current=True,
        status=old.status,
        published_at=old.published_at,
        image_key=old.image_key,
        image_content_type=old.image_content_type,
        created_by_id=actor.id,
    )
    db.add(new)
    return new


def publish(db: Session, actor: User, definition: MicroCredential) -> MicroCredential:
    """Offer the current version to the organization's teachers."""
    _check_author(actor, definition.organization_id)
    if not definition.is_current:
        raise Conflict("Only the current version can be published.")
    refused = "This micro-credential is already published."
    if definition.status == DefinitionStatus.PUBLISHED:
        raise Conflict(refused)
    definition_fields.clean(db, definition.organization, definition_fields.fields_of(definition))
    once.change_or_refuse(
        db,
        definition,
        refused,
        MicroCredential.status == definition.status,
        status=DefinitionStatus.PUBLISHED,
        published_at=definition.published_at or utcnow(),
    )
    _audit(db, actor, definition, "microcredential.published")
    return definition


def archive(db: Session, actor: User, definition: MicroCredential) -> MicroCredential:
    """Stop offering it; issued credentials and their public pages stay valid."""
    _check_author(actor, definition.organization_id)
    if not definition.is_current:
        raise Conflict("Only the current version can be archived.")
    refused = "This micro-credential is already archived."
    if definition.status == DefinitionStatus.ARCHIVED:
        raise Conflict(refused)
    once.change_or_refuse(
        db,
        definition,
        refused,
        MicroCredential.status == definition.status,
        status=DefinitionStatus.ARCHIVED,
    )
    _audit(db, actor, definition, "microcredential.archived")
    return definition


def _audit(db: Session, actor: User, definition: MicroCredential, event: str, **extra: Any) -> None:
    audit.record(db, event, definition, actor=actor, name=definition.name, **extra)


# ---------------------------------------------------------------- reading


def get_for_admin(
    db: Session, actor: User, org: Organization, definition_id: uuid.UUID
) -> MicroCredential:
    """Any version of one of the organization's definitions, for its administrators."""
    _check_author(actor, org.id)
    definition = db.get(MicroCredential, definition_id)
    if definition is None or definition.organization_id != org.id:
        raise NotFound("This organization has no such micro-credential.")
    return definition


def _admin_query(actor: User, org: Organization) -> Select[MicroCredential]:
    """The current version of each of the organization's definitions (its administrators)."""
    _check_author(actor, org.id)
    return select(MicroCredential).where(
        MicroCredential.organization_id == org.id, MicroCredential.is_current.is_(True)
    )


def list_for_admin(db: Session, actor: User, org: Organization) -> list[MicroCredential]:
    """The current version of each of the organization's definitions, by name."""
    return list(db.scalars(_admin_query(actor, org).order_by(*BY_NAME.clauses())))


def admin_page(
    db: Session, actor: User, org: Organization, page: PageRequest
) -> Slice[MicroCredential]:
    """A page of ``list_for_admin`` after a cursor."""
    return BY_NAME.scalars(db, _admin_query(actor, org), page)


def history(db: Session, definition: MicroCredential) -> list[MicroCredential]:
    """Every version of the definition's family, newest first."""
    return list(
        db.scalars(
            select(MicroCredential)
            .where(MicroCredential.family_id == definition.family_id)
            .order_by(MicroCredential.version.desc())
        )
    )


def _catalog_query(user: User) -> Select[MicroCredential]:
    """Published, current definitions of the organizations the user belongs to."""
    query = select(MicroCredential).where(
        MicroCredential.status == DefinitionStatus.PUBLISHED,
        MicroCredential.is_current.is_(True),
    )
    if not user.is_platform_admin:
        orgs = select(Membership.organization_id).where(Membership.user_id == user.id)
        query = query.where(MicroCredential.organization_id.in_(orgs))
    return query


def catalog(db: Session, user: User) -> list[MicroCredential]:
    """Published, current definitions of the organizations the user belongs to, by name."""
    return list(db.scalars(_catalog_query(user).order_by(*BY_NAME.clauses())))


def catalog_page(db: Session, user: User, page: PageRequest) -> Slice[MicroCredential]:
    """A page of ``catalog`` after a cursor."""
    return BY_NAME.scalars(db, _catalog_query(user), page)


def get_visible(db: Session, user: User | None, definition_id: uuid.UUID) -> MicroCredential:
    """A published or archived version for anyone; drafts only for the organization's admins."""
    definition = db.get(MicroCredential, definition_id)
    if definition is None:
        raise NotFound("There is no such micro-credential.")
    if definition.status == DefinitionStatus.DRAFT and not (
        user is not None and can_author_microcredentials(user, definition.organization_id)
    ):
        raise NotFound("There is no such micro-credential.")
    return definition


def get_public(db: Session, definition_id: uuid.UUID) -> MicroCredential:
    """A published (or archived, once offered) version; drafts are never public."""
    return get_visible(db, None, definition_id)


def linked_modules(db: Session, definition: MicroCredential) -> list[Module]:
    """The current version of each linked module family, by title."""
    families = [m.module_family_id for m in definition.modules]
    if not families:
        return []
    return list(
        db.scalars(
            select(Module)
            .where(Module.family_id.in_(families), Module.is_current.is_(True))
            .order_by(func.lower(Module.title))
        )
    )


def pathway_of(db: Session, definition: MicroCredential) -> Pathway | None:
    """The linked pathway, if any."""
    return db.get(Pathway, definition.pathway_id) if definition.pathway_id else None


def link_choices(db: Session, actor: User, org: Organization) -> tuple[list[Module], list[Pathway]]:
    """Modules (newest version of each family) and pathways an admin can link, by title."""
    _check_author(actor, org.id)
    newest = (
        select(Module.family_id, func.max(Module.version).label("v"))
        .where(Module.organization_id == org.id)
        .group_by(Module.family_id)
        .subquery()
    )
    modules = db.scalars(
        select(Module)
        .join(newest, (Module.family_id == newest.c.family_id) & (Module.version == newest.c.v))
        .order_by(func.lower(Module.title))
    )
    paths = db.scalars(
        select(Pathway).where(Pathway.organization_id == org.id).order_by(func.lower(Pathway.title))
    )
    return list(modules), list(paths)


def rule_text(definition: MicroCredential) -> str:
    """The pass rule in words (empty for a completion badge without a rubric)."""
    if not definition.rubric:
        return ""
    return rubrics.describe_rule(definition.rubric, definition.pass_rule, definition.pass_value)
