"""What the site navigation offers the signed-in person, decided by the features' own rules."""

from __future__ import annotations

from dataclasses import dataclass

from app.models import User
from app.services.orgs.permissions import can_manage_organizations
from app.services.review.permissions import can_use_queue


@dataclass(frozen=True)
class Navigation:
    """The links of the main navigation that depend on who is signed in."""

    review: bool = False
    organizations: bool = False


def navigation_for(user: object) -> Navigation:
    """The navigation for this person (nothing extra when nobody is signed in)."""
    if not isinstance(user, User):
        return Navigation()
    return Navigation(review=can_use_queue(user), organizations=can_manage_organizations(user))
