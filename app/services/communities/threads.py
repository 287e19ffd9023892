"""Threads and replies: posting (with attachments, mentions and notifications) and reading."""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, selectinload

from app import faults
from app.db import utcnow
from app.errors import Forbidden, Invalid, NotFound, TooManyRequests
from app.kit import counters, links
from app.kit.keyset import Order, PageRequest, Slice, sort_key
from app.kit.markdown import MENTION, render_markdown
from app.kit.storage.uploads import Upload
from app.models import (
    Community,
    CommunityMember,
    JoinPolicy,
    Membership,
    MemberStatus,
    Post,
    PostStatus,
    Thread,
    User,
)
from app.services.communities import attachments
from app.services.communities import search as community_search
from app.services.communities.membership import CommunityAccess, require_read
from app.services.notifications import delivery as notifications
from app.settings import Settings

T = TypeVar("T")
MAX_MENTIONS = 10
THREAD_ORDER = Order(
    sort_key(Thread.pinned, descending=True),
    sort_key(Thread.last_activity_at, descending=True),
    sort_key(Thread.id),
)


def handle_for(user: User) -> str:
    """The @handle people use to mention someone: their name in lower case, joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", user.display_name.lower()).strip("-") or "member"


@dataclass(frozen=True)
class Page:
    """One page of a list."""

    number: int
    count: int

    @property
    def has_previous(self) -> bool:
        """Whether there is a page before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether there is a page after this one."""
        return self.number < self.count


def make_page(number: int | None, total: int, size: int, *, strict: bool = False) -> Page:
    """Page ``number`` (``None``: the last) of ``total`` rows; past the last page, the last one,
    or NotFound when ``strict`` (API clients walk pages until told there are no more).

    ``total`` is counted from the rows when the page is read, never taken from a denormalized
    counter, so every row is on exactly one page even when a counter has drifted.
    """
    count = max(1, math.ceil(total / size))
    if number is None:
        return Page(count, count)
    if strict and number > count:
        pages = "page" if count == 1 else "pages"
        raise NotFound(f"There is no page {number}: this list has {count} {pages}.")
    return Page(min(max(1, number), count), count)


def check_can_post(db: Session, settings: Settings, ctx: CommunityAccess) -> None:
    """Refuse posting by non-members, pending or suspended members, and over-eager new accounts."""
    status = ctx.status
    if status == MemberStatus.SUSPENDED:
        raise Forbidden("You are suspended from this community and cannot post.")
    if status != MemberStatus.ACTIVE:
        raise Forbidden("Join this community to post in it.")
    _check_rate(db, settings, ctx.user)


def _check_rate(db: Session, settings: Settings, user: User) -> None:
    now = utcnow()
    if user.created_at < now - timedelta(days=settings.community_new_account_days):
        return
    recent = db.scalar(
        select(func.count()).where(
            Post.author_id == user.id, Post.created_at > now - timedelta(hours=1)
        )
    )
    if (recent or 0) >= settings.community_new_account_posts_per_hour:
        raise TooManyRequests(
            "New accounts can post "
            f"{settings.community_new_account_posts_per_hour} times an hour. Please wait a while.",
            retry_after=3600,
        )


def check_body(settings: Settings, body: str) -> str:
    """The post text, trimmed, or Invalid when empty or too long."""
    body = body.strip()
    if not body:
        raise Invalid("Write something first.", field="body")
    if len(body) > settings.community_post_max_chars:
        raise Invalid(
            f"Posts can be at most {settings.community_post_max_chars:,} characters "
            f"(this one has {len(body):,}).",
            field="body",
        )
    return body


def create_thread(
    db: Session,
    settings: Settings,
    ctx: CommunityAccess,
    *,
    title: str,
    body: str,
    uploads: list[Upload] | None = None,
) -> Thread:
    """Start a thread with its opening post."""
    check_can_post(db, settings, ctx)
    title = " ".join(title.split())
    if not title or len(title) > 200:
        raise Invalid("Give the thread a title of at most 200 characters.", field="title")
    body = check_body(settings, body)
    thread = Thread(community_id=ctx.community.id, author_id=ctx.user.id, title=title)
    db.add(thread)
    db.flush()
    post = _add_post(db, settings, ctx, thread, body, uploads or [], opening=True)
    counters.add(db, ctx.community, Community.thread_count, 1)
    index_post(db, post, new=True)
    _notify_mentions(db, settings, ctx, thread, post)
    return thread


def reply(
    db: Session,
    settings: Settings,
    ctx: CommunityAccess,
    thread_id: uuid.UUID,
    *,
    body: str,
    uploads: list[Upload] | None = None,
) -> Post:
    """Reply to a thread (not when it is locked)."""
    thread = get_thread(db, ctx, thread_id)
    check_can_post(db, settings, ctx)
    if thread.locked:
        raise Forbidden("This thread is locked; no new replies can be added.")
    body = check_body(settings, body)
    post = _add_post(db, settings, ctx, thread, body, uploads or [], opening=False)
    counters.add(db, thread, Thread.reply_count, 1)
    thread.last_activity_at = utcnow()
    index_post(db, post, new=True)
    mentioned = _notify_mentions(db, settings, ctx, thread, post)
    author = thread.author
    if author is not None and author.id not in mentioned and not _muted(db, thread, author):
        notifications.notify(
            db, settings, author, "reply",
            f"{ctx.user.display_name} replied to '{thread.title}'",
            thread_url(ctx, thread, post), actor=ctx.user,
        )  # fmt: skip
    faults.point(db, "community.reply")
    return post


def _muted(db: Session, thread: Thread, user: User) -> bool:
    return bool(
        db.scalar(
            select(CommunityMember.muted).where(
                CommunityMember.community_id == thread.community_id,
                CommunityMember.user_id == user.id,
            )
        )
    )


def _add_post(
    db: Session,
    settings: Settings,
    ctx: CommunityAccess,
    thread: Thread,
    body: str,
    uploads: list[Upload],
    *,
    opening: bool,
) -> Post:
    post = Post(
        thread_id=thread.id,
        community_id=ctx.community.id,
        author_id=ctx.user.id,
        is_opening=opening,
        body=body,
        body_html=render_post(db, ctx, body),
    )
    db.add(post)
    db.flush()
    if uploads:
        attachments.store(
            db, settings, uploads, community_id=ctx.community.id, uploader=ctx.user, post_id=post.id
        )
    return post


def thread_url(ctx: CommunityAccess, thread: Thread, post: Post | None = None) -> str:
    """The thread's page (and the post's anchor)."""
    url = links.COMMUNITY_THREAD.path_for(
        slug=ctx.community.organization.slug, community=ctx.community.slug, thread_id=thread.id
    )
    return f"{url}?page=last#post-{post.id}" if post is not None else url


def _mentioned(db: Session, ctx: CommunityAccess, body: str) -> list[User]:
    """The people an @handle in ``body`` names, among those who can read the community."""
    handles = {h.lower() for h in MENTION.findall(body)}
    if not handles:
        return []
    return [u for u in _mentionable(db, ctx) if handle_for(u) in handles][:MAX_MENTIONS]


def person_url(ctx: CommunityAccess, user: User) -> str:
    """The person's page in this community."""
    return links.COMMUNITY_PERSON.path_for(
        slug=ctx.community.organization.slug, community=ctx.community.slug, user_id=user.id
    )


