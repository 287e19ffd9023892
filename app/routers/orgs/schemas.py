"""JSON shapes for accounts, organizations and members."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.models import Membership, OrgKind, Role, User


class OrganizationRead(BaseModel):
    """An organization (tenant and credential issuer)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slug: str
    name: str
    kind: OrgKind
    url: str | None
    email: str | None


class MembershipRead(BaseModel):
    """The caller's role in one organization."""

    organization: OrganizationRead
    role: Role

    @classmethod
    def from_membership(cls, membership: Membership) -> MembershipRead:
        """Build from a membership row."""
        return cls(
            organization=OrganizationRead.model_validate(membership.organization),
            role=membership.role,
        )


class MeRead(BaseModel):
    """The signed-in person."""

    id: uuid.UUID
    email: str
    display_name: str
    email_verified: bool
    is_platform_admin: bool
    memberships: list[MembershipRead]

    @classmethod
    def from_user(cls, user: User) -> MeRead:
        """Build from a user row."""
        return cls(
            id=user.id,
            email=user.email,
            display_name=user.display_name,
            email_verified=user.is_verified,
            is_platform_admin=user.is_platform_admin,
            memberships=[MembershipRead.from_membership(m) for m in user.memberships],
        )


class MemberRead(BaseModel):
    """A member of an organization."""

    membership_id: uuid.UUID
    user_id: uuid.UUID
    display_name: str
    email: str
    role: Role

    @classmethod
    def from_membership(cls, membership: Membership) -> MemberRead:
        """Build from a membership row."""
        return cls(
            membership_id=membership.id,
            user_id=membership.user_id,
            display_name=membership.user.display_name,
            email=membership.user.email,
            role=membership.role,
        )


class InvitationCreate(BaseModel):
    """Invite an e-mail address with a role."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320)
    role: Role = Role.TEACHER


class InvitationRead(BaseModel):
    """A sent invitation."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    role: Role
    expires_at: datetime


class RoleUpdate(BaseModel):
    """A new role for a member."""

    model_config = ConfigDict(extra="forbid")

    role: Role
