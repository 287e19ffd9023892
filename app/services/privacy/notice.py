"""The facts the public privacy page states, read from the actual settings and organizations."""

from __future__ import annotations

from dataclasses import dataclass

from app.models import User
from app.settings import Settings


@dataclass(frozen=True)
class OrganizationTerms:
    """One of the signed-in person's organizations and how it keeps data."""

    name: str
    retention_months: int | None
    min_cell_size: int


@dataclass(frozen=True)
class Notice:
    """What the privacy page says, from the running configuration."""

    export_ttl_hours: int
    deletion_grace_days: int
    session_days: float
    organizations: list[OrganizationTerms]


def notice(settings: Settings, user: User | None) -> Notice:
    """The privacy page's facts; a signed-in member also sees her organizations' terms."""
    organizations = []
    if user is not None:
        organizations = sorted(
            (
                OrganizationTerms(
                    m.organization.name,
                    m.organization.evidence_retention_months,
                    m.organization.min_cell_size,
                )
                for m in user.memberships
            ),
            key=lambda terms: terms.name,
        )
    return Notice(
        export_ttl_hours=settings.privacy_export_ttl_hours,
        deletion_grace_days=settings.privacy_deletion_grace_days,
        session_days=round(settings.session_max_age_seconds / 86400, 1),
        organizations=organizations,
    )
