"""Who may see an organization's impact figures: its administrators (and platform admins)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.errors import Forbidden
from app.models import Organization, Role, User
from app.services.orgs import organizations
from app.services.orgs.permissions import has_role


def may_view(user: User, org: Organization) -> bool:
    """Administrators of the organization see its impact figures and state report."""
    return has_role(user, org.id, Role.ADMIN)


def organization_for_viewer(db: Session, user: User, slug: str) -> Organization:
    """The organization, for someone who may see its figures (Forbidden for anyone else)."""
    org = organizations.get_for_member(db, user, slug)
    if not may_view(user, org):
        raise Forbidden(f"Only administrators of {org.name} see its impact figures.")
    return org
