"""Moderation: members report posts; facilitators and administrators hide, restore or remove."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid
from app.kit import audit, links
from app.models import (
    CommunityMember,
    MemberRole,
    MemberStatus,
    Post,
    PostReport,
    PostStatus,
    ReportStatus,
    User,
)
from app.services.communities.membership import CommunityAccess, require_moderator
from app.services.communities.posts import change_status, get_post
from app.services.communities.threads import index_post, thread_url
from app.services.notifications import delivery as notifications
from app.settings import Settings

PAST = {"hide": "hidden", "restore": "restored", "remove": "removed"}
ACTION_WORDS = {"hide": "hid", "remove": "removed", "restore": "restored"}
ACTIONS = {"hide": PostStatus.HIDDEN, "restore": PostStatus.VISIBLE, "remove": PostStatus.REMOVED}


def report(
    db: Session, settings: Settings, ctx: CommunityAccess, post_id: uuid.UUID, reason: str
) -> PostReport:
    """Report a post with a reason (once per person); the facilitators are notified."""
    post = get_post(db, ctx, post_id)
    reason = reason.strip()
    if not reason:
        raise Invalid("Say briefly what is wrong with this post.", field="reason")
    if len(reason) > 1000:
        raise Invalid("Keep the reason under 1,000 characters.", field="reason")
    if post.author_id == ctx.user.id:
        raise Conflict("You cannot report your own post; delete or edit it instead.")
    if post.status != PostStatus.VISIBLE:
        raise Conflict("This post is already hidden from the community.")
    exists = db.scalar(
        select(PostReport.id).where(
            PostReport.post_id == post.id, PostReport.reporter_id == ctx.user.id
        )
    )
    if exists is not None:
        raise Conflict("You have already reported this post; a facilitator will look at it.")
    row = PostReport(
        post_id=post.id, community_id=ctx.community.id, reporter_id=ctx.user.id, reason=reason
    )
    db.add(row)
    db.flush()
    audit.record(
        db,
        "community.post_reported",
        post,
        actor=ctx.user,
        organization_id=ctx.community.organization_id,
    )
    queue_url = links.COMMUNITY_MODERATION.path_for(
        slug=ctx.community.organization.slug, community=ctx.community.slug
    )
    for facilitator in _facilitators(db, ctx):
        notifications.notify(
            db, settings, facilitator, "moderation",
            f"A post in {ctx.community.name} was reported", queue_url, body=reason[:500],
        )  # fmt: skip
    return row


def _facilitators(db: Session, ctx: CommunityAccess) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .join(CommunityMember, CommunityMember.user_id == User.id)
            .where(
                CommunityMember.community_id == ctx.community.id,
                CommunityMember.role == MemberRole.FACILITATOR,
                CommunityMember.status == MemberStatus.ACTIVE,
            )
        )
    )


def queue(db: Session, ctx: CommunityAccess) -> list[PostReport]:
    """Open reports, oldest first (moderators)."""
    require_moderator(ctx)
    return list(
        db.scalars(
            select(PostReport)
            .where(
                PostReport.community_id == ctx.community.id,
                PostReport.status == ReportStatus.OPEN,
            )
            .order_by(PostReport.created_at)
        )
    )


def moderate(
    db: Session,
    settings: Settings,
    ctx: CommunityAccess,
    post_id: uuid.UUID,
    action: str,
    note: str = "",
) -> Post:
    """Hide, restore or remove a post; resolves its open reports and tells its author."""
    require_moderator(ctx)
    if action not in ACTIONS:
        raise Invalid("Choose hide, restore or remove.")
    post = get_post(db, ctx, post_id)
    if post.status == PostStatus.DELETED:
        raise Conflict("The author deleted this post.")
    if post.status == PostStatus.REMOVED and action != "remove":
        raise Forbidden("Removed posts cannot be restored.")
    change_status(db, post, ACTIONS[action])
    index_post(db, post)
    db.execute(
        update(PostReport)
        .where(PostReport.post_id == post.id, PostReport.status == ReportStatus.OPEN)
        .values(status=ReportStatus.RESOLVED, resolved_by_id=ctx.user.id, resolved_at=utcnow())
    )
    audit.record(
        db,
        f"community.post_{PAST[action]}",
        post,
        actor=ctx.user,
        organization_id=ctx.community.organization_id,
        note=note.strip()[:500],
    )
    if post.author is not None and action != "restore":
        notifications.notify(
            db, settings, post.author, "moderation",
            f"A facilitator {ACTION_WORDS[action]} your post in '{post.thread.title}'",
            thread_url(ctx, post.thread), body=note.strip()[:500], actor=ctx.user,
        )  # fmt: skip
    return post


def dismiss(db: Session, ctx: CommunityAccess, report_id: uuid.UUID) -> None:
    """Close a report without acting on the post."""
    require_moderator(ctx)
    report = db.scalar(
        update(PostReport)
        .where(
            PostReport.id == report_id,
            PostReport.community_id == ctx.community.id,
            PostReport.status == ReportStatus.OPEN,
        )
        .values(status=ReportStatus.RESOLVED, resolved_by_id=ctx.user.id, resolved_at=utcnow())
        .returning(PostReport)
    )
    if report is None:
        raise Conflict("That report is not open.")
    audit.record(
        db,
        "community.report_dismissed",
        report,
        actor=ctx.user,
        organization_id=ctx.community.organization_id,
    )
