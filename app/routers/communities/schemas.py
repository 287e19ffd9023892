"""JSON shapes for communities, threads and posts."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.models import Community, CommunityMember, JoinPolicy, Post, PostStatus


class CommunityRead(BaseModel):
    """A community of practice and the caller's membership status."""

    id: uuid.UUID
    slug: str
    name: str
    description: str
    guidelines: str
    topic: str | None
    grade_band: str | None
    region: str | None
    join_policy: JoinPolicy
    attached_kind: str | None = Field(description="e.g. 'module' or 'micro_credential'")
    attached_ref: str | None
    member_count: int
    thread_count: int
    my_status: str | None = Field(description="pending, active, suspended, or null")

    @classmethod
    def build(cls, community: Community, member: CommunityMember | None) -> CommunityRead:
        """Build from a community row and the caller's membership."""
        return cls(
            id=community.id,
            slug=community.slug,
            name=community.name,
            description=community.description,
            guidelines=community.guidelines,
            topic=community.topic,
            grade_band=community.grade_band,
            region=community.region,
            join_policy=community.join_policy,
            attached_kind=community.attached_kind,
            attached_ref=community.attached_ref,
            member_count=community.member_count,
            thread_count=community.thread_count,
            my_status=member.status.value if member else None,
        )


class ThreadRead(BaseModel):
    """A discussion thread."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_id: uuid.UUID
    title: str
    author_id: uuid.UUID | None
    pinned: bool
    locked: bool
    answered: bool
    reply_count: int
    created_at: datetime
    last_activity_at: datetime


class PostRead(BaseModel):
    """A post; the text of hidden, removed or deleted posts is withheld."""

    id: uuid.UUID
    thread_id: uuid.UUID
    author_id: uuid.UUID | None
    author_name: str | None
    is_opening: bool
    status: PostStatus
    helpful: bool
    body: str | None = Field(description="Markdown source")
    body_html: str | None = Field(description="Sanitized HTML")
    created_at: datetime
    edited_at: datetime | None

    @classmethod
    def build(cls, post: Post) -> PostRead:
        """Build from a post row."""
        shown = post.status == PostStatus.VISIBLE
        return cls(
            id=post.id,
            thread_id=post.thread_id,
            author_id=post.author_id,
            author_name=post.author.display_name if post.author else None,
            is_opening=post.is_opening,
            status=post.status,
            helpful=post.helpful,
            body=post.body if shown else None,
            body_html=post.body_html if shown else None,
            created_at=post.created_at,
            edited_at=post.edited_at,
        )


class ThreadCreate(BaseModel):
    """Start a thread."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=200)
    body: str = Field(max_length=100_000)


class PostCreate(BaseModel):
    """Reply to a thread."""

    model_config = ConfigDict(extra="forbid")

    body: str = Field(max_length=100_000)


class ThreadWithPosts(BaseModel):
    """A thread and one page of its posts."""

    thread: ThreadRead
    posts: list[PostRead]
    page: int
    page_count: int
