"""What the site navigation offers the signed-in person, decided by the features' own rules."""

from __future__ import annotations

from dataclasses import dataclass

from app.kit import links
from app.models import User
from app.services.orgs.permissions import can_manage_members, can_manage_organizations
from app.services.review.permissions import can_use_queue


@dataclass(frozen=True)
class Navigation:
    """The links of the main navigation that depend on who is signed in."""

    review: bool = False
    organizations: bool = False
    admin: str | None = None
    """Where "Admin" leads: the organization's admin area, or the chooser for several."""
    communities: str | None = None
    """Where "Communities" leads: the organization's communities, or the dashboard's list of
    organizations (each with its communities) for someone in several."""


def _admin_link(user: User) -> str | None:
    if user.is_platform_admin:
        return links.ADMIN_CHOOSER.path
    slugs = [
        m.organization.slug for m in user.memberships if can_manage_members(user, m.organization_id)
    ]
    if not slugs:
        return None
    if len(slugs) > 1:
        return links.ADMIN_CHOOSER.path
    return links.ORG_ADMIN.path_for(slug=slugs[0])


def _communities_link(user: User) -> str | None:
    slugs = [m.organization.slug for m in user.memberships]
    if not slugs:
        return None
    if len(slugs) > 1:
        return "/#orgs-title"
    return links.COMMUNITIES.path_for(slug=slugs[0])


def navigation_for(user: object) -> Navigation:
    """The navigation for this person (nothing extra when nobody is signed in)."""
    if not isinstance(user, User):
        return Navigation()
    return Navigation(
        review=can_use_queue(user),
        organizations=can_manage_organizations(user),
        admin=_admin_link(user),
        communities=_communities_link(user),
    )
