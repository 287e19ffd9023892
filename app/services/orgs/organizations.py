"""Organizations, their members and invitations."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Select, String, func, select
from sqlalchemy.orm import Session, selectinload

from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.kit import audit, links, mail
from app.kit.keyset import Order, PageRequest, Slice, sort_key
from app.kit.tokens import new_token, token_hash
from app.models import (
    Invitation,
    Membership,
    Organization,
    OrganizationDomain,
    OrgKind,
    Role,
    User,
)
from app.services.identity.accounts import find_by_email, normalize_email
from app.services.orgs.permissions import (
    can_manage_members,
    can_manage_organizations,
    can_view_members,
    is_member,
    role_in,
)
from app.settings import Settings

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
MAX_VERIFIED_DOMAINS = 50
MEMBER_ORDER = Order(sort_key(func.lower(User.display_name, type_=String)), sort_key(Membership.id))
MEMBERSHIP_ORDER = Order(
    sort_key(func.lower(Organization.name, type_=String)), sort_key(Membership.id)
)


def get_by_slug(db: Session, slug: str) -> Organization:
    """The organization with this slug, or NotFound."""
    org = db.scalar(select(Organization).where(Organization.slug == slug))
    if org is None:
        raise NotFound(f"There is no organization called '{slug}'.")
    return org


def get_for_member(db: Session, user: User, slug: str) -> Organization:
    """The organization with this slug, for one of its members (Forbidden for anyone else)."""
    org = get_by_slug(db, slug)
    if not is_member(user, org.id):
        raise Forbidden(f"You are not a member of {org.name}.")
    return org


def create_organization(
    db: Session,
    actor: User | None,
    *,
    slug: str,
    name: str,
    kind: OrgKind = OrgKind.DISTRICT,
    url: str | None = None,
    email: str | None = None,
) -> Organization:
    """Create an organization (platform admins, or the CLI when ``actor`` is None)."""
    if actor is not None and not can_manage_organizations(actor):
        raise Forbidden("Only platform administrators create organizations.")
    slug = slug.strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise Invalid(
            "Use lower-case letters, digits and hyphens for the short name.", field="slug"
        )
    if not name.strip():
        raise Invalid("Enter the organization's name.", field="name")
    if db.scalar(select(Organization.id).where(Organization.slug == slug)) is not None:
        raise Conflict(f"The short name '{slug}' is taken.", field="slug")
    org = Organization(
        slug=slug,
        name=name.strip(),
        kind=kind,
        url=url or None,
        email=normalize_email(email) if email else None,
    )
    db.add(org)
    db.flush()
    audit.record(db, "organization.created", org, actor=actor)
    return org


def _members(viewer: User, org: Organization) -> Select[Membership]:
    """Members with their accounts, for coaches and admins."""
    if not can_view_members(viewer, org.id):
        raise Forbidden("Only coaches and administrators can see the member list.")
    return (
        select(Membership)
        .where(Membership.organization_id == org.id)
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


def pending_invitations(db: Session, org: Organization) -> list[Invitation]:
    """Invitations not yet accepted, revoked or expired."""
    return list(
        db.scalars(
            select(Invitation)
            .where(
                Invitation.organization_id == org.id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.created_at.desc())
        )
    )


def add_member(db: Session, org: Organization, user: User, role: Role) -> Membership:
    """Give a user a role in an organization (updating an existing membership)."""
    existing = db.scalar(
        select(Membership).where(
            Membership.organization_id == org.id, Membership.user_id == user.id
        )
    )
    if existing is not None:
        existing.role = role
        return existing
    membership = Membership(organization=org, user=user, role=role)
    db.add(membership)
    db.flush()
    return membership


def invite(
    db: Session,
    settings: Settings,
    org: Organization,
    actor: User,
    *,
    email: str,
    role: Role,
    ip: str | None = None,
) -> Invitation:
    """E-mail an invitation link; the person joins with the role when they accept it. The mail
    is not sent again past the hourly limits per recipient and per client address ``ip``."""
    if not can_manage_members(actor, org.id):
        raise Forbidden("Only administrators invite people.")
    address = normalize_email(email)
    invited = find_by_email(db, address)
    if invited is not None and role_in(invited, org.id) and not invited.is_platform_admin:
        raise Conflict(f"{address} is already a member.", field="email")
    raw = new_token()
    invitation = Invitation(
        organization_id=org.id,
        email=address,
        role=role,
        token_hash=token_hash(raw),
        invited_by_id=actor.id,
        expires_at=utcnow() + timedelta(seconds=settings.invitation_max_age_seconds),
    )
    db.add(invitation)
    db.flush()
    link = links.INVITATION.absolute(settings.base_url, token=raw)
    mail.queue_limited(
        db,
        settings,
        address,
        "invitation",
        client=f"invitation:{ip}" if ip else None,
        client_limit=settings.invitations_max_per_client_per_hour,
        org=org,
        inviter=actor,
        role=role,
        link=link,
    )
    audit.record(
        db,
        "member.invited",
        invitation,
        actor=actor,
        email=address,
        role=role.value,
    )
    return invitation


def find_invitation(db: Session, raw: str) -> Invitation:
    """A usable invitation for a link, or Invalid with the reason."""
    invitation = db.scalar(select(Invitation).where(Invitation.token_hash == token_hash(raw)))
    if invitation is None or invitation.revoked_at is not None:
        raise Invalid("This invitation link is not valid. Ask your administrator for a new one.")
    if invitation.accepted_at is not None:
        raise Invalid("This invitation has already been accepted.")
    if invitation.expires_at <= utcnow():
        raise Invalid("This invitation has expired. Ask your administrator for a new one.")
    return invitation


def accept_invitation(db: Session, raw: str, user: User) -> Membership:
    """Join the organization; the invitation must be for the signed-in account's address."""
    invitation = find_invitation(db, raw)
    if invitation.email != user.email:
        raise Forbidden(
            f"This invitation was sent to {invitation.email}. Sign in with that account to accept."
        )
    invitation.accepted_at = utcnow()
    membership = add_member(db, invitation.organization, user, invitation.role)
    audit.record(
        db,
        "member.joined",
        membership,
        actor=user,
    )
    return membership


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


