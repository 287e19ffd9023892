"""Organizations (tenants and Open Badges issuers), memberships and invitations."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, IdMixin, TimestampMixin, str_enum
from app.models.user import User


class OrgKind(enum.StrEnum):
    """What sort of body runs the organization."""

    DISTRICT = "district"
    AGENCY = "agency"
    UNIVERSITY = "university"


class Role(enum.StrEnum):
    """A person's role in one organization, from least to most powerful."""

    TEACHER = "teacher"
    COACH = "coach"
    ADMIN = "admin"


class Organization(IdMixin, TimestampMixin, Base):
    """A district, agency or university: a tenant, and the issuer of its credentials."""

    __tablename__ = "organizations"

    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind, "org_kind"), default=OrgKind.DISTRICT)
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(320))
    description: Mapped[str | None] = mapped_column(Text)
    logo_path: Mapped[str | None] = mapped_column(String(500))
    min_cell_size: Mapped[int] = mapped_column(default=10, server_default="10")
    """Reports suppress any group counting fewer people than this."""
    evidence_retention_months: Mapped[int | None]
    """Evidence files are deleted this many months after the decision (None: kept)."""

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )


class OrganizationDomain(IdMixin, TimestampMixin, Base):
    """An e-mail domain a platform admin confirmed the organization owns (one owner per domain).

    Single sign-on links an existing account by e-mail automatically when its domain is here.
    """

    __tablename__ = "organization_domains"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    verified_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class Membership(IdMixin, TimestampMixin, Base):
    """One user's role in one organization."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organization_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(str_enum(Role, "member_role"))
    school: Mapped[str] = mapped_column(String(200), default="", server_default="")
    """The school within the organization where the person works (empty: not given)."""

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship(back_populates="memberships", lazy="joined")


class Invitation(IdMixin, TimestampMixin, Base):
    """An admin's invitation for an e-mail address to join with a role; accepted by link."""

    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_org_email", "organization_id", "email"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[Role] = mapped_column(str_enum(Role, "invitation_role"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship(lazy="joined")
