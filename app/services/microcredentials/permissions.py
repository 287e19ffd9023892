"""Who may author micro-credentials (no I/O)."""

from __future__ import annotations

import uuid

from app.models import Role, User
from app.services.orgs.permissions import has_role


def can_author_microcredentials(user: User, organization_id: uuid.UUID) -> bool:
    """Administrators create, edit, publish, archive and bulk-issue micro-credentials."""
    return has_role(user, organization_id, Role.ADMIN)
