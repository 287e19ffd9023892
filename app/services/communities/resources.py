"""A community's shared resource library: links and files with tags, grade band and standards."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.errors import Forbidden, Invalid, NotFound
from app.kit import counters, urls
from app.kit.storage.uploads import Upload
from app.models import Resource, ResourceVote
from app.services.communities import attachments
from app.services.communities import search as community_search
from app.services.communities.membership import CommunityAccess, require_read
from app.services.communities.threads import check_can_post
from app.settings import Settings

MAX_TAGS = 10


def parse_tags(raw: str) -> str:
    """Tags from a comma-separated string: trimmed, lower-case, unique, at most ten."""
    tags: list[str] = []
    for part in raw.split(","):
        tag = " ".join(part.split()).lower()[:40]
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise Invalid(f"Use at most {MAX_TAGS} tags.", field="tags")
    return ",".join(tags)


def _check_url(url: str) -> str | None:
    url = url.strip()
    if not url:
        return None
    if not urls.is_web(url) or len(url) > 1000:
        raise Invalid("Enter a web address starting with https:// or http://.", field="url")
    return url


def share(
    db: Session,
    settings: Settings,
    ctx: CommunityAccess,
    *,
    title: str,
    description: str = "",
    url: str = "",
    tags: str = "",
    grade_band: str = "",
    standards: str = "",
    uploads: list[Upload] | None = None,
) -> Resource:
    """Add a link or a file (or both) to the library."""
    check_can_post(db, settings, ctx)
    title = " ".join(title.split())
    if not title or len(title) > 200:
        raise Invalid("Give the resource a title of at most 200 characters.", field="title")
    if len(description) > settings.community_post_max_chars:
        raise Invalid("The description is too long.", field="description")
    link = _check_url(url)
    if link is None and not uploads:
        raise Invalid("Add a web address or attach a file.", field="url")
    resource = Resource(
        community_id=ctx.community.id,
        author_id=ctx.user.id,
        title=title,
        description=description.strip(),
        url=link,
        tags=parse_tags(tags),
        grade_band=grade_band.strip()[:40] or None,
        standards=standards.strip()[:300],
    )
    db.add(resource)
    db.flush()
    if uploads:
        attachments.store(
            db,
            settings,
            uploads,
            community_id=ctx.community.id,
            uploader=ctx.user,
            resource_id=resource.id,
        )
    community_search.add(
        db,
        "resource",
        resource.id,
        community_id=ctx.community.id,
        title=title,
        body=" ".join([resource.description, resource.tags, resource.standards]),
    )
    return resource


def library(
    db: Session,
    ctx: CommunityAccess,
    *,
    tag: str = "",
    grade_band: str = "",
    text: str = "",
    limit: int = 100,
) -> list[Resource]:
    """Resources, most upvoted first, optionally filtered by tag, grade band and words."""
    require_read(ctx)
    query = (
        select(Resource)
        .where(Resource.community_id == ctx.community.id)
        .options(selectinload(Resource.attachments))
    )
    if tag.strip():
        needle = tag.strip().lower()
        query = query.where(
            or_(
                Resource.tags == needle,
                Resource.tags.startswith(f"{needle},", autoescape=True),
                Resource.tags.endswith(f",{needle}", autoescape=True),
                Resource.tags.contains(f",{needle},", autoescape=True),
            )
        )
    if grade_band.strip():
        query = query.where(Resource.grade_band == grade_band.strip())
    if text.strip():
        words = text.strip().lower()  # autoescape: % _ and \ are searched for, not patterns
        query = query.where(
            or_(
                func.lower(Resource.title).contains(words, autoescape=True),
                func.lower(Resource.description).contains(words, autoescape=True),
            )
        )
    return list(db.scalars(query.order_by(Resource.upvotes.desc(), Resource.title).limit(limit)))


def my_votes(db: Session, ctx: CommunityAccess, resources: list[Resource]) -> set[uuid.UUID]:
    """Which of these resources the viewer has upvoted."""
    if not resources:
        return set()
    return set(
        db.scalars(
            select(ResourceVote.resource_id).where(
                ResourceVote.user_id == ctx.user.id,
                ResourceVote.resource_id.in_([r.id for r in resources]),
            )
        )
    )


def toggle_vote(db: Session, ctx: CommunityAccess, resource_id: uuid.UUID) -> bool:
    """Upvote a resource, or take the upvote back; True when added."""
    require_read(ctx)
    if not ctx.can_post:
        raise Forbidden("Join this community to upvote resources.")
    resource = db.get(Resource, resource_id)
    if resource is None or resource.community_id != ctx.community.id:
        raise NotFound("There is no such resource in this community.")
    removed = db.execute(
        delete(ResourceVote).where(
            ResourceVote.resource_id == resource.id, ResourceVote.user_id == ctx.user.id
        )
    ).rowcount  # type: ignore[attr-defined]
    if removed:
        counters.add(db, resource, Resource.upvotes, -1)
        return False
    try:
        with db.begin_nested():
            db.add(ResourceVote(resource_id=resource.id, user_id=ctx.user.id))
    except IntegrityError:
        return True  # the same person's other request added (and counted) it a moment ago
    counters.add(db, resource, Resource.upvotes, 1)
    return True