def list_organizations(db: Session) -> list[Organization]:
    """Every organization, by name (platform admin view)."""
    return list(db.scalars(select(Organization).order_by(func.lower(Organization.name))))


def email_domain(email: str) -> str:
    """The domain of a normalized e-mail address."""
    return email.rpartition("@")[2]


def verified_domains(db: Session, org: Organization) -> list[str]:
    """The e-mail domains confirmed as the organization's, alphabetically."""
    return list(
        db.scalars(
            select(OrganizationDomain.domain)
            .where(OrganizationDomain.organization_id == org.id)
            .order_by(OrganizationDomain.domain)
        )
    )


def owns_email_domain(db: Session, org: Organization, email: str) -> bool:
    """Whether the organization holds the verified domain of this normalized e-mail address."""
    found = db.scalar(
        select(OrganizationDomain.id).where(
            OrganizationDomain.organization_id == org.id,
            OrganizationDomain.domain == email_domain(email),
        )
    )
    return found is not None


def set_verified_domains(db: Session, actor: User, org: Organization, text: str) -> list[str]:
    """Replace the organization's verified e-mail domains (platform admins only), audited."""
    if not can_manage_organizations(actor):
        raise Forbidden("Only platform administrators confirm an organization's e-mail domains.")
    wanted = _parse_domains(text)
    taken = db.scalar(
        select(OrganizationDomain.domain).where(
            OrganizationDomain.domain.in_(wanted), OrganizationDomain.organization_id != org.id
        )
    )
    if taken is not None:
        raise Conflict(f"{taken} is already verified for another organization.", field="domains")
    held = {
        row.domain: row
        for row in db.scalars(
            select(OrganizationDomain).where(OrganizationDomain.organization_id == org.id)
        )
    }
    for domain in sorted(held.keys() - wanted):
        db.delete(held[domain])
        audit.record(db, "organization.domain_removed", org, actor=actor, domain=domain)
    for domain in sorted(wanted - held.keys()):
        db.add(OrganizationDomain(organization_id=org.id, domain=domain, verified_by_id=actor.id))
        audit.record(db, "organization.domain_verified", org, actor=actor, domain=domain)
    db.flush()
    return sorted(wanted)


def _parse_domains(text: str) -> set[str]:
    """Domains separated by spaces, commas or lines, each checked and normalized like e-mail."""
    items = [item for item in re.split(r"[\s,]+", text) if item]
    if len(items) > MAX_VERIFIED_DOMAINS:
        raise Invalid(f"List at most {MAX_VERIFIED_DOMAINS} domains.", field="domains")
    domains = set()
    for item in items:
        try:
            address = normalize_email(f"postmaster@{item}", field="domains")
        except Invalid as exc:
            raise Invalid(f"'{item[:100]}' is not a domain name.", field="domains") from exc
        domains.add(email_domain(address))
    return domains
