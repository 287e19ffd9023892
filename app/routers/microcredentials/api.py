"""JSON API, version 1: micro-credential definitions (read for members, write for admins)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from app.models import MicroCredential, User
from app.routers.microcredentials.schemas import (
    MicroCredentialPatch,
    MicroCredentialRead,
    MicroCredentialWrite,
)
from app.services.microcredentials import definition_fields
from app.services.microcredentials import definitions as microcredentials
from app.services.orgs import organizations
from app.settings import Settings
from app.web.access import ApiToken, AppSettings, Db
from app.web.api_errors import ERROR_RESPONSES
from app.web.common import TransactionalRoute
from app.web.paging import Page, Paging

router = APIRouter(
    prefix="/api/v1",
    route_class=TransactionalRoute,
    tags=["micro-credentials"],
    responses=ERROR_RESPONSES,
)
Reader = Annotated[User, Depends(ApiToken("microcredentials:read"))]
Writer = Annotated[User, Depends(ApiToken("microcredentials:write"))]


def _read(settings: Settings, definition: MicroCredential) -> MicroCredentialRead:
    return MicroCredentialRead.of(
        definition, settings.base_url, microcredentials.rule_text(definition)
    )


@router.get("/micro-credentials", response_model=Page[MicroCredentialRead])
def catalog(
    db: Db, settings: AppSettings, user: Reader, paging: Paging
) -> Page[MicroCredentialRead]:
    """Published, current micro-credentials of the caller's organizations, by name."""
    rows = microcredentials.catalog_page(db, user, paging)
    return Page[MicroCredentialRead].of(rows, lambda d: _read(settings, d))


@router.get("/micro-credentials/{definition_id}", response_model=MicroCredentialRead)
def detail(
    db: Db, settings: AppSettings, user: Reader, definition_id: uuid.UUID
) -> MicroCredentialRead:
    """One version (drafts only for administrators of its organization)."""
    return _read(settings, microcredentials.get_visible(db, user, definition_id))


@router.get("/orgs/{slug}/micro-credentials", response_model=Page[MicroCredentialRead])
def admin_list(
    db: Db, settings: AppSettings, user: Writer, slug: str, paging: Paging
) -> Page[MicroCredentialRead]:
    """Every definition of the organization, current version of each, by name (administrators)."""
    org = organizations.get_by_slug(db, slug)
    rows = microcredentials.admin_page(db, user, org, paging)
    return Page[MicroCredentialRead].of(rows, lambda d: _read(settings, d))


@router.post("/orgs/{slug}/micro-credentials", response_model=MicroCredentialRead, status_code=201)
def create(
    db: Db, settings: AppSettings, user: Writer, slug: str, body: MicroCredentialWrite
) -> MicroCredentialRead:
    """Create a draft definition (administrators)."""
    org = organizations.get_by_slug(db, slug)
    return _read(settings, microcredentials.create(db, settings, user, org, body.fields()))


@router.patch("/micro-credentials/{definition_id}", response_model=MicroCredentialRead)
def update(
    db: Db,
    settings: AppSettings,
    user: Writer,
    definition_id: uuid.UUID,
    body: MicroCredentialPatch,
) -> MicroCredentialRead:
    """Change fields; answers the version written (a new one if evidence already exists)."""
    definition = _own(db, user, definition_id)
    fields = definition_fields.fields_of(definition)
    fields.update(body.model_dump(mode="python", exclude_unset=True))
    saved = microcredentials.update(db, settings, user, definition, fields)
    return _read(settings, saved.definition)


def _own(db: Db, user: User, definition_id: uuid.UUID) -> MicroCredential:
    definition = microcredentials.get_visible(db, user, definition_id)
    return microcredentials.get_for_admin(db, user, definition.organization, definition_id)


@router.post("/micro-credentials/{definition_id}/publish", response_model=MicroCredentialRead)
def publish(
    db: Db, settings: AppSettings, user: Writer, definition_id: uuid.UUID
) -> MicroCredentialRead:
    """Offer the current version to the organization's teachers."""
    definition = _own(db, user, definition_id)
    return _read(settings, microcredentials.publish(db, user, definition))


@router.post("/micro-credentials/{definition_id}/archive", response_model=MicroCredentialRead)
def archive(
    db: Db, settings: AppSettings, user: Writer, definition_id: uuid.UUID
) -> MicroCredentialRead:
    """Stop offering it; issued credentials stay valid."""
    definition = _own(db, user, definition_id)
    return _read(settings, microcredentials.archive(db, user, definition))
