"""The community digest: new threads and answers, daily or weekly by each person's choice.

``laurel digest --period daily|weekly`` (scheduled by the operator) queues the e-mails through
the outbox. Each carries an unsubscribe link signed with the app secret (no sign-in needed).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Invalid
from app.kit import links, mail
from app.models import (
    Community,
    CommunityMember,
    DigestSubscription,
    MemberStatus,
    Organization,
    Post,
    PostStatus,
    Thread,
    User,
)
from app.settings import Settings

FREQUENCIES = {"off": "Never", "daily": "Every day", "weekly": "Every week"}
DEFAULT_FREQUENCY = "weekly"
PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
SALT = "laurel-digest-unsubscribe"
MAX_THREADS = 10


def frequency_of(db: Session, user: User) -> str:
    """How often the person gets the digest."""
    chosen = db.scalar(
        select(DigestSubscription.frequency).where(DigestSubscription.user_id == user.id)
    )
    return chosen or DEFAULT_FREQUENCY


def set_frequency(db: Session, user: User, frequency: str) -> None:
    """Store the person's choice: off, daily or weekly."""
    if frequency not in FREQUENCIES:
        raise Invalid("Choose never, every day or every week.", field="digest_frequency")
    row = db.scalar(select(DigestSubscription).where(DigestSubscription.user_id == user.id))
    if row is None:
        row = DigestSubscription(user_id=user.id)
        db.add(row)
    row.frequency = frequency


def unsubscribe_token(settings: Settings, user: User) -> str:
    """A signed token naming the person, for the link in the digest."""
    return str(URLSafeSerializer(settings.secret, salt=SALT).dumps(user.id.hex))


def user_for_token(db: Session, settings: Settings, token: str) -> User:
    """The person an unsubscribe token names, or Invalid."""
    try:
        user_hex = URLSafeSerializer(settings.secret, salt=SALT).loads(token)
        user = db.get(User, uuid.UUID(hex=str(user_hex)))
    except (BadSignature, ValueError):
        user = None
    if user is None:
        raise Invalid("This unsubscribe link is not valid. Change your choice in your account.")
    return user


def _recipients(db: Session, period: str) -> list[tuple[User, DigestSubscription | None]]:
    chosen = DigestSubscription.frequency == period
    if period == DEFAULT_FREQUENCY:  # no choice stored yet means the default
        chosen = chosen | DigestSubscription.id.is_(None)
    in_a_community = (
        select(CommunityMember.user_id)
        .where(CommunityMember.status == MemberStatus.ACTIVE, CommunityMember.muted.is_(False))
        .distinct()
    )
    rows = db.execute(
        select(User, DigestSubscription)
        .outerjoin(DigestSubscription, DigestSubscription.user_id == User.id)
        .where(User.is_active.is_(True), User.id.in_(in_a_community), chosen)
        .order_by(User.id)
    ).all()
    return [(row[0], row[1]) for row in rows]


def send_digests(db: Session, settings: Settings, period: str) -> int:
    """Queue a digest for each reader of ``period`` with news from others; returns how many."""
    if period not in PERIODS:
        raise Invalid("The period is daily or weekly.")
    now = utcnow()
    sent = 0
    for user, subscription in _recipients(db, period):
        since = now - PERIODS[period]
        if subscription is not None and subscription.last_sent_at is not None:
            since = max(since, subscription.last_sent_at)
        if _send_one(db, settings, user, since, period):
            sent += 1
        if subscription is None:
            subscription = DigestSubscription(user_id=user.id, frequency=period)
            db.add(subscription)
        subscription.last_sent_at = now
    return sent


def _send_one(db: Session, settings: Settings, user: User, since: datetime, period: str) -> bool:
    community_ids = select(CommunityMember.community_id).where(
        CommunityMember.user_id == user.id,
        CommunityMember.status == MemberStatus.ACTIVE,
        CommunityMember.muted.is_(False),
    )
    columns = (Thread.id, Thread.title, Community.name, Community.slug, Organization.slug)
    new_threads = db.execute(
        select(*columns)
        .join(Community, Community.id == Thread.community_id)
        .join(Organization, Organization.id == Community.organization_id)
        .where(
            Thread.community_id.in_(community_ids),
            Thread.created_at > since,
            Thread.author_id != user.id,
        )
        .order_by(Thread.created_at.desc())
        .limit(MAX_THREADS)
    ).all()
    answered = db.execute(
        select(*columns, func.count(Post.id))
        .join(Post, Post.thread_id == Thread.id)
        .join(Community, Community.id == Thread.community_id)
        .join(Organization, Organization.id == Community.organization_id)
        .where(
            Thread.community_id.in_(community_ids),
            Post.created_at > since,
            Post.is_opening.is_(False),
            Post.status == PostStatus.VISIBLE,
            Post.author_id != user.id,
        )
        .group_by(*columns)
        .order_by(func.count(Post.id).desc())
        .limit(MAX_THREADS)
    ).all()
    if not new_threads and not answered:
        return False
    token = unsubscribe_token(settings, user)
    mail.queue_email(
        db, settings, user.email, "community_digest",
        user=user, period=period, new_threads=new_threads, answered=answered,
        unsubscribe=f"{links.DIGEST_UNSUBSCRIBE.absolute(settings.base_url)}?token={token}",
    )  # fmt: skip
    return True
