"""Who may review evidence and manage reviews (no HTTP, no database I/O)."""

from __future__ import annotations

import uuid

from app.models import Role, User
from app.services.orgs.permissions import has_role


def can_review_evidence(user: User, organization_id: uuid.UUID) -> bool:
    """Coaches and administrators of the organization review evidence submitted there."""
    return has_role(user, organization_id, Role.COACH)


def can_manage_reviews(user: User, organization_id: uuid.UUID) -> bool:
    """Administrators assign reviews, ask for calibration and see turnaround figures."""
    return has_role(user, organization_id, Role.ADMIN)