def render_post(db: Session, ctx: CommunityAccess, body: str) -> str:
    """A post's sanitized HTML; an @handle of someone who can read the community (whose page
    here every reader of the post may open) links to that page."""
    mentions = {handle_for(u): person_url(ctx, u) for u in _mentioned(db, ctx, body)}
    return render_markdown(body, "post", mentions=mentions)


def _notify_mentions(
    db: Session, settings: Settings, ctx: CommunityAccess, thread: Thread, post: Post
) -> set[uuid.UUID]:
    targets = _mentioned(db, ctx, post.body)
    for user in targets:
        notifications.notify(
            db, settings, user, "mention",
            f"{ctx.user.display_name} mentioned you in '{thread.title}'",
            thread_url(ctx, thread, post), body=post.body[:500], actor=ctx.user,
        )  # fmt: skip
    return {u.id for u in targets}


def _mentionable_query(ctx: CommunityAccess) -> Select[User]:
    """SQL: the people who can read the community, active and not erased."""
    if ctx.community.join_policy == JoinPolicy.OPEN:
        query = (
            select(User)
            .join(Membership)
            .where(Membership.organization_id == ctx.community.organization_id)
        )
    else:
        query = (
            select(User)
            .join(CommunityMember)
            .where(
                CommunityMember.community_id == ctx.community.id,
                CommunityMember.status != MemberStatus.PENDING,
            )
        )
    return query.where(User.is_active.is_(True), User.deleted_at.is_(None))


def _mentionable(db: Session, ctx: CommunityAccess) -> list[User]:
    """Who can be mentioned: anyone who can read the community (members; for open ones, the org)."""
    return list(db.scalars(_mentionable_query(ctx)))


