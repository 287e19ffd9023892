"""Who may do what with privacy features; pages and commands ask here."""

from __future__ import annotations

import uuid

from app.models import DataExport, User
from app.services.orgs.permissions import can_manage_members


def may_download(user: User, export: DataExport) -> bool:
    """Only the person an export is about may download it."""
    return export.user_id == user.id


def may_manage_privacy(user: User, organization_id: uuid.UUID) -> bool:
    """The organization's administrators set its retention and read its audit trail."""
    return can_manage_members(user, organization_id)
