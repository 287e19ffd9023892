"""An organization's members: the member list, their roles, and removing them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Select, String, func, select
from sqlalchemy.orm import Session, selectinload

from app.errors import Conflict, Forbidden, NotFound
from app.kit import audit
from app.kit.keyset import Order, PageRequest, Slice, sort_key
from app.models import Invitation, Membership, Organization, Role, User
from app.services.orgs.invitations import pending_invitations
from app.services.orgs.permissions import can_manage_members, can_view_members, listed_member

MEMBER_ORDER = Order(sort_key(func.lower(User.display_name, type_=String)), sort_key(Membership.id))
MEMBERSHIP_ORDER = Order(
    sort_key(func.lower(Organization.name, type_=String)), sort_key(Membership.id)
)


def _members(viewer: User, org: Organization) -> Select[Membership]:
    """Members with their accounts, for coaches and admins (erased accounts left out)."""
    if not can_view_members(viewer, org.id):
        raise Forbidden("Only coaches and administrators can see the member list.")
    return (
        select(Membership)
        .where(Membership.organization_id == org.id, listed_member())
        .options(selectinload(Membership.user))
        .join(User)
    )


def list_members(db: Session, viewer: User, org: Organization) -> list[Membership]:
    """Members with their accounts, by name (coaches and admins)."""
    return list(db.scalars(_members(viewer, org).order_by(*MEMBER_ORDER.clauses())))


def members_slice(
    db: Session, viewer: User, org: Organization, page: PageRequest
) -> Slice[Membership]:
    """A page of the members, by name (coaches and admins)."""
    return MEMBER_ORDER.scalars(db, _members(viewer, org), page)


def memberships_page(db: Session, user: User, page: PageRequest) -> Slice[Membership]:
    """A page of the person's memberships, by organization name."""
    query = select(Membership).join(Organization).where(Membership.user_id == user.id)
    return MEMBERSHIP_ORDER.scalars(db, query, page)


@dataclass(frozen=True)
class MembersPage:
    """The member list and whether the viewer manages it (invites, changes roles, removes)."""

    members: list[Membership]
    invitations: list[Invitation]
    can_manage: bool


def members_page(db: Session, viewer: User, org: Organization) -> MembersPage:
    """The member list (coaches and admins); managers also get the pending invitations."""
    can_manage = can_manage_members(viewer, org.id)
    invitations = pending_invitations(db, org) if can_manage else []
    return MembersPage(list_members(db, viewer, org), invitations, can_manage)


def _membership(db: Session, org: Organization, membership_id: uuid.UUID) -> Membership:
    membership = db.get(Membership, membership_id)
    if membership is None or membership.organization_id != org.id:
        raise NotFound("That person is not a member of this organization.")
    return membership


def _other_admins(db: Session, org: Organization, membership: Membership) -> int:
    return (
        db.scalar(
            select(func.count()).where(
                Membership.organization_id == org.id,
                Membership.role == Role.ADMIN,
                Membership.id != membership.id,
            )
        )
        or 0
    )


def change_role(
    db: Session, org: Organization, actor: User, membership_id: uuid.UUID, role: Role
) -> Membership:
    """Change a member's role; the last administrator cannot be demoted."""
    if not can_manage_members(actor, org.id):
        raise Forbidden("Only administrators change roles.")
    membership = _membership(db, org, membership_id)
    if (
        membership.role == Role.ADMIN
        and role != Role.ADMIN
        and not _other_admins(db, org, membership)
    ):
        raise Conflict("An organization needs at least one administrator.")
    old = membership.role
    membership.role = role
    audit.record(
        db,
        "member.role_changed",
        membership,
        actor=actor,
        old=old.value,
        new=role.value,
    )
    return membership


def remove_member(db: Session, org: Organization, actor: User, membership_id: uuid.UUID) -> None:
    """Remove a member; the last administrator cannot be removed."""
    if not can_manage_members(actor, org.id):
        raise Forbidden("Only administrators remove members.")
    membership = _membership(db, org, membership_id)
    if membership.role == Role.ADMIN and not _other_admins(db, org, membership):
        raise Conflict("An organization needs at least one administrator.")
    audit.record(db, "member.removed", membership.user, actor=actor, organization_id=org.id)
    db.delete(membership)
