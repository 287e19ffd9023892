"""Who may author modules and see an organization's catalog (no I/O)."""

from __future__ import annotations

import uuid

from app.models import Role, User
from app.services.orgs.permissions import has_role, is_member


def can_author_modules(user: User, organization_id: uuid.UUID) -> bool:
    """Administrators create, edit, publish and archive their organization's modules."""
    return has_role(user, organization_id, Role.ADMIN)


def can_see_catalog_of(user: User, organization_id: uuid.UUID) -> bool:
    """Members see the published modules of their organizations."""
    return is_member(user, organization_id)
