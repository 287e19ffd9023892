"""Communities of practice: members, threads, posts, reactions, reports and the resource library."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, IdMixin, TimestampMixin, str_enum, utcnow
from app.models.organization import Organization
from app.models.user import User


class JoinPolicy(enum.StrEnum):
    """Open communities are readable by the organization; by-request ones only by members."""

    OPEN = "open"
    REQUEST = "request"


class MemberRole(enum.StrEnum):
    """A person's role in one community."""

    MEMBER = "member"
    FACILITATOR = "facilitator"


class MemberStatus(enum.StrEnum):
    """Where a membership stands."""

    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"


class PostStatus(enum.StrEnum):
    """Visible; hidden (restorable) or removed by a moderator; or deleted by its author."""

    VISIBLE = "visible"
    HIDDEN = "hidden"
    REMOVED = "removed"
    DELETED = "deleted"


class ReportStatus(enum.StrEnum):
    """An open report waits in the moderation queue until someone acts on it."""

    OPEN = "open"
    RESOLVED = "resolved"


class Community(IdMixin, TimestampMixin, Base):
    """A community of practice in an organization, optionally attached to a module or credential.

    ``attached_kind``/``attached_ref`` name what it belongs to (e.g. ``"module"`` and the module's
    id) without a foreign key, so modules and micro-credentials can link in later.
    """

    __tablename__ = "communities"
    __table_args__ = (
        UniqueConstraint("organization_id", "slug"),
        Index("ix_communities_attached", "attached_kind", "attached_ref"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    slug: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    guidelines: Mapped[str] = mapped_column(Text, default="")
    topic: Mapped[str | None] = mapped_column(String(80))
    grade_band: Mapped[str | None] = mapped_column(String(40))
    region: Mapped[str | None] = mapped_column(String(80))
    join_policy: Mapped[JoinPolicy] = mapped_column(
        str_enum(JoinPolicy, "join_policy"), default=JoinPolicy.OPEN
    )
    attached_kind: Mapped[str | None] = mapped_column(String(40))
    attached_ref: Mapped[str | None] = mapped_column(String(100))
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    thread_count: Mapped[int] = mapped_column(Integer, default=0)

    organization: Mapped[Organization] = relationship(lazy="joined")


class CommunityMember(IdMixin, TimestampMixin, Base):
    """One person's membership of one community."""

    __tablename__ = "community_members"
    __table_args__ = (
        UniqueConstraint("community_id", "user_id"),
        Index("ix_community_members_user", "user_id", "status"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[MemberRole] = mapped_column(
        str_enum(MemberRole, "community_role"), default=MemberRole.MEMBER
    )
    status: Mapped[MemberStatus] = mapped_column(
        str_enum(MemberStatus, "community_member_status"), default=MemberStatus.ACTIVE
    )
    muted: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship(lazy="joined")
    community: Mapped[Community] = relationship()


class Thread(IdMixin, TimestampMixin, Base):
    """A discussion: its opening post and replies are Posts."""

    __tablename__ = "community_threads"
    __table_args__ = (
        Index("ix_community_threads_listing", "community_id", "pinned", "last_activity_at"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE")
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    pinned: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered: Mapped[bool] = mapped_column(default=False)

    author: Mapped[User | None] = relationship(lazy="joined")
    community: Mapped[Community] = relationship()


class Post(IdMixin, TimestampMixin, Base):
    """The opening post or a reply: Markdown source plus its sanitized HTML."""

    __tablename__ = "community_posts"
    __table_args__ = (
        Index("ix_community_posts_thread", "thread_id", "created_at"),
        Index("ix_community_posts_author", "author_id", "created_at"),
        Index("ix_community_posts_community", "community_id", "created_at"),
    )

    thread_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("community_threads.id", ondelete="CASCADE")
    )
    community_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE")
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    is_opening: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[PostStatus] = mapped_column(
        str_enum(PostStatus, "post_status"), default=PostStatus.VISIBLE
    )
    helpful: Mapped[bool] = mapped_column(default=False)
    edited_at: Mapped[datetime | None]

    author: Mapped[User | None] = relationship(lazy="joined")
    thread: Mapped[Thread] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="post", order_by="Attachment.created_at"
    )
    reactions: Mapped[list[Reaction]] = relationship(back_populates="post")


class PostRevision(IdMixin, Base):
    """A post's earlier text, kept when it is edited."""

    __tablename__ = "community_post_revisions"

    post_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("community_posts.id", ondelete="CASCADE"), index=True
    )
    editor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reaction(IdMixin, Base):
    """One person's reaction (from a fixed set) to a post."""

    __tablename__ = "community_reactions"
    __table_args__ = (UniqueConstraint("post_id", "user_id", "kind"),)

    post_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("community_posts.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    post: Mapped[Post] = relationship(back_populates="reactions")


class PostReport(IdMixin, Base):
    """A member's report of a post, waiting in the moderation queue."""

    __tablename__ = "community_reports"
    __table_args__ = (
        UniqueConstraint("post_id", "reporter_id"),
        Index("ix_community_reports_queue", "community_id", "status"),
    )

    post_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("community_posts.id", ondelete="CASCADE"))
    community_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE")
    )
    reporter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus, "report_status"), default=ReportStatus.OPEN
    )
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    post: Mapped[Post] = relationship(lazy="joined")
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id], lazy="joined")


