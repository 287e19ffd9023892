"""JSON API, version 1: the caller, organizations and members (personal access tokens)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from app.models import User
from app.routers.orgs.schemas import (
    InvitationCreate,
    InvitationRead,
    MemberRead,
    MembershipRead,
    MeRead,
    OrganizationRead,
    RoleUpdate,
)
from app.services.orgs import invitations, memberships, organizations
from app.web.access import ApiToken, AppSettings, Db
from app.web.api_errors import ERROR_RESPONSES
from app.web.common import TransactionalRoute, client_ip
from app.web.paging import Page, Paging

router = APIRouter(
    prefix="/api/v1", route_class=TransactionalRoute, tags=["core"], responses=ERROR_RESPONSES
)
AccountReader = Annotated[User, Depends(ApiToken("account:read"))]
OrgReader = Annotated[User, Depends(ApiToken("orgs:read"))]
OrgAdmin = Annotated[User, Depends(ApiToken("orgs:admin"))]


@router.get("/me", response_model=MeRead)
def me(user: AccountReader) -> MeRead:
    """The token's owner and their memberships."""
    return MeRead.from_user(user)


@router.get("/orgs", response_model=Page[MembershipRead])
def my_organizations(db: Db, user: OrgReader, paging: Paging) -> Page[MembershipRead]:
    """Organizations the caller belongs to, with the caller's role, by name."""
    rows = memberships.memberships_page(db, user, paging)
    return Page[MembershipRead].of(rows, MembershipRead.from_membership)


@router.get("/orgs/{slug}", response_model=OrganizationRead)
def organization(db: Db, user: OrgReader, slug: str) -> OrganizationRead:
    """One organization the caller belongs to."""
    return OrganizationRead.model_validate(organizations.get_for_member(db, user, slug))


@router.get("/orgs/{slug}/members", response_model=Page[MemberRead])
def members(db: Db, user: OrgReader, slug: str, paging: Paging) -> Page[MemberRead]:
    """Members by name (coaches and admins only)."""
    org = organizations.get_for_member(db, user, slug)
    rows = memberships.members_slice(db, user, org, paging)
    return Page[MemberRead].of(rows, MemberRead.from_membership)


@router.post("/orgs/{slug}/invitations", response_model=InvitationRead, status_code=201)
def invite(
    request: Request,
    db: Db,
    settings: AppSettings,
    user: OrgAdmin,
    slug: str,
    body: InvitationCreate,
) -> InvitationRead:
    """Invite someone by e-mail (administrators)."""
    org = organizations.get_for_member(db, user, slug)
    invitation = invitations.invite(
        db, settings, org, user, email=body.email, role=body.role, ip=client_ip(request)
    )
    return InvitationRead.model_validate(invitation)


@router.patch("/orgs/{slug}/members/{membership_id}", response_model=MemberRead)
def change_role(
    db: Db, user: OrgAdmin, slug: str, membership_id: uuid.UUID, body: RoleUpdate
) -> MemberRead:
    """Change a member's role (administrators)."""
    org = organizations.get_for_member(db, user, slug)
    membership = memberships.change_role(db, org, user, membership_id, body.role)
    return MemberRead.from_membership(membership)
