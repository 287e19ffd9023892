"""Who may read, post in, moderate and create communities (no I/O)."""

from __future__ import annotations

import uuid

from app.models import (
    Community,
    CommunityMember,
    Exemplar,
    JoinPolicy,
    MemberRole,
    MemberStatus,
    Post,
    Role,
    Thread,
    User,
)
from app.services.orgs.permissions import has_role, is_member


def community_moderator(
    user: User, organization_id: uuid.UUID, member: CommunityMember | None
) -> bool:
    """Facilitators of the community and administrators of its organization moderate it."""
    if has_role(user, organization_id, Role.ADMIN):
        return True
    return (
        member is not None
        and member.role == MemberRole.FACILITATOR
        and member.status == MemberStatus.ACTIVE
    )


def can_read_community(user: User, community: Community, member: CommunityMember | None) -> bool:
    """Members read their community; open communities are readable by the whole organization."""
    if community_moderator(user, community.organization_id, member):
        return True
    if member is not None and member.status != MemberStatus.PENDING:
        return True
    return community.join_policy == JoinPolicy.OPEN and is_member(user, community.organization_id)


def can_post_in_community(member: CommunityMember | None) -> bool:
    """Only active (not pending, not suspended) members post."""
    return member is not None and member.status == MemberStatus.ACTIVE


def can_create_community(user: User, organization_id: uuid.UUID) -> bool:
    """Coaches and administrators create communities."""
    return has_role(user, organization_id, Role.COACH)


def is_own_post(user: User, post: Post) -> bool:
    """Authors edit and delete their own posts (and do not report them)."""
    return post.author_id == user.id


def can_mark_helpful(user: User, thread: Thread, *, moderator: bool) -> bool:
    """The thread's author and the community's moderators mark a reply as the helpful answer."""
    return thread.author_id == user.id or moderator


def can_change_membership(user: User, member: CommunityMember) -> bool:
    """Moderators approve, suspend, reinstate and promote other people, never themselves."""
    return member.user_id != user.id


def can_withdraw_exemplar(user: User, exemplar: Exemplar) -> bool:
    """Only the teacher who shared an exemplar withdraws it."""
    return exemplar.owner_id == user.id
