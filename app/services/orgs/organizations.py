"""Organizations: finding one, creating one, listing them, and giving a person a role in one."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.kit import audit
from app.models import Membership, Organization, OrgKind, Role, User
from app.services.identity.accounts import normalize_email
from app.services.orgs.permissions import can_manage_organizations, is_member

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


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


def list_organizations(db: Session) -> list[Organization]:
    """Every organization, by name (platform admin view)."""
    return list(db.scalars(select(Organization).order_by(func.lower(Organization.name))))


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
