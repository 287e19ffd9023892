"""All ORM models; importing this package registers every table on ``Base.metadata``."""

from app.models.audit import AuditEvent
from app.models.auth import AccessToken, EmailToken, LoginFailure, TokenPurpose, UserSession
from app.models.community import (
    Attachment,
    Community,
    CommunityMember,
    Exemplar,
    JoinPolicy,
    MemberRole,
    MemberStatus,
    Post,
    PostReport,
    PostRevision,
    PostStatus,
    Reaction,
    ReportStatus,
    Resource,
    ResourceVote,
    Thread,
)
from app.models.credential import IssuedCredential, RateCounter, SigningKey, StatusList
from app.models.notification import DigestSubscription, Notification, NotificationPreference
from app.models.organization import Invitation, Membership, Organization, OrgKind, Role
from app.models.outbox import OutboxMessage, OutboxStatus
from app.models.sso import OidcIdentity, OidcProvider
from app.models.user import User

__all__ = [
    "AccessToken",
    "Attachment",
    "AuditEvent",
    "Community",
    "CommunityMember",
    "DigestSubscription",
    "EmailToken",
    "Exemplar",
    "Invitation",
    "IssuedCredential",
    "JoinPolicy",
    "LoginFailure",
    "MemberRole",
    "MemberStatus",
    "Membership",
    "Notification",
    "NotificationPreference",
    "OidcIdentity",
    "OidcProvider",
    "OrgKind",
    "Organization",
    "OutboxMessage",
    "OutboxStatus",
    "Post",
    "PostReport",
    "PostRevision",
    "PostStatus",
    "RateCounter",
    "Reaction",
    "ReportStatus",
    "Resource",
    "ResourceVote",
    "Role",
    "SigningKey",
    "StatusList",
    "Thread",
    "TokenPurpose",
    "User",
    "UserSession",
]
