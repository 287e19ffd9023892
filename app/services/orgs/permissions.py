"""Who may do what in an organization: roles, membership and member management (no I/O)."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement

from app.models import Membership, Role, User

ROLE_RANK = {Role.TEACHER: 1, Role.COACH: 2, Role.ADMIN: 3}


def role_in(user: User, organization_id: uuid.UUID) -> Role | None:
    """The user's role in an organization; platform admins act as admins everywhere."""
    if user.is_platform_admin:
        return Role.ADMIN
    for membership in user.memberships:
        if membership.organization_id == organization_id:
            return membership.role
    return None


def is_member(user: User, organization_id: uuid.UUID) -> bool:
    """Whether the user belongs to the organization (or is a platform admin)."""
    return role_in(user, organization_id) is not None


def has_role(user: User, organization_id: uuid.UUID, minimum: Role) -> bool:
    """Whether the user's role in the organization is at least ``minimum``."""
    role = role_in(user, organization_id)
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[minimum]


def can_manage_members(user: User, organization_id: uuid.UUID) -> bool:
    """Admins invite people, change roles and remove members."""
    return has_role(user, organization_id, Role.ADMIN)


def can_view_members(user: User, organization_id: uuid.UUID) -> bool:
    """Coaches and admins see the member list; teachers do not."""
    return has_role(user, organization_id, Role.COACH)


def can_manage_organizations(user: User) -> bool:
    """Only platform admins create organizations."""
    return user.is_platform_admin


def sso_may_link_by_email(user: User, organization_id: uuid.UUID, *, owns_domain: bool) -> bool:
    """Whether an organization's single sign-on may take over an existing account by e-mail
    alone: never a platform admin's; otherwise only a member's, or one in a domain it owns."""
    if user.is_platform_admin:
        return False
    return owns_domain or any(m.organization_id == organization_id for m in user.memberships)


def organizations_of(user: User) -> list[Membership]:
    """The user's memberships, alphabetically by organization."""
    return sorted(user.memberships, key=lambda m: m.organization.name.lower())


def listed_member() -> ColumnElement[bool]:
    """SQL: the member's account was not erased (an erased account keeps its membership only so
    that reports still add up; it is never shown or counted as a member)."""
    return User.deleted_at.is_(None)