class Resource(IdMixin, TimestampMixin, Base):
    """A link or file shared into a community's library."""

    __tablename__ = "community_resources"
    __table_args__ = (Index("ix_community_resources_listing", "community_id", "upvotes"),)

    community_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE")
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(1000))
    tags: Mapped[str] = mapped_column(String(300), default="")
    grade_band: Mapped[str | None] = mapped_column(String(40))
    standards: Mapped[str] = mapped_column(String(300), default="")
    upvotes: Mapped[int] = mapped_column(Integer, default=0)

    author: Mapped[User | None] = relationship(lazy="joined")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="resource")

    @property
    def tag_list(self) -> list[str]:
        """Tags as a list."""
        return [t for t in self.tags.split(",") if t]


class ResourceVote(IdMixin, Base):
    """One person's upvote of a resource."""

    __tablename__ = "community_resource_votes"
    __table_args__ = (UniqueConstraint("resource_id", "user_id"),)

    resource_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("community_resources.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))


class Attachment(IdMixin, Base):
    """A stored file attached to a post or a resource; served only to those who may read it."""

    __tablename__ = "community_attachments"

    community_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("community_posts.id", ondelete="CASCADE"), index=True
    )
    exemplar_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("community_exemplars.id", ondelete="CASCADE"), index=True
    )
    resource_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("community_resources.id", ondelete="CASCADE"), index=True
    )
    uploader_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    post: Mapped[Post | None] = relationship(back_populates="attachments")
    resource: Mapped[Resource | None] = relationship(back_populates="attachments")
    exemplar: Mapped[Exemplar | None] = relationship(back_populates="attachments")


class Exemplar(IdMixin, Base):
    """A copy of a teacher's evidence for an earned micro-credential, shared with consent.

    ``source_kind``/``source_ref`` name the credential (as the community's ``attached_*`` do) and
    ``evidence_ref`` the submission it was copied from. Withdrawing hides it and deletes the copy.
    """

    __tablename__ = "community_exemplars"
    __table_args__ = (Index("ix_community_exemplars_gallery", "community_id", "withdrawn_at"),)

    community_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE")
    )
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source_kind: Mapped[str] = mapped_column(String(40))
    source_ref: Mapped[str] = mapped_column(String(100))
    evidence_ref: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    reflection: Mapped[str] = mapped_column(Text, default="")
    reflection_html: Mapped[str] = mapped_column(Text, default="")
    consented_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User] = relationship(lazy="joined")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="exemplar")
