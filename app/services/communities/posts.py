"""Acting on posts and threads: edit with history, delete, react, helpful, pin and lock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.kit import audit, once
from app.models import Post, PostRevision, PostStatus, Reaction, Thread
from app.services.communities.membership import CommunityAccess, require_moderator, require_read
from app.services.communities.permissions import can_mark_helpful, is_own_post
from app.services.communities.threads import check_body, index_post, render_post
from app.settings import Settings

REACTIONS = {"thanks": "Thanks", "agree": "Agree", "insightful": "Insightful"}


@dataclass(frozen=True)
class PostControls:
    """What the viewer sees and may do on one post of a thread page."""

    body: bool
    react: bool
    mark_helpful: bool
    change: bool
    report: bool
    moderate: bool


def controls(
    ctx: CommunityAccess, thread: Thread, posts: list[Post]
) -> dict[uuid.UUID, PostControls]:
    """The viewer's controls on each post, by post id: authors edit and delete their shown posts,
    others report them; moderators also see hidden bodies and hide, restore or remove posts."""
    return {post.id: _controls(ctx, thread, post) for post in posts}


def _controls(ctx: CommunityAccess, thread: Thread, post: Post) -> PostControls:
    shown = post.status == PostStatus.VISIBLE
    moderate = ctx.can_moderate and post.status != PostStatus.DELETED
    own = is_own_post(ctx.user, post)
    return PostControls(
        body=shown or moderate,
        react=shown and ctx.can_post,
        mark_helpful=shown
        and not post.is_opening
        and can_mark_helpful(ctx.user, thread, moderator=ctx.can_moderate),
        change=shown and own,
        report=shown and not own,
        moderate=moderate,
    )


def get_post(db: Session, ctx: CommunityAccess, post_id: uuid.UUID) -> Post:
    """A post of this community that the viewer may read."""
    require_read(ctx)
    post = db.get(Post, post_id)
    if post is None or post.community_id != ctx.community.id:
        raise NotFound("There is no such post in this community.")
    return post


def own_visible_post(db: Session, ctx: CommunityAccess, post_id: uuid.UUID) -> Post:
    """The viewer's own post, still shown: the only kind they may open for editing or change
    (anyone else's, or a hidden or deleted one, is refused)."""
    post = get_post(db, ctx, post_id)
    if not is_own_post(ctx.user, post):
        raise Forbidden("You can only change your own posts.")
    if post.status != PostStatus.VISIBLE:
        raise Conflict("This post is no longer shown and cannot be changed.")
    return post


def edit(
    db: Session, settings: Settings, ctx: CommunityAccess, post_id: uuid.UUID, body: str
) -> Post:
    """Change the text of one's own post; the earlier text is kept as a revision."""
    post = own_visible_post(db, ctx, post_id)
    if not ctx.can_post:
        raise Forbidden("You cannot post in this community now.")
    if post.thread.locked and not ctx.can_moderate:
        raise Forbidden("This thread is locked.")
    body = check_body(settings, body)
    if body == post.body:
        return post
    db.add(PostRevision(post_id=post.id, editor_id=ctx.user.id, body=post.body))
    post.body = body
    post.body_html = render_post(db, ctx, body)
    post.edited_at = utcnow()
    index_post(db, post)
    return post


def revisions(
    db: Session, ctx: CommunityAccess, post_id: uuid.UUID
) -> tuple[Post, list[PostRevision]]:
    """A post and its earlier versions, newest first (hidden posts: moderators only)."""
    post = get_post(db, ctx, post_id)
    if post.status != PostStatus.VISIBLE and not ctx.can_moderate:
        raise NotFound("This post is no longer shown.")
    rows = db.scalars(
        select(PostRevision)
        .where(PostRevision.post_id == post.id)
        .order_by(PostRevision.created_at.desc())
    )
    return post, list(rows)


def delete_own(db: Session, ctx: CommunityAccess, post_id: uuid.UUID) -> Post:
    """Delete one's own post (soft: the thread keeps a placeholder; history stays for audit)."""
    post = own_visible_post(db, ctx, post_id)
    change_status(db, post, PostStatus.DELETED)
    index_post(db, post)
    audit.record(
        db,
        "community.post_deleted",
        post,
        actor=ctx.user,
        organization_id=ctx.community.organization_id,
    )
    return post


def toggle_reaction(db: Session, ctx: CommunityAccess, post_id: uuid.UUID, kind: str) -> bool:
    """Add or take back a reaction; True when it was added."""
    if kind not in REACTIONS:
        raise Invalid("Choose one of the offered reactions.", field="kind")
    post = get_post(db, ctx, post_id)
    if not ctx.can_post:
        raise Forbidden("Join this community to react to posts.")
    if post.status != PostStatus.VISIBLE:
        raise Conflict("This post is no longer shown.")
    removed = db.execute(
        delete(Reaction).where(
            Reaction.post_id == post.id, Reaction.user_id == ctx.user.id, Reaction.kind == kind
        )
    ).rowcount  # type: ignore[attr-defined]
    if removed:
        return False
    try:
        with db.begin_nested():
            db.add(Reaction(post_id=post.id, user_id=ctx.user.id, kind=kind))
    except IntegrityError:
        pass  # the same person's other request added it a moment ago
    return True


def mark_helpful(db: Session, ctx: CommunityAccess, post_id: uuid.UUID) -> Post:
    """The thread's author or a facilitator marks a reply as the helpful answer (toggles)."""
    post = get_post(db, ctx, post_id)
    thread = _locked_thread(db, post)
    if not can_mark_helpful(ctx.user, thread, moderator=ctx.can_moderate):
        raise Forbidden("Only the thread's author or a facilitator marks the helpful answer.")
    if post.is_opening or post.status != PostStatus.VISIBLE:
        raise Conflict("Only a visible reply can be the helpful answer.")
    post.helpful = not post.helpful
    thread.answered = post.helpful or bool(
        db.scalar(
            select(Post.id).where(
                Post.thread_id == thread.id, Post.helpful.is_(True), Post.id != post.id
            )
        )
    )
    return post


def _locked_thread(db: Session, post: Post) -> Thread:
    """Lock the post's thread row, then re-read it and the post, so two people marking replies
    helpful at once are applied one after the other and ``answered`` matches the replies."""
    db.execute(select(Thread.id).where(Thread.id == post.thread_id).with_for_update(key_share=True))
    db.refresh(post.thread)
    db.refresh(post, ["helpful", "status"])
    return post.thread


def change_status(db: Session, post: Post, status: PostStatus) -> None:
    """Set the post's status unless someone changed it since it was read (then Conflict), so a
    moderator's restore cannot bring back a post its author deleted or another moderator removed."""
    once.change_or_refuse(
        db,
        post,
        "Someone else changed this post meanwhile. Reload the page and try again.",
        Post.status == post.status,
        status=status,
    )


def set_flag(db: Session, ctx: CommunityAccess, thread: Thread, flag: str, value: bool) -> None:
    """Pin/unpin or lock/unlock a thread (facilitators and administrators)."""
    require_moderator(ctx)
    if flag not in {"pinned", "locked"}:
        raise Invalid("Unknown thread setting.")
    setattr(thread, flag, value)
    action = {"pinned": ("unpinned", "pinned"), "locked": ("unlocked", "locked")}[flag][value]
    audit.record(
        db,
        f"community.thread_{action}",
        thread,
        actor=ctx.user,
        organization_id=ctx.community.organization_id,
    )
