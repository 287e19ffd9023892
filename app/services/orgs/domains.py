"""The e-mail domains verified as an organization's (platform admins confirm them)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden, Invalid
from app.kit import audit
from app.models import Organization, OrganizationDomain, User
from app.services.identity.accounts import normalize_email
from app.services.orgs.permissions import can_manage_organizations

MAX_VERIFIED_DOMAINS = 50


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
