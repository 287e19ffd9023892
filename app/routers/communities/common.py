"""Shared pieces of the community pages: the community in the path and its URL."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from app.services.communities import membership as communities
from app.services.communities.membership import CommunityAccess
from app.web.access import Db, Member


def community_access(community: str, org: Member, db: Db) -> CommunityAccess:
    """The community named in the path, as the signed-in organization member sees it."""
    return communities.access(db, org.org, community, org.user)


Community = Annotated[CommunityAccess, Depends(community_access)]


def base_url(ctx: CommunityAccess) -> str:
    """The community's page."""
    return communities.community_url(ctx.community)