@dataclass(frozen=True)
class Person:
    """Someone who can read the community, as its readers see them there."""

    user: User
    member: CommunityMember | None
    threads: list[Thread]


PERSON_THREADS = 5


def person(db: Session, ctx: CommunityAccess, user_id: uuid.UUID) -> Person:
    """The page of someone who can read this community (as their mention links to it), for a
    viewer who reads it too; NotFound for anyone else, so the page reveals nobody outside."""
    require_read(ctx)
    user = db.scalar(_mentionable_query(ctx).where(User.id == user_id))
    if user is None:
        raise NotFound("There is no such person in this community.")
    member = db.scalar(
        select(CommunityMember).where(
            CommunityMember.community_id == ctx.community.id, CommunityMember.user_id == user.id
        )
    )
    threads = list(
        db.scalars(
            select(Thread)
            .where(
                Thread.community_id == ctx.community.id,
                Thread.id.in_(
                    select(Post.thread_id).where(
                        Post.author_id == user.id, Post.status == PostStatus.VISIBLE
                    )
                ),
            )
            .order_by(Thread.last_activity_at.desc(), Thread.id)
            .limit(PERSON_THREADS)
        )
    )
    return Person(user, member, threads)


def get_thread(db: Session, ctx: CommunityAccess, thread_id: uuid.UUID) -> Thread:
    """A thread of this community the viewer may read."""
    require_read(ctx)
    thread = db.get(Thread, thread_id)
    if thread is None or thread.community_id != ctx.community.id:
        raise NotFound("There is no such thread in this community.")
    return thread


def list_threads(
    db: Session, settings: Settings, ctx: CommunityAccess, page: int = 1
) -> tuple[list[Thread], Page]:
    """Page ``page`` of the threads: pinned first, then the most recently active."""
    require_read(ctx)
    query = select(Thread).where(Thread.community_id == ctx.community.id)
    query = query.order_by(*THREAD_ORDER.clauses())
    return paginate(db, query, page, settings.community_threads_per_page, strict=False)


def threads_page(db: Session, ctx: CommunityAccess, page: PageRequest) -> Slice[Thread]:
    """A page of the threads after a cursor, in the order of ``list_threads``."""
    require_read(ctx)
    return THREAD_ORDER.scalars(
        db, select(Thread).where(Thread.community_id == ctx.community.id), page
    )


def list_posts(
    db: Session, settings: Settings, thread: Thread, page: int | None, *, strict: bool = False
) -> tuple[list[Post], Page]:
    """Page ``page`` (``None``: the last; ``strict``: see ``make_page``) of the thread's posts,
    oldest first, with attachments and reactions (3 queries; 5 for the last page)."""
    query = (
        select(Post)
        .where(Post.thread_id == thread.id)
        .options(selectinload(Post.attachments), selectinload(Post.reactions))
        .order_by(Post.created_at, Post.id)
    )
    return paginate(db, query, page, settings.community_posts_per_page, strict=strict)


def paginate(
    db: Session, query: Select[T], number: int | None, size: int, *, strict: bool
) -> tuple[list[T], Page]:
    """Page ``number`` (``None``: the last) of the ordered ``query`` and the real page count.

    One statement: the rows are counted in it (a scalar subquery clamps the offset to the last
    page, ``count(*) OVER ()`` reports the total), so no denormalized counter is consulted.
    """
    total = select(func.count()).select_from(query.order_by(None).subquery()).scalar_subquery()
    last = case((total > 0, (total + (size - 1)) // size), else_=1)
    chosen = last if number is None else case((last < number, last), else_=max(1, number))
    paged = query.add_columns(func.count().over()).offset((chosen - 1) * size).limit(size)
    rows = db.execute(paged).all()
    count = rows[0][1] if rows else 0
    return [row[0] for row in rows], make_page(number, count, size, strict=strict)


def index_post(db: Session, post: Post, *, new: bool = False) -> None:
    """Bring the post's search entry in line with its text and status (``new``: just added)."""
    thread = post.thread
    kind, doc_id = ("thread", thread.id) if post.is_opening else ("post", post.id)
    if post.status != PostStatus.VISIBLE:
        community_search.unindex(db, kind, doc_id)
        return
    write = community_search.add if new else community_search.index
    write(
        db,
        kind,
        doc_id,
        community_id=post.community_id,
        title=thread.title if post.is_opening else "",
        body=post.body,
        thread_id=thread.id,
        label=thread.title,
    )
